"""Findings: what a dimension's three lens scores say, in plain words, and how sure that is.

The classification is a small decision list over the lens scores, with every
threshold taken from the bank (`findings:`), so an organisation can tune it
without touching code. Order matters: a blurred dimension is reported as
blurred even when its product/project balance is also off, because blurring
is what the survey exists to find.

Every score carries a 95% interval (`certainty.t_interval`). A verdict is
*firm* when every verdict the intervals allow is the same one; otherwise it is
*borderline*, and the finding names the verdicts the intervals allow
(`possible_verdicts`) so a leader does not act on a coin toss.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import cast

import numpy as np
import pandas as pd

from assessment.bank import Bank, FindingRules
from assessment.scoring.scores import dimension_table
from assessment.vocabulary import (
    CLASSIFICATIONS,
    LENSES,
    Classification,
    interval_text,
    number,
    round_half_up,
)

__all__ = [
    "Finding",
    "classify",
    "findings",
    "possible_verdicts",
    "verdict_counts",
]

Interval = tuple[float, float]
_GRID = 7
"""Points per lens of the grid over the interval box that orders the possible verdicts."""


@dataclass(frozen=True)
class Finding:
    """One group's verdict on one dimension, with the numbers that led to it and how sure it is.

    `classification` is the verdict of the scores themselves; `possible` the
    verdicts their 95% intervals allow, that one first, then the others by
    how much of the intervals they cover; `firm` is true when that is the
    only one. `intervals` holds each lens's interval (one decimal), None where
    the lens is hidden; `prompts` are the retrospective prompts for this
    verdict (the dimension's own for it, else its general ones).
    """

    group: dict[str, str]
    dimension: str
    dimension_name: str
    classification: Classification
    headline: str
    evidence: str
    prompts: list[str]
    scores: dict[str, float | int | None] = field(default_factory=dict)
    firm: bool = True
    possible: tuple[Classification, ...] = ()
    intervals: dict[str, Interval | None] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)


def _missing(value: float | None) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def classify(
    product: float | None, project: float | None, clarity: float | None, rules: FindingRules
) -> Classification | None:
    """Classify one dimension; None when the scores needed for any verdict are hidden.

    Examples
    --------
    >>> classify(70, 72, 40, FindingRules())
    'blurred'
    >>> classify(45, 80, 65, FindingRules())
    'delivery-led'
    """
    if not _missing(clarity) and clarity < rules.blurred_below:  # type: ignore[operator]
        return "blurred"
    if _missing(product) or _missing(project):
        return None
    product, project = cast(float, product), cast(float, project)
    if product < rules.low_below and project < rules.low_below:
        return "under-managed"
    if project - product >= rules.gap:
        return "delivery-led"
    if product - project >= rules.gap:
        return "plan-light"
    if _missing(clarity):
        return None
    return "distinct"


def _classify_codes(
    product: np.ndarray, project: np.ndarray, clarity: np.ndarray, rules: FindingRules
) -> np.ndarray:
    """`classify` over arrays: the index in `CLASSIFICATIONS`, -1 for no verdict."""
    codes = np.full(np.broadcast(product, project, clarity).shape, -1)
    with np.errstate(invalid="ignore"):
        sides = ~np.isnan(product) & ~np.isnan(project)
        steps = [
            (clarity < rules.blurred_below, "blurred"),
            (sides & (product < rules.low_below) & (project < rules.low_below), "under-managed"),
            (sides & (project - product >= rules.gap), "delivery-led"),
            (sides & (product - project >= rules.gap), "plan-light"),
            (sides & ~np.isnan(clarity), "distinct"),
        ]
    for condition, label in reversed(steps):  # the first true step of the list wins
        codes = np.where(condition, CLASSIFICATIONS.index(label), codes)
    return codes


def possible_verdicts(
    intervals: dict[str, Interval | None], rules: FindingRules
) -> set[Classification]:
    """Every verdict `classify` gives somewhere inside the box of the lens intervals.

    Parameters
    ----------
    intervals : ``{lens: (low, high)}``; None (or a missing lens) where the
        lens is hidden, so no verdict that needs it is possible.
    rules : the bank's thresholds.

    Notes
    -----
    Exact, from the decision list: *blurred* needs some clarity below
    ``blurred_below``; every other verdict needs some clarity at or above it
    (or clarity hidden, except for *distinct*). Within that, *under-managed*
    needs both sides able to be below ``low_below``; the balance verdicts need
    one side able to be at or above it and ``project - product`` (or the
    reverse) able to reach ``gap`` over the box; *distinct* needs the
    difference able to lie strictly within ``±gap``. The thresholds' own
    points count as reachable from either side.

    Examples
    --------
    Clarity 41-58 with product and project both about 75: blurred or distinct.

    >>> box = {"product": (70, 80), "project": (70, 80), "clarity": (41, 58)}
    >>> sorted(possible_verdicts(box, FindingRules()))
    ['blurred', 'distinct']
    """
    found: set[Classification] = set()
    clarity, product, project = (intervals.get(lens) for lens in ("clarity", "product", "project"))
    if clarity is not None and clarity[0] < rules.blurred_below:
        found.add("blurred")
    if clarity is not None and clarity[1] < rules.blurred_below:
        return found
    if product is None or project is None:
        return found
    low = rules.low_below
    if product[0] < low and project[0] < low:
        found.add("under-managed")
    # "not both low": product at or above low_below, or project at or above it
    regions = []
    if product[1] >= low:
        regions.append(((max(product[0], low), product[1]), project))
    if project[1] >= low:
        regions.append((product, (max(project[0], low), project[1])))
    for (p_low, p_high), (j_low, j_high) in regions:
        if j_high - p_low >= rules.gap:
            found.add("delivery-led")
        if p_high - j_low >= rules.gap:
            found.add("plan-light")
        if clarity is not None and j_low - p_high < rules.gap and j_high - p_low > -rules.gap:
            found.add("distinct")
    return found


def _ordered(
    label: Classification,
    allowed: set[Classification],
    intervals: dict[str, Interval | None],
    rules: FindingRules,
) -> tuple[Classification, ...]:
    """The allowed verdicts, the scores' own first, then by their share of the interval box."""
    if len(allowed - {label}) <= 1:
        return (label, *(allowed - {label}))  # nothing to order: skip the grid
    axes = []
    for lens in LENSES:
        box = intervals.get(lens)
        axes.append(np.array([np.nan]) if box is None else np.linspace(box[0], box[1], _GRID))
    grid = np.meshgrid(*axes, indexing="ij")
    codes = _classify_codes(grid[0].ravel(), grid[1].ravel(), grid[2].ravel(), rules)
    share = np.bincount(codes[codes >= 0], minlength=len(CLASSIFICATIONS))
    others = sorted(
        allowed - {label},
        key=lambda v: (-share[CLASSIFICATIONS.index(v)], CLASSIFICATIONS.index(v)),
    )
    return (label, *others)


def _fmt(value: float | None) -> str:
    return "hidden" if _missing(value) else number(value)  # type: ignore[arg-type]


def _lens_part(row: dict[str, object], lens: str, label: str = "") -> str:
    """'75.0 (95% interval 70–80)': a lens score with its interval, or 'hidden'."""
    score = cast(float, row[lens])
    if _missing(score):
        return "hidden"
    low, high = cast(float, row[f"ci_low_{lens}"]), cast(float, row[f"ci_high_{lens}"])
    if _missing(low) or _missing(high):
        return number(score)
    return f"{number(score)} ({label}{interval_text(low, high)})"


def _evidence(row: dict[str, object], n: int, skip: Sequence[str] = ()) -> str:
    """The lenses (less `skip`) with their 95% intervals, the blur index and the group size."""
    parts, label = [], "95% interval "
    for lens in LENSES:
        if lens not in skip:
            parts.append(f"{lens} {_lens_part(row, lens, label)}")
            label = ""  # the first bracket says what the brackets hold
    blur = f"blur index {_fmt(cast(float, row['blur_index']))}; from {n} respondents."
    text = f"{', '.join(parts)}; {blur}" if parts else blur
    return text[0].upper() + text[1:]


def _deciding_lenses(intervals: dict[str, Interval | None], rules: FindingRules) -> list[str]:
    """The lenses whose interval reaches across a threshold: what makes a finding borderline."""
    crossing = []
    for lens, threshold in (("clarity", rules.blurred_below), ("product", rules.low_below),
                            ("project", rules.low_below)):  # fmt: skip
        box = intervals.get(lens)
        if box is not None and box[0] < threshold <= box[1]:
            crossing.append(lens)
    product, project = intervals.get("product"), intervals.get("project")
    if product is not None and project is not None:
        low, high = product[0] - project[1], product[1] - project[0]
        if any(low < edge < high for edge in (-rules.gap, rules.gap)) or rules.gap in (
            low, high, -low, -high,
        ):  # fmt: skip
            crossing += [lens for lens in ("product", "project") if lens not in crossing]
    return [lens for lens in LENSES if lens in crossing] or [
        lens for lens in LENSES if intervals.get(lens) is not None
    ]


def _borderline_evidence(
    row: dict[str, object],
    possible: tuple[Classification, ...],
    intervals: dict[str, Interval | None],
    counts: dict[str, int],
    rules: FindingRules,
    n: int,
) -> str:
    """'blurred or distinct: clarity 49.9, 95% interval 41–58, n = 30.', then the full evidence."""
    parts = []
    deciding = _deciding_lenses(intervals, rules)
    for lens in deciding:
        box = intervals[lens]
        assert box is not None
        parts.append(
            f"{lens} {number(cast(float, row[lens]))}, 95% interval "
            f"{interval_text(*box)}, n = {counts[lens]}"
        )
    verdicts = _either(possible) if len(possible) > 1 else f"perhaps {possible[0]}"
    return f"{verdicts}: {'; '.join(parts)}. {_evidence(row, n, skip=deciding)}"


def _either(labels: Sequence[str]) -> str:
    """'blurred or distinct', 'blurred, plan-light or distinct'."""
    return labels[0] if len(labels) == 1 else f"{', '.join(labels[:-1])} or {labels[-1]}"


def _where(group: dict[str, str]) -> str:
    return " / ".join(group.values()) if group else "the organisation"


def _headline(name: str, label: Classification, group: dict[str, str]) -> str:
    where = _where(group)
    verbs = {
        "blurred": f"{name} is blurred in {where}: product and project ownership run together.",
        "under-managed": f"{name} is under-managed in {where}: neither side is practised much.",
        "delivery-led": f"{name} is delivery-led in {where}: the plan drives, the product follows.",
        "plan-light": f"{name} is plan-light in {where}: product intent outruns delivery practice.",
        "distinct": f"{name} is distinct in {where}: both roles are practised and kept apart.",
    }
    return verbs[label]


def _borderline_headline(
    name: str, possible: tuple[Classification, ...], group: dict[str, str]
) -> str:
    label, others = possible[0], possible[1:]
    also = (
        f"the 95% intervals also allow {_either(others)}"
        if others
        else "its 95% interval reaches the threshold"
    )
    return f"{name} is borderline {label} in {_where(group)}: {also}."


def _intervals(row: dict[str, object]) -> dict[str, Interval | None]:
    """Each visible lens's interval; the whole 0-100 where a visible score has none (n < 2)."""
    out: dict[str, Interval | None] = {}
    for lens in LENSES:
        score = cast(float, row[lens])
        low, high = cast(float, row[f"ci_low_{lens}"]), cast(float, row[f"ci_high_{lens}"])
        if _missing(score):
            out[lens] = None
        elif _missing(low) or _missing(high):
            out[lens] = (0.0, 100.0)
        else:
            out[lens] = (float(low), float(high))
    return out


def findings(tidy: pd.DataFrame, bank: Bank, by: Sequence[str] = ()) -> list[Finding]:
    """Turn tidy group scores into findings, one per visible group x dimension.

    Parameters
    ----------
    tidy : the output of `scoring.group_scores` (or `levels.published_scores`)
        for the same `by`, with ``ci_low``/``ci_high``.
    bank : gives dimension names, prompts and the thresholds.
    by : the grouping columns of `tidy`.

    Returns
    -------
    list of Finding in group order, then bank dimension order. A dimension
    whose scores are suppressed yields no finding: a verdict on a hidden
    group would leak what the suppression hides. A finding is firm when its
    intervals allow no other verdict (`possible_verdicts`), else borderline,
    and says so in its headline and evidence.
    """
    by = list(by)
    if "suppressed" in tidy:
        # A hidden lens must not lend its n to the evidence of the visible ones.
        tidy = tidy.assign(n=tidy["n"].where(~tidy["suppressed"].astype(bool), 0))
    table = dimension_table(tidy, by)
    rules = bank.findings
    result: list[Finding] = []
    for row in table.to_dict("records"):
        label = classify(row["product"], row["project"], row["clarity"], rules)
        if label is None:
            continue
        dimension = bank.dimension(row["dimension"])
        group = {col: str(row[col]) for col in by}
        scores = {
            key: (None if _missing(row[key]) else float(round_half_up(row[key])))
            for key in ("product", "project", "clarity", "blur_index", "balance")
        }
        n = int(max(row["n_product"], row["n_project"], row["n_clarity"]))
        scores["n"] = n
        intervals = _intervals(row)
        possible = _ordered(label, possible_verdicts(intervals, rules) | {label}, intervals, rules)
        firm = possible == (label,) and _settled(label, intervals, rules)
        counts: dict[str, int] = {lens: int(row[f"n_{lens}"]) for lens in LENSES}
        result.append(
            Finding(
                group=group,
                dimension=dimension.id,
                dimension_name=dimension.name,
                classification=label,
                headline=(
                    _headline(dimension.name, label, group)
                    if firm
                    else _borderline_headline(dimension.name, possible, group)
                ),
                evidence=(
                    _evidence(row, n)
                    if firm
                    else _borderline_evidence(row, possible, intervals, counts, rules, n)
                ),
                prompts=list(dimension.verdict_prompts.get(label) or dimension.retro_prompts),
                scores=scores,
                firm=firm,
                possible=possible,
                intervals={
                    lens: None if box is None else _rounded(box) for lens, box in intervals.items()
                },
                counts=counts,
            )
        )
    return result


def _rounded(box: Interval) -> Interval:
    low, high = round_half_up(np.array(box))
    return float(low), float(high)


def _settled(
    label: Classification, intervals: dict[str, Interval | None], rules: FindingRules
) -> bool:
    """A verdict reached with a lens hidden is firm only if no interval reaches its threshold.

    `possible_verdicts` cannot offer "no verdict"; a blurred verdict from
    clarity alone is still borderline when clarity's interval reaches 50.
    """
    clarity = intervals.get("clarity")
    if label == "blurred" and clarity is not None:
        return clarity[1] < rules.blurred_below
    return True


def verdict_counts(
    found: Iterable[Finding],
) -> tuple[dict[Classification, int], dict[Classification, int]]:
    """How many findings reach each verdict firmly, and how many only borderline.

    Returns ``(firm, borderline)``, each keyed by every verdict in
    `CLASSIFICATIONS` order (zeros included), counting a finding under its
    own `classification`: enough for "blurred in 2 of 6 teams, borderline in 1".
    """
    firm: dict[Classification, int] = dict.fromkeys(CLASSIFICATIONS, 0)
    borderline: dict[Classification, int] = dict.fromkeys(CLASSIFICATIONS, 0)
    for finding in found:
        (firm if finding.firm else borderline)[finding.classification] += 1
    return firm, borderline

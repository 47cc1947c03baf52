"""The focus list: which findings a leader should talk about first, and why.

A leader with six teams and four dimensions has 24 findings; most are fine.
The focus list keeps the problems and puts them in an order that can be
defended: what the intervals make sure of before what they only allow, and
within that what lies furthest below the organisation, then what fell most
since the last round.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from assessment.bank import Bank
from assessment.scoring.findings import Finding
from assessment.vocabulary import CHANGES, Change, Classification, Lens, number

__all__ = ["PROBLEM_LENSES", "FocusItem", "focus_list"]

PROBLEM_LENSES: dict[Classification, tuple[Lens, ...]] = {
    "blurred": ("clarity",),
    "under-managed": ("product", "project"),
    "delivery-led": ("product",),
    "plan-light": ("project",),
}
"""The lenses each problem verdict rests on: where the gap and the fall are measured.

*distinct* is not a problem and has none.
"""
_FALLING = CHANGES[2]


@dataclass(frozen=True)
class FocusItem:
    """One entry of the focus list: a finding, the problem it points at, and its evidence.

    `verdict` is the problem: the finding's own verdict, or, for a borderline
    finding whose own verdict is *distinct*, the first problem its intervals
    allow. `gap` is how far the group lies below the organisation on the
    verdict's lenses (points, mean over them; positive = below), `difference`
    its change since the last round on them (None when not compared), and
    `change` the change word ("falling" when any of them fell). `prompts`
    are the retrospective prompts for `verdict`.
    """

    finding: Finding
    verdict: Classification
    firm: bool
    lenses: tuple[Lens, ...]
    gap: float | None
    difference: float | None
    change: Change | None
    prompts: list[str]
    evidence: str

    @property
    def group(self) -> dict[str, str]:
        return self.finding.group

    @property
    def dimension(self) -> str:
        return self.finding.dimension

    @property
    def dimension_name(self) -> str:
        return self.finding.dimension_name


def _problem(finding: Finding) -> Classification | None:
    """The problem a finding points at, or None when every verdict it allows is distinct."""
    if finding.classification in PROBLEM_LENSES:
        return finding.classification
    if finding.firm:
        return None
    return next((v for v in finding.possible if v in PROBLEM_LENSES), None)


def _org_lookup(org_scores: pd.DataFrame | None) -> dict[tuple[str, str], float]:
    if org_scores is None or not len(org_scores):
        return {}
    shown = org_scores[org_scores["score"].notna()]
    return dict(
        zip(zip(shown["dimension"], shown["lens"], strict=True), shown["score"], strict=True)
    )


def _change_lookup(
    changes: pd.DataFrame | None, by: Sequence[str]
) -> dict[tuple[object, ...], tuple[float, str]]:
    if changes is None or not len(changes):
        return {}
    keys = zip(*(changes[col].astype(str) for col in [*by, "dimension", "lens"]), strict=True)
    values = zip(changes["difference"], changes["change"], strict=True)
    return dict(zip(keys, values, strict=True))


def _mean(values: list[float]) -> float | None:
    return float(np.mean(values)) if values else None


def _evidence(
    finding: Finding, lenses: tuple[Lens, ...], gap: float | None, difference: float | None,
    change: Change | None,
) -> str:  # fmt: skip
    parts = [finding.evidence]
    on = " and ".join(lenses)
    if gap is not None:
        side = "below" if gap > 0 else "above"
        parts.append(f"{number(abs(gap))} points {side} the organisation on {on}.")
    if difference is not None and change is not None:
        parts.append(f"{change.capitalize()} since the last round on {on} ({number(difference)}).")
    return " ".join(parts)


def focus_list(
    findings: Sequence[Finding],
    org_scores: pd.DataFrame | None = None,
    changes: pd.DataFrame | None = None,
    bank: Bank | None = None,
) -> list[FocusItem]:
    """The problems among `findings`, in the order a leader should take them up.

    Rule: firm problems first (a verdict other than *distinct* that the 95%
    intervals make sure of), then borderline ones (the intervals allow a
    problem verdict); within each, the largest gap below the organisation
    first, then the largest fall since the last round, then group and bank
    order. Gap and fall are measured on the lenses the verdict rests on
    (`PROBLEM_LENSES`), as a mean over them.

    Parameters
    ----------
    findings : group findings (`findings.findings`), e.g. per team.
    org_scores : the organisation's tidy scores (``dimension, lens, score``)
        of the same round; None leaves every gap unknown (ranked as 0).
    changes : `certainty.change_table` for the same groups; None or a
        group not in it: no fall (ranked as 0). Hidden groups have no rows.
    bank : gives the prompts of a problem verdict that is not the finding's
        own; without it the finding's own prompts are offered.
    """
    org = _org_lookup(org_scores)
    by = list(findings[0].group) if findings else []
    moved = _change_lookup(changes, by)
    ranked: list[tuple[tuple[int, float, float, int], FocusItem]] = []
    for position, finding in enumerate(findings):
        verdict = _problem(finding)
        if verdict is None:
            continue
        lenses = PROBLEM_LENSES[verdict]
        gaps = [
            org[(finding.dimension, lens)] - score
            for lens in lenses
            if (score := finding.scores.get(lens)) is not None and (finding.dimension, lens) in org
        ]
        group_key = tuple(finding.group[col] for col in by)
        found = [
            moved[key] for lens in lenses if (key := (*group_key, finding.dimension, lens)) in moved
        ]
        difference = _mean([float(d) for d, _ in found])
        words = {str(word) for _, word in found}
        change = next((word for word in (_FALLING, *CHANGES) if word in words), None)
        gap = _mean([float(g) for g in gaps])
        if bank is not None:
            dimension = bank.dimension(finding.dimension)
            prompts = list(dimension.verdict_prompts.get(verdict) or dimension.retro_prompts)
        else:
            prompts = list(finding.prompts)
        item = FocusItem(
            finding=finding,
            verdict=verdict,
            firm=finding.firm,
            lenses=lenses,
            gap=gap,
            difference=difference,
            change=change,
            prompts=prompts,
            evidence=_evidence(finding, lenses, gap, difference, change),
        )
        fall = -difference if difference is not None else 0.0
        ranked.append(((0 if finding.firm else 1, -(gap or 0.0), -fall, position), item))
    ranked.sort(key=lambda pair: pair[0])
    return [item for _, item in ranked]

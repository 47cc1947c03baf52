"""Findings: what a dimension's three lens scores say, in plain words.

The classification is a small decision list over the lens scores, with every
threshold taken from the bank (`findings:`), so an organisation can tune it
without touching code. Order matters: a blurred dimension is reported as
blurred even when its product/project balance is also off, because blurring
is what the survey exists to find.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import cast

import pandas as pd

from assessment.bank import Bank, FindingRules
from assessment.scoring.scores import dimension_table
from assessment.vocabulary import LENSES, Classification, number, round_half_up

__all__ = ["Finding", "classify", "findings"]


@dataclass(frozen=True)
class Finding:
    """One group's verdict on one dimension, with the numbers that led to it."""

    group: dict[str, str]
    dimension: str
    dimension_name: str
    classification: Classification
    headline: str
    evidence: str
    prompts: list[str]
    scores: dict[str, float | int | None] = field(default_factory=dict)


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


def _fmt(value: float | None) -> str:
    return "hidden" if _missing(value) else number(value)  # type: ignore[arg-type]


def _evidence(row: pd.Series) -> str:
    n = int(max(row[f"n_{lens}"] for lens in LENSES))
    return (
        f"Product {_fmt(row['product'])}, project {_fmt(row['project'])}, "
        f"clarity {_fmt(row['clarity'])} (blur index {_fmt(row['blur_index'])}), "
        f"from {n} respondents."
    )


def _headline(name: str, label: Classification, group: dict[str, str]) -> str:
    where = " / ".join(group.values()) if group else "the organisation"
    verbs = {
        "blurred": f"{name} is blurred in {where}: product and project ownership run together.",
        "under-managed": f"{name} is under-managed in {where}: neither side is practised much.",
        "delivery-led": f"{name} is delivery-led in {where}: the plan drives, the product follows.",
        "plan-light": f"{name} is plan-light in {where}: product intent outruns delivery practice.",
        "distinct": f"{name} is distinct in {where}: both roles are practised and kept apart.",
    }
    return verbs[label]


def findings(tidy: pd.DataFrame, bank: Bank, by: Sequence[str] = ()) -> list[Finding]:
    """Turn tidy group scores into findings, one per visible group x dimension.

    Parameters
    ----------
    tidy : the output of `scoring.group_scores` for the same `by`.
    bank : gives dimension names, retro prompts and the thresholds.
    by : the grouping columns of `tidy`.

    Returns
    -------
    list of Finding in group order, then bank dimension order. A dimension
    whose scores are suppressed yields no finding: a verdict on a hidden
    group would leak what the suppression hides.
    """
    by = list(by)
    if "suppressed" in tidy:
        # A hidden lens must not lend its n to the evidence of the visible ones.
        tidy = tidy.assign(n=tidy["n"].where(~tidy["suppressed"].astype(bool), 0))
    table = dimension_table(tidy, by)
    result: list[Finding] = []
    for row in table.to_dict("records"):
        series = pd.Series(row)
        label = classify(row["product"], row["project"], row["clarity"], bank.findings)
        if label is None:
            continue
        dimension = bank.dimension(row["dimension"])
        group = {col: str(row[col]) for col in by}
        scores = {
            key: (None if _missing(row[key]) else float(round_half_up(row[key])))
            for key in ("product", "project", "clarity", "blur_index", "balance")
        }
        scores["n"] = int(max(row["n_product"], row["n_project"], row["n_clarity"]))
        result.append(
            Finding(
                group=group,
                dimension=dimension.id,
                dimension_name=dimension.name,
                classification=label,
                headline=_headline(dimension.name, label, group),
                evidence=_evidence(series),
                prompts=list(dimension.retro_prompts),
                scores=scores,
            )
        )
    return result

"""Item analysis: does each statement work? The checks a bank editor runs after a round.

Per statement: how many answered, the mean and spread of the answers, how
often each answer and each kind of non-answer ("don't know", and "not
applicable" where the scale keeps it apart) was given, the item-rest
correlation (the statement against the sum of the rest of its scale), and the
scale's alpha if the statement were dropped. Per scale: Cronbach's alpha with
Feldt's 95% interval. Two flags: a negative item-rest correlation (the
statement runs against its scale: most likely its keying is wrong) and a
don't-know rate above `DONT_KNOW_FLAG_RATE` (many cannot judge it).

Correlations and alphas use each scale's complete respondents (every item of
the scale answered), keyed as scored, the same sample as
`reliability.cronbach_alpha`; they need `ALPHA_MIN_N` of them, else NaN.

Privacy: nothing here groups. Callers run it over a whole round's published
responses and show it only where the organisation itself is shown; per-team
statistics would be a new, unchecked table.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from assessment.bank import Bank
from assessment.policy import ITEM_DONT_KNOW_FLAG_RATE
from assessment.scoring.reliability import ALPHA_MIN_N, alpha_interval
from assessment.scoring.scores import item_scores
from assessment.survey import DONT_KNOW_CODE, NOT_APPLICABLE_CODE

__all__ = [
    "DONT_KNOW_FLAG_RATE",
    "ORDINARY",
    "ItemAnalysis",
    "item_analysis",
    "item_columns",
    "kinds_of",
]

DONT_KNOW_FLAG_RATE = ITEM_DONT_KNOW_FLAG_RATE
"""A statement that more than this share of respondents cannot judge is flagged (`policy`)."""
ORDINARY: Mapping[str, float] = {"dont_know": math.nan}
"""Non-answer kinds of an ordinary wide frame: every empty cell counts as don't know."""
SCALE_COLUMNS = ["dimension", "lens", "items", "n", "alpha", "alpha_low", "alpha_high"]


def kinds_of(bank: Bank, *, coded: bool) -> Mapping[str, float]:
    """The non-answer kinds to count for `bank`'s responses.

    `coded`: a coded frame (`store.responses_frame(..., kinds=True)`, or a file
    read with ``kinds=True``), where don't know is `DONT_KNOW_CODE`, not
    applicable `NOT_APPLICABLE_CODE` (counted only where the scale has it
    apart) and NaN a skipped statement. Otherwise `ORDINARY`.
    """
    if not coded:
        return ORDINARY
    kinds = {"dont_know": float(DONT_KNOW_CODE)}
    if bank.scale.not_applicable:
        kinds["not_applicable"] = float(NOT_APPLICABLE_CODE)
    return kinds


@dataclass(frozen=True)
class ItemAnalysis:
    """The statement table (`item_columns`) and the scale table (`SCALE_COLUMNS`)."""

    items: pd.DataFrame
    scales: pd.DataFrame


def item_columns(bank: Bank, kinds: Mapping[str, float] = ORDINARY) -> list[str]:
    """The columns of the statement table, in order, for `bank` and the non-answer `kinds`."""
    answers = [f"answer_{point}" for point in range(1, bank.scale.points + 1)]
    rates = [f"{kind}_rate" for kind in kinds]
    if not any(math.isnan(code) for code in kinds.values()):
        rates.append("skipped_rate")
    return [
        "item", "dimension", "lens", "reverse", "n", "mean", "sd", *answers, *rates,
        "item_rest", "alpha_if_dropped", "flag_keying", "flag_dont_know",
    ]  # fmt: skip


def _kind_masks(values: np.ndarray, kinds: Mapping[str, float]) -> dict[str, np.ndarray]:
    """Where each non-answer kind was given; NaN cells are skipped unless a kind claims them."""
    masks = {
        kind: np.isnan(values) if math.isnan(code) else values == code
        for kind, code in kinds.items()
    }
    if not any(math.isnan(code) for code in kinds.values()):
        masks["skipped"] = np.isnan(values)
    return masks


def _scale_statistics(block: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """Item-rest correlations, alpha if each item is dropped, and alpha, of complete rows.

    `block` is (respondents, k) keyed item scores, no NaN. From the covariance
    matrix ``C``: the rest of item j has variance ``sum(C) - 2 sum(C_j) +
    C_jj`` and covariance ``sum(C_j) - C_jj`` with item j.
    """
    k = block.shape[1]
    cov = np.cov(block, rowvar=False, ddof=1)
    total = cov.sum()
    row_sums = cov.sum(axis=1)
    diag = np.diag(cov)
    rest_var = total - 2 * row_sums + diag
    with np.errstate(invalid="ignore", divide="ignore"):
        item_rest = (row_sums - diag) / np.sqrt(diag * rest_var)
        alpha = k / (k - 1) * (1 - diag.sum() / total) if total > 0 else math.nan
        if k > 2:
            dropped = (k - 1) / (k - 2) * (1 - (diag.sum() - diag) / rest_var)
            dropped = np.where(rest_var > 0, dropped, np.nan)
        else:
            dropped = np.full(k, np.nan)
    return item_rest, dropped, float(alpha)


def item_analysis(
    responses: pd.DataFrame,
    bank: Bank,
    kinds: Mapping[str, float] = ORDINARY,
    min_n: int = ALPHA_MIN_N,
) -> ItemAnalysis:
    """The statement and scale tables of a whole set of responses (no grouping).

    Parameters
    ----------
    responses : one row per response, one column per item id of `bank`.
    bank : gives the scales, the keying and the answer scale.
    kinds : the non-answers to count apart, as ``name -> code in the frame``.
        An ordinary frame (`ORDINARY`) has NaN for don't know; a coded frame
        (`store.responses_frame(..., kinds=True)`) passes e.g.
        ``{"dont_know": 0, "not_applicable": -1}``, and its NaN cells are
        counted as ``skipped``. Each kind gets a ``<name>_rate`` column.
    min_n : complete respondents a scale needs for its correlations and alphas.

    Returns
    -------
    `ItemAnalysis`. Rates are shares of all responses; ``mean`` and ``sd``
    are of the answers as given (1..points, before reverse keying);
    ``item_rest`` and ``alpha_if_dropped`` are keyed, from the scale's
    complete respondents. ``flag_keying``: item-rest below 0;
    ``flag_dont_know``: don't-know rate above `DONT_KNOW_FLAG_RATE`.
    """
    points = bank.scale.points
    values = responses[bank.item_ids].to_numpy(dtype=float, na_value=np.nan)
    total = len(values)
    answered = (values >= 1) & (values <= points)
    given = np.where(answered, values, np.nan)
    table = pd.DataFrame(
        {
            "item": bank.item_ids,
            "dimension": [item.dimension for item in bank.items],
            "lens": [item.lens for item in bank.items],
            "reverse": [item.reverse for item in bank.items],
            "n": answered.sum(axis=0),
        }
    )
    n = answered.sum(axis=0)
    filled = np.where(answered, values, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):  # no answer: NaN, without a warning
        mean = filled.sum(axis=0) / n
        squares = np.where(answered, (values - mean) ** 2, 0.0).sum(axis=0)
        table["mean"] = np.where(n > 0, mean, np.nan)
        table["sd"] = np.where(n > 1, np.sqrt(squares / (n - 1)), np.nan)
    codes = np.where(answered, values, 0).astype(np.int64)  # 0: not an answer
    for point in range(1, points + 1):
        table[f"answer_{point}"] = (codes == point).sum(axis=0)
    for kind, mask in _kind_masks(values, kinds).items():
        table[f"{kind}_rate"] = mask.sum(axis=0) / total if total else np.nan
    scores = item_scores(pd.DataFrame(given, columns=bank.item_ids), bank).astype(np.float64)
    item_rest = np.full(len(bank.items), np.nan)
    dropped = np.full(len(bank.items), np.nan)
    scale_rows = []
    position = {item_id: j for j, item_id in enumerate(bank.item_ids)}
    for dimension, lens in bank.scales:
        columns = [position[item.id] for item in bank.items_in(dimension, lens)]
        block = scores[:, columns]
        block = block[~np.isnan(block).any(axis=1)]
        alpha = math.nan
        if len(block) >= max(min_n, 3) and len(columns) >= 2:
            item_rest[columns], dropped[columns], alpha = _scale_statistics(block)
        scale_rows.append((dimension, lens, len(columns), len(block), alpha))
    table["item_rest"] = item_rest
    table["alpha_if_dropped"] = dropped
    table["flag_keying"] = table["item_rest"] < 0
    table["flag_dont_know"] = table.get("dont_know_rate", 0.0) > DONT_KNOW_FLAG_RATE
    scales = pd.DataFrame(scale_rows, columns=SCALE_COLUMNS[:5])
    low, high = alpha_interval(scales["alpha"], scales["n"], scales["items"])
    scales["alpha_low"], scales["alpha_high"] = low, high
    return ItemAnalysis(items=table[item_columns(bank, kinds)], scales=scales[SCALE_COLUMNS])

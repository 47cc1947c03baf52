"""Scoring: item scores, respondent scale scores, group scores, suppression.

All of it is vectorised over the whole response table (numpy matrix products
and pandas group-bys): the cost grows with the table, not with Python loops.
The rules are docs/instrument.md section 5; they are repeated in each docstring so a
reader can check the code against them.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from assessment.bank import Bank
from assessment.scoring.certainty import t_interval
from assessment.scoring.privacy import complementary, reasons
from assessment.vocabulary import LENSES

__all__ = [
    "INTERNAL_COLUMNS",
    "SCORE_COLUMNS",
    "dimension_table",
    "group_columns",
    "group_scores",
    "hide_suppressed",
    "item_scores",
    "respondent_scores",
]

SCORE_COLUMNS = ["dimension", "lens", "score", "ci_low", "ci_high", "n", "suppressed", "reason"]
"""The published columns of a tidy scores table, after its group columns."""
INTERNAL_COLUMNS = ["sd"]
"""Columns a tidy table carries for computing (changes between rounds), never written to a file."""
_HIDDEN_WITH_SCORE = ["score", "ci_low", "ci_high", "sd"]


def group_columns(tidy: pd.DataFrame) -> list[str]:
    """The group columns of a tidy scores table: every column that is not a score column."""
    return [col for col in tidy.columns if col not in (*SCORE_COLUMNS, *INTERNAL_COLUMNS)]


def hide_suppressed(tidy: pd.DataFrame) -> pd.DataFrame:
    """Blank the score, its interval and its sd wherever a row is suppressed.

    The privacy decision sets ``suppressed``; this makes sure nothing computed
    from a hidden group's answers travels on with its row.
    """
    hidden = tidy["suppressed"].to_numpy(dtype=bool)
    present = [col for col in _HIDDEN_WITH_SCORE if col in tidy]
    return tidy.assign(**{col: tidy[col].where(~hidden) for col in present})


def item_scores(responses: pd.DataFrame, bank: Bank) -> np.ndarray:
    """Item scores on 0-100, one row per response and one column per bank item.

    Parameters
    ----------
    responses : DataFrame
        Holds one column per item id with answers in ``1..points``; NaN is
        "don't know" or skipped.
    bank : Bank
        Gives the scale's number of points and which items are reverse-keyed.

    Returns
    -------
    ndarray of float32, shape (responses, items), NaN where missing.

    Notes
    -----
    ``score = (a - 1) / (points - 1) * 100``; reverse-keyed: ``100 - score``.
    float32 keeps a million-row table at 4 bytes a cell; on a 5-point scale
    every item score (0, 25, 50, 75, 100) is exact in it.

    Examples
    --------
    On a 5-point scale an answer of 4 scores 75, or 25 when reverse-keyed.
    """
    points = bank.scale.points
    # pandas keeps same-dtype columns as one (items, responses) block, so the transpose of
    # to_numpy() is usually a free view; the arithmetic then runs on contiguous item rows.
    answers = responses[bank.item_ids].to_numpy(dtype=np.float64).T
    scores = np.empty(answers.shape, dtype=np.float32)
    np.subtract(answers, 1.0, out=scores, casting="same_kind")
    scores *= np.float32(100.0 / (points - 1))
    reverse = np.array([item.reverse for item in bank.items])
    if reverse.any():
        scores[reverse] = 100.0 - scores[reverse]
    return scores.T


def _scale_matrix(bank: Bank) -> np.ndarray:
    """Items x scales indicator, so one matrix product sums every scale at once."""
    index = {scale: j for j, scale in enumerate(bank.scales)}
    matrix = np.zeros((len(bank.items), len(bank.scales)), dtype=np.float32)
    for i, item in enumerate(bank.items):
        matrix[i, index[(item.dimension, item.lens)]] = 1.0
    return matrix


def respondent_scores(responses: pd.DataFrame, bank: Bank) -> pd.DataFrame:
    """Each respondent's score on every (dimension, lens) scale.

    Parameters
    ----------
    responses : DataFrame
        One row per response, one column per item id (``1..points`` or NaN).
    bank : Bank

    Returns
    -------
    DataFrame with the index of `responses` and MultiIndex columns
    ``(dimension, lens)`` in bank order; float64, NaN where missing.

    Notes
    -----
    scale score = mean of the scale's answered item scores; missing when fewer
    than ``ceil(k / 2)`` of its ``k`` items are answered.

    Examples
    --------
    A 3-item scale answered 5, "don't know", 2 (second item reverse-keyed is
    irrelevant here) scores ``(100 + 25) / 2 = 62.5``; answered only once it is
    missing, because ``ceil(3 / 2) = 2`` answers are needed.
    """
    scores = item_scores(responses, bank).T  # (items, responses), C-contiguous
    answered = ~np.isnan(scores)
    np.copyto(scores, 0.0, where=~answered)
    matrix = _scale_matrix(bank).T
    sums = matrix @ scores
    counts = matrix @ answered.astype(np.float32)
    needed = np.array([bank.min_answered(d, lens) for d, lens in bank.scales], dtype=np.float32)
    with np.errstate(invalid="ignore", divide="ignore"):
        means = np.where(counts >= needed[:, None], sums.astype(np.float64) / counts, np.nan)
    columns = pd.MultiIndex.from_tuples(bank.scales, names=["dimension", "lens"])
    return pd.DataFrame(means.T, index=responses.index, columns=columns)


def group_scores(
    responses: pd.DataFrame,
    bank: Bank,
    by: Sequence[str] = (),
    min_group_size: int | None = None,
) -> pd.DataFrame:
    """Group scores, tidy: ``<by>, dimension, lens, score, ci_low, ci_high, n, ..., sd``.

    Parameters
    ----------
    responses : DataFrame
        One row per response: the `by` columns plus one column per item id.
    bank : Bank
    by : column names to group on; none means one group, the whole table.
    min_group_size : anonymity threshold; the bank's when None.

    Returns
    -------
    DataFrame, one row per group x scale, groups sorted, scales in bank order.
    ``score`` is unrounded (round with `round_half_up` for display) and NaN
    where suppressed; ``ci_low``/``ci_high`` are its 95% t interval
    (`certainty.t_interval`), NaN where suppressed or ``n < 2``; ``sd`` is the
    sample sd of the respondent scale scores, kept for comparing rounds and
    never exported (`INTERNAL_COLUMNS`).

    Notes
    -----
    group score = mean of the group's non-missing respondent scale scores;
    ``n`` = how many respondents contributed. A score with ``n <
    min_group_size`` is suppressed, and so is every further group needed so
    that subtracting visible groups from a total cannot recover a hidden one
    (see `complementary`). Teams are averaged over respondents, never as an
    average of team averages.

    Examples
    --------
    Team A's three respondents score 50, 75 and missing on purpose/product:
    score 62.5, n 2 -- suppressed at the default minimum of 5.
    """
    by = list(by)
    minimum = bank.min_group_size if min_group_size is None else min_group_size
    scores = respondent_scores(responses, bank)
    scores.columns = range(len(bank.scales))
    if by:
        keys = [responses[col].astype(str).rename(col) for col in by]
        grouped = scores.groupby(keys, sort=True, observed=True)
        means, counts, spreads = grouped.mean(), grouped.count(), grouped.std(ddof=1)
        labels = means.index.to_frame(index=False)
        codes = np.column_stack([pd.factorize(labels[col])[0] for col in by])
    else:
        means, counts = scores.mean().to_frame().T, scores.count().to_frame().T
        spreads = scores.std(ddof=1).to_frame().T
        labels = pd.DataFrame(index=range(1))
        codes = np.zeros((1, 0), dtype=int)
    n = counts.to_numpy(dtype=np.int64)
    hidden = complementary(n, codes, minimum)
    score = np.where(hidden, np.nan, means.to_numpy(dtype=np.float64))
    sd = np.where(hidden, np.nan, spreads.to_numpy(dtype=np.float64))
    low, high = t_interval(score, sd, n)
    groups, scales = n.shape
    dims, lenses = zip(*bank.scales, strict=True)
    tidy = labels.loc[labels.index.repeat(scales)].reset_index(drop=True)
    tidy["dimension"] = np.tile(np.array(dims, dtype=object), groups)
    tidy["lens"] = np.tile(np.array(lenses, dtype=object), groups)
    tidy["score"] = score.ravel()
    tidy["ci_low"] = low.ravel()
    tidy["ci_high"] = high.ravel()
    tidy["n"] = n.ravel()
    tidy["suppressed"] = hidden.ravel()
    tidy["reason"] = reasons(hidden, n, minimum).ravel()
    tidy["sd"] = sd.ravel()
    return tidy[[*by, *SCORE_COLUMNS, *INTERNAL_COLUMNS]]


def dimension_table(tidy: pd.DataFrame, by: Sequence[str] = ()) -> pd.DataFrame:
    """One row per group x dimension with the three lens scores side by side.

    Returns columns ``<by>, dimension, product, project, clarity, n_product,
    n_project, n_clarity``, then ``ci_low_<lens>, ci_high_<lens>`` for each
    lens (NaN where `tidy` has no interval), and, when `tidy` has a ``reason``
    column, ``reason_<lens>`` (why that lens is hidden, '' where shown), then
    ``blur_index, balance``; a suppressed lens is NaN, and so is any figure
    derived from it.

    Notes
    -----
    blur index = ``100 - clarity``; balance = ``product - project``.
    """
    by = list(by)
    keys = [*by, "dimension"]
    # numpy, not pivot_table: a page builds this for every level and overlay, on tables of
    # tens of rows where pivoting costs a hundred times the work.
    # Every combination of the key values seen, in order of first appearance (as pandas'
    # pivot_table with dropna=False gives): a team x role pair without responses is a row too.
    factors = [pd.factorize(tidy[key]) for key in keys]
    shape = tuple(len(uniques) for _, uniques in factors)
    codes = (
        np.ravel_multi_index(tuple(c for c, _ in factors), shape)
        if len(tidy)
        else np.zeros(0, dtype=np.int64)
    )
    groups = pd.MultiIndex.from_product([uniques for _, uniques in factors], names=keys)
    lens = pd.Index(list(LENSES)).get_indexer(tidy["lens"])
    rows = np.flatnonzero(lens >= 0)[::-1]  # reversed: the first row of a duplicate wins
    where = (codes[rows], lens[rows])

    def spread(column: str, fill: object, dtype: type) -> np.ndarray:
        out: np.ndarray = np.full((len(groups), len(LENSES)), fill, dtype=dtype)
        if column in tidy:
            out[where] = tidy[column].to_numpy()[rows]
        return out

    scores = spread("score", np.nan, float)
    counts = np.nan_to_num(spread("n", np.nan, float)).astype(int)
    columns: dict[str, object] = {key: groups.get_level_values(i) for i, key in enumerate(keys)}
    columns.update({name: scores[:, i] for i, name in enumerate(LENSES)})
    columns.update({f"n_{name}": counts[:, i] for i, name in enumerate(LENSES)})
    bounds = {bound: spread(bound, np.nan, float) for bound in ("ci_low", "ci_high")}
    for i, name in enumerate(LENSES):
        for bound, values in bounds.items():
            columns[f"{bound}_{name}"] = values[:, i]
    if "reason" in tidy:
        why = spread("reason", "", object)
        for i, name in enumerate(LENSES):
            columns[f"reason_{name}"] = pd.Series(why[:, i], dtype="str").fillna("")
    out = pd.DataFrame(columns)  # one frame built at once: column by column costs a copy each
    out["blur_index"] = 100.0 - out["clarity"]
    out["balance"] = out["product"] - out["project"]
    return out

"""Reliability: does a scale hang together? Cronbach's alpha per scale and group, and how sure.

A leader reading "clarity 42" needs to know whether the items behind that
number measure one thing; alpha below the bank's `alpha_min` says they may not.
Alpha from a dozen people is itself uncertain (at n = 8 its 95% interval can
run from below 0 to 0.9), so every alpha carries Feldt's 95% interval and a
scale is flagged unless that interval clears the floor with enough people.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import special  # F quantiles; scipy.stats would triple the import time

from assessment.bank import Bank
from assessment.scoring.certainty import CONFIDENCE
from assessment.scoring.scores import item_scores

__all__ = [
    "ALPHA_MIN_N",
    "ALPHA_RELIABLE_N",
    "FLAG_LOW_ALPHA",
    "FLAG_SMALL_N",
    "alpha_interval",
    "cronbach_alpha",
    "reliability",
]

ALPHA_MIN_N = 10
"""Complete respondents needed before alpha is computed at all."""
ALPHA_RELIABLE_N = 20
"""Complete respondents below which an alpha is flagged, whatever its value: too few to trust."""
FLAG_SMALL_N = "small_n"
"""`flag` id: alpha from fewer than `ALPHA_RELIABLE_N` complete respondents."""
FLAG_LOW_ALPHA = "low_alpha"
"""`flag` id: the lower end of alpha's 95% interval is under the bank's `alpha_min`."""


def cronbach_alpha(items: pd.DataFrame) -> float:
    """Cronbach's alpha of item columns, over the rows that answered every item.

    Notes
    -----
    ``alpha = k / (k - 1) * (1 - sum(var_i) / var(total))`` with sample
    variances (ddof = 1). NaN when fewer than two items or two complete rows,
    or when the total has no variance.

    Examples
    --------
    >>> cronbach_alpha(pd.DataFrame({"a": [1, 2, 3, 4], "b": [1, 2, 3, 4]}))
    1.0
    """
    complete = items.dropna()
    k = complete.shape[1]
    if k < 2 or len(complete) < 2:
        return float("nan")
    total_var = complete.sum(axis=1).var(ddof=1)
    if not total_var > 0:
        return float("nan")
    return float(k / (k - 1) * (1 - complete.var(ddof=1).sum() / total_var))


def alpha_interval(
    alpha: object, n: object, k: object, confidence: float = CONFIDENCE
) -> tuple[np.ndarray, np.ndarray]:
    """Feldt's interval for Cronbach's alpha from `n` complete respondents on `k` items.

    ``(1 - alpha) / (1 - alpha_true)`` follows an F distribution with ``n - 1``
    and ``(n - 1)(k - 1)`` degrees of freedom (Feldt, Woodruff & Salih 1987),
    so the bounds are ``1 - (1 - alpha) * F`` at the upper and lower tail
    quantiles. It is wide at small n, which is the point, and not clipped: a
    lower end below 0 says the items may not agree at all. Vectorised over
    arrays; NaN where alpha is NaN, ``n < 2`` or ``k < 2``.

    Examples
    --------
    alpha 0.5 from 8 people on 3 items: F(0.975; 7, 14) = 3.38 and F(0.025; 7,
    14) = 1 / F(0.975; 14, 7) = 1 / 4.60 = 0.218 (printed F tables), so
    ``1 - 0.5 * 3.38 = -0.69`` to ``1 - 0.5 * 0.218 = 0.89``.

    >>> low, high = alpha_interval(0.5, 8, 3)
    >>> round(float(low), 2), round(float(high), 2)
    (-0.69, 0.89)
    """
    alpha_arr, n_arr, k_arr = np.broadcast_arrays(
        np.asarray(alpha, dtype=float), np.asarray(n, dtype=float), np.asarray(k, dtype=float)
    )
    valid = (n_arr >= 2) & (k_arr >= 2) & ~np.isnan(alpha_arr)
    df1 = np.where(valid, n_arr - 1, 1.0)
    df2 = np.where(valid, (n_arr - 1) * (k_arr - 1), 1.0)
    tail = (1 - confidence) / 2
    low = 1 - (1 - alpha_arr) * special.fdtri(df1, df2, 1 - tail)
    high = 1 - (1 - alpha_arr) * special.fdtri(df1, df2, tail)
    return np.where(valid, low, np.nan), np.where(valid, high, np.nan)


def reliability(
    responses: pd.DataFrame, bank: Bank, by: Sequence[str] = (), min_n: int = ALPHA_MIN_N
) -> pd.DataFrame:
    """Alpha per group x scale, from respondents who answered all of the scale's items.

    Returns columns ``<by>, dimension, lens, alpha, alpha_low, alpha_high, n,
    items, flagged, flag``; alpha is NaN where fewer than `min_n` complete
    respondents exist (too few for any estimate); ``alpha_low``/``alpha_high``
    are its 95% Feldt interval (`alpha_interval`). Where alpha is computed,
    `flagged` marks it unreliable and ``flag`` says why: `FLAG_SMALL_N` below
    `ALPHA_RELIABLE_N` complete respondents, else `FLAG_LOW_ALPHA` when the
    interval's lower end is under ``bank.findings.alpha_min``; '' otherwise.
    Computed with numpy group sums (two passes per scale, none per respondent): a page
    builds this for four levels of every round it shows, on tables of tens of rows
    where pandas' group-by costs far more in set-up than in work.
    """
    by = list(by)
    scores = item_scores(responses, bank).astype(np.float64)
    codes, labels = _group_codes(responses, by)
    groups = len(labels[by[0]]) if by else 1
    position = {item_id: j for j, item_id in enumerate(bank.item_ids)}
    parts: dict[str, list[np.ndarray]] = {
        name: [] for name in ("group", "scale", "alpha", "n", "k")
    }
    for s, (dimension, lens) in enumerate(bank.scales):
        columns = [position[item.id] for item in bank.items_in(dimension, lens)]
        values = scores[:, columns]
        complete = ~np.isnan(values).any(axis=1)
        group = codes[complete]
        n = np.bincount(group, minlength=groups)
        present = np.flatnonzero(n > 0) if by else np.zeros(1, dtype=np.int64)
        item_var = np.nansum(_group_var(values[complete], group, n), axis=1)
        total_var = _group_var(values[complete].sum(axis=1, keepdims=True), group, n)[:, 0]
        k = len(columns)
        with np.errstate(invalid="ignore", divide="ignore"):
            alpha = k / (k - 1) * (1 - item_var / np.where(total_var > 0, total_var, np.nan))
        parts["group"].append(present)
        parts["scale"].append(np.full(len(present), s))
        parts["alpha"].append(np.where(n >= min_n, alpha, np.nan)[present])
        parts["n"].append(n[present])
        parts["k"].append(np.full(len(present), k))
    group, scale = np.concatenate(parts["group"]), np.concatenate(parts["scale"])
    dims, lenses = (np.array(names, dtype=object) for names in zip(*bank.scales, strict=True))
    out = pd.DataFrame(
        {
            **{col: pd.Series(labels[col][group], dtype="str") for col in by},
            "dimension": pd.Series(dims[scale], dtype="str"),
            "lens": pd.Series(lenses[scale], dtype="str"),
            "alpha": np.concatenate(parts["alpha"]),
            "n": np.concatenate(parts["n"]).astype(np.int64),
            "items": np.concatenate(parts["k"]).astype(np.int64),
        }
    )
    out["alpha_low"], out["alpha_high"] = alpha_interval(out["alpha"], out["n"], out["items"])
    computed = out["alpha"].notna().to_numpy()
    small = computed & (out["n"].to_numpy() < ALPHA_RELIABLE_N)
    low = computed & ~small & (out["alpha_low"].to_numpy() < bank.findings.alpha_min)
    out["flagged"] = small | low
    out["flag"] = np.where(small, FLAG_SMALL_N, np.where(low, FLAG_LOW_ALPHA, ""))
    measures = ["alpha", "alpha_low", "alpha_high", "n", "items", "flagged", "flag"]
    return out[[*by, "dimension", "lens", *measures]]


def _group_codes(
    responses: pd.DataFrame, by: Sequence[str]
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Each row's group number, groups numbered in sorted key order, and each group's labels."""
    if not by:
        return np.zeros(len(responses), dtype=np.int64), {}
    keys = [responses[col].astype(str).to_numpy(dtype=object) for col in by]
    if len(by) == 1:
        codes, uniques = pd.factorize(keys[0], sort=True)
        return codes.astype(np.int64), {by[0]: np.asarray(uniques, dtype=object)}
    index = pd.MultiIndex.from_arrays(keys, names=list(by))
    codes, uniques = index.factorize(sort=True)
    return codes.astype(np.int64), {
        col: np.asarray(uniques.get_level_values(i), dtype=object) for i, col in enumerate(by)
    }


def _group_var(values: np.ndarray, group: np.ndarray, n: np.ndarray) -> np.ndarray:
    """Sample variance (ddof 1) of each column within each group; NaN where n < 2.

    Two passes (the group means, then the squared deviations from them), as accurate
    as pandas' own; `values` is rows x columns, the result groups x columns.
    """
    groups = len(n)
    with np.errstate(invalid="ignore", divide="ignore"):
        means = (
            np.stack(
                [np.bincount(group, values[:, j], groups) for j in range(values.shape[1])], axis=1
            )
            / n[:, None]
        )
        deviations = (values - means[group]) ** 2
        sums = np.stack(
            [np.bincount(group, deviations[:, j], groups) for j in range(values.shape[1])], axis=1
        )
        return np.where(n[:, None] >= 2, sums / (n[:, None] - 1), np.nan)

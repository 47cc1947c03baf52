"""Reliability: does a scale hang together? Cronbach's alpha per scale and group.

A leader reading "clarity 42" needs to know whether the items behind that
number measure one thing; alpha below the bank's `alpha_min` says they may not.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from assessment.bank import Bank
from assessment.scoring.scores import item_scores

__all__ = ["ALPHA_MIN_N", "cronbach_alpha", "reliability"]

ALPHA_MIN_N = 10


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


def reliability(
    responses: pd.DataFrame, bank: Bank, by: Sequence[str] = (), min_n: int = ALPHA_MIN_N
) -> pd.DataFrame:
    """Alpha per group x scale, from respondents who answered all of the scale's items.

    Returns columns ``<by>, dimension, lens, alpha, n, items, flagged``; alpha
    is NaN where fewer than `min_n` complete respondents exist (too few for a
    stable estimate), and `flagged` marks alpha below ``bank.findings.alpha_min``.
    Computed with group-by variances: one pass per scale, none per respondent.
    """
    by = list(by)
    scores = item_scores(responses, bank)
    keys = [responses[col].astype(str).to_numpy() for col in by]
    position = {item_id: j for j, item_id in enumerate(bank.item_ids)}
    frames = []
    for dimension, lens in bank.scales:
        columns = [position[item.id] for item in bank.items_in(dimension, lens)]
        values = scores[:, columns]
        complete = ~np.isnan(values).any(axis=1)
        block = pd.DataFrame(values[complete])
        k = len(columns)
        if by:
            group_keys = [key[complete] for key in keys]
            grouped = block.groupby(group_keys, observed=True)
            item_var = grouped.var(ddof=1).sum(axis=1)
            total_var = block.sum(axis=1).groupby(group_keys, observed=True).var(ddof=1)
            n = grouped.size()
        else:
            item_var = pd.Series([block.var(ddof=1).sum()])
            total_var = pd.Series([block.sum(axis=1).var(ddof=1)])
            n = pd.Series([len(block)])
        with np.errstate(invalid="ignore", divide="ignore"):
            alpha = k / (k - 1) * (1 - item_var / total_var.where(total_var > 0))
        frame = pd.DataFrame({"alpha": alpha.where(n >= min_n), "n": n, "items": k})
        frame["dimension"], frame["lens"] = dimension, lens
        frames.append(frame.reset_index(names=by) if by else frame)
    out = pd.concat(frames, ignore_index=True)
    out["flagged"] = out["alpha"] < bank.findings.alpha_min
    return out[[*by, "dimension", "lens", "alpha", "n", "items", "flagged"]]

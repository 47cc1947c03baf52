"""How sure a score is: its 95% interval, and whether a change between rounds is real.

One home for the statistics behind "a result a leader can trust"
(docs/instrument.md, "How sure can we be"):

- `t_interval`: the 95% t interval of a group score from the group's
  respondent scale scores, ``mean ± t(0.975, n - 1) · sd / sqrt(n)``,
  clipped to 0-100. A t interval, not a bootstrap: at the group sizes a
  survey of teams has (5 to 30) it covers the truth as promised, where
  percentile and BCa bootstraps do not.
- `welch`: the difference of two independent group means with its Welch
  interval and two-sided p-value (rounds are anonymous, so nothing pairs).
- `holm`: Holm's correction across the cells shown together (families of them).
- `change_table`: two rounds' tidy scores side by side with the change
  verdict (`vocabulary.CHANGES`).
- `comparable_items`, `common_bank`, `round_change`: which items two banks
  share, and both rounds re-scored on exactly those, through the normal
  scoring and privacy path, before anything is compared.

Everything takes and returns numpy arrays or whole tables: no loop per group.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import special  # the t quantiles; scipy.stats would triple the import time

from assessment.bank import Bank
from assessment.vocabulary import CHANGES

__all__ = [
    "CHANGE_COLUMNS",
    "CONFIDENCE",
    "MIN_COMMON_ITEMS",
    "SIGNIFICANCE",
    "change_table",
    "common_bank",
    "comparable_items",
    "holm",
    "round_change",
    "t_interval",
    "welch",
]

CONFIDENCE = 0.95
"""Every interval Role Radar shows is a 95% interval."""
SIGNIFICANCE = 1 - CONFIDENCE
"""A change is significant when its Holm-corrected p-value is below this."""
MIN_COMMON_ITEMS = 2
"""A scale compares across rounds only on at least this many items the two banks share."""
CHANGE_COLUMNS = [
    "dimension",
    "lens",
    "score",
    "previous_score",
    "difference",
    "diff_low",
    "diff_high",
    "p",
    "p_holm",
    "change",
]
"""The columns of `change_table` after the group columns."""

_RISING, _STABLE, _FALLING = CHANGES


def _array(values: object) -> np.ndarray:
    return np.asarray(values, dtype=np.float64)


def t_interval(
    mean: np.ndarray | pd.Series | float,
    sd: np.ndarray | pd.Series | float,
    n: np.ndarray | pd.Series | float,
) -> tuple[np.ndarray, np.ndarray]:
    """The 95% t interval of a mean on 0-100: ``(low, high)``, elementwise.

    Parameters
    ----------
    mean, sd, n : the group's mean, sample standard deviation (ddof = 1) and
        number of respondents, broadcast against each other.

    Returns
    -------
    Two float arrays; NaN where the mean is NaN or ``n < 2`` (one answer says
    nothing about spread). Clipped to 0-100, the range every score lives in.

    Examples
    --------
    Mean 50, sd 10, n 5: ``t(0.975, 4) = 2.776``, half-width ``2.776 * 10 /
    sqrt(5) = 12.4``, so 37.6-62.4.

    >>> low, high = t_interval(50.0, 10.0, 5)
    >>> round(float(low), 1), round(float(high), 1)
    (37.6, 62.4)
    """
    mean, sd, n = np.broadcast_arrays(_array(mean), _array(sd), _array(n))
    usable = (n >= 2) & np.isfinite(mean) & np.isfinite(sd)
    df = np.where(usable, n - 1, 1.0)
    half = special.stdtrit(df, 0.5 + CONFIDENCE / 2) * sd / np.sqrt(np.where(usable, n, 1.0))
    low = np.where(usable, np.clip(mean - half, 0.0, 100.0), np.nan)
    high = np.where(usable, np.clip(mean + half, 0.0, 100.0), np.nan)
    return low, high


def welch(
    mean: np.ndarray | pd.Series,
    sd: np.ndarray | pd.Series,
    n: np.ndarray | pd.Series,
    mean_before: np.ndarray | pd.Series,
    sd_before: np.ndarray | pd.Series,
    n_before: np.ndarray | pd.Series,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``mean - mean_before`` with its 95% Welch interval and two-sided p: ``(d, low, high, p)``.

    Notes
    -----
    ``se = sqrt(sd² / n + sd_before² / n_before)``; degrees of freedom by
    Welch-Satterthwaite, ``se⁴ / ((sd²/n)² / (n - 1) + (sd_before²/n_before)²
    / (n_before - 1))``; ``t = d / se``. Where both groups answered alike
    (``se = 0``) the difference is exact: interval ``[d, d]``, ``p = 1`` when
    ``d = 0`` and 0 otherwise. NaN where a side has ``n < 2``.

    Examples
    --------
    60 (sd 10, n 10) against 50 (sd 10, n 10): se ``sqrt(20) = 4.47``, df 18,
    ``t(0.975, 18) = 2.101``: difference 10, interval 0.6-19.4, p 0.038.
    """
    mean, sd, n = _array(mean), _array(sd), _array(n)
    mean_before, sd_before, n_before = _array(mean_before), _array(sd_before), _array(n_before)
    difference = mean - mean_before
    usable = (n >= 2) & (n_before >= 2) & np.isfinite(difference)
    usable &= np.isfinite(sd) & np.isfinite(sd_before)
    with np.errstate(invalid="ignore", divide="ignore"):
        var_now = sd**2 / n
        var_before = sd_before**2 / n_before
        se = np.sqrt(var_now + var_before)
        df = (var_now + var_before) ** 2 / (var_now**2 / (n - 1) + var_before**2 / (n_before - 1))
        spread = usable & (se > 0)
        df = np.where(spread, df, 1.0)
        half = np.where(spread, special.stdtrit(df, 0.5 + CONFIDENCE / 2) * se, 0.0)
        t = np.where(spread, difference / np.where(spread, se, 1.0), 0.0)
        p = np.where(spread, 2 * special.stdtr(df, -np.abs(t)), np.where(difference == 0, 1.0, 0.0))
    nan = np.full(difference.shape, np.nan)
    return (
        np.where(usable, difference, nan),
        np.where(usable, difference - half, nan),
        np.where(usable, difference + half, nan),
        np.where(usable, p, nan),
    )


def holm(
    p: np.ndarray | pd.Series | Sequence[float], family: np.ndarray | None = None
) -> np.ndarray:
    """Holm-corrected p-values within each family (the cells shown together); NaN stays NaN.

    Holm controls the chance of calling *any* cell of a family changed when
    none is at `SIGNIFICANCE`, and is never less powerful than Bonferroni.
    `family` gives each p-value's family (one code per value); None is one
    family of all of them.

    Notes
    -----
    Within a family of ``m``, sorted ascending: ``p_(k) * (m - k + 1)`` for
    ``k = 1..m``, made non-decreasing (running maximum) and capped at 1 --
    the same numbers as statsmodels' ``multipletests(method="holm")``, which
    the tests check. It is computed here, vectorised over every family at
    once, because that function runs a full garbage collection on every call.

    Examples
    --------
    p = 0.01, 0.04, 0.03: sorted, times 3, 2, 1 and kept non-decreasing gives
    0.03, 0.06, 0.06.

    >>> holm([0.01, 0.04, 0.03]).round(2).tolist()
    [0.03, 0.06, 0.06]
    """
    p = _array(p)
    out = np.full(p.shape, np.nan)
    present = np.flatnonzero(np.isfinite(p))
    if not len(present):
        return out
    codes = np.zeros(len(p), dtype=np.int64) if family is None else pd.factorize(family)[0]
    values, groups = p[present], codes[present]
    order = np.lexsort((values, groups))
    values, groups = values[order], groups[order]
    starts = np.flatnonzero(np.diff(groups, prepend=groups[0] - 1))
    sizes = np.diff(np.append(starts, len(values)))
    first = np.repeat(starts, sizes)
    remaining = np.repeat(sizes, sizes) - (np.arange(len(values)) - first)
    scaled = np.minimum(values * remaining, 1.0)
    offset = 2.0 * np.repeat(np.arange(len(starts)), sizes)  # keeps each running max in its family
    out[present[order]] = np.maximum.accumulate(scaled + offset) - offset
    return out


def change_table(
    current: pd.DataFrame,
    previous: pd.DataFrame,
    by: Sequence[str] = (),
    minimum_change: float = 5.0,
    families: Sequence[str] = (),
) -> pd.DataFrame:
    """Two rounds' tidy scores compared, one row per group x scale shown in both.

    Parameters
    ----------
    current, previous : tidy scores (``<by>, dimension, lens, score, sd, n``,
        e.g. `levels.published_scores`) of the two rounds, on the same items
        (see `round_change`). A row whose score is NaN (hidden, or nobody
        answered) takes no part: a hidden group has no change.
    by : the group columns, the same in both.
    minimum_change : the practical minimum, in points (the bank's
        ``findings.practical_minimum``).
    families : group columns that split the table into separately shown
        families (each its own Holm correction); none: one family, all rows.

    Returns
    -------
    DataFrame ``<by>, dimension, lens, score, previous_score, difference,
    diff_low, diff_high, p, p_holm, change`` in the order of `current`.
    ``change`` is "rising" or "falling" only when ``p_holm <`` `SIGNIFICANCE`
    *and* ``|difference| >=`` `minimum_change`; otherwise "stable". Holm runs
    across every row returned (or every family): pass exactly the cells that
    are shown together.
    """
    by = list(by)
    keys = [*by, "dimension", "lens"]
    now = current[current["score"].notna()][[*keys, "score", "sd", "n"]]
    before = previous[previous["score"].notna()][[*keys, "score", "sd", "n"]]
    before = before.rename(columns={"score": "previous_score", "sd": "sd_before", "n": "n_before"})
    if by:  # group labels are text in every table; a file may have read them as numbers
        now, before = now.astype(dict.fromkeys(by, str)), before.astype(dict.fromkeys(by, str))
    joined = now.merge(before, on=keys, how="inner", sort=False)
    difference, low, high, p = welch(
        joined["score"], joined["sd"], joined["n"],
        joined["previous_score"], joined["sd_before"], joined["n_before"],
    )  # fmt: skip
    family = pd.MultiIndex.from_frame(joined[list(families)]).factorize()[0] if families else None
    p_holm = holm(p, family)
    significant = p_holm < SIGNIFICANCE
    change = np.where(
        significant & (difference >= minimum_change),
        _RISING,
        np.where(significant & (difference <= -minimum_change), _FALLING, _STABLE),
    )
    out = joined[[*keys, "score", "previous_score"]].assign(
        difference=difference, diff_low=low, diff_high=high, p=p, p_holm=p_holm, change=change
    )
    return out[[*by, *CHANGE_COLUMNS]].reset_index(drop=True)


def comparable_items(bank_now: Bank, bank_before: Bank) -> list[str]:
    """The item ids on which a round of `bank_now` compares with one of `bank_before`.

    An item compares when both banks hold its id with the same dimension,
    lens and reverse keying on a scale of as many points, and either its text
    is identical or the newer item declares ``unchanged_since`` no later than
    the older bank's version of the same bank (an edit of wording that keeps
    the meaning). Returned in `bank_now` order.
    """
    if bank_now.scale.points != bank_before.scale.points:
        return []
    before = {item.id: item for item in bank_before.items}
    same_bank = bank_now.id == bank_before.id
    common = []
    for item in bank_now.items:
        old = before.get(item.id)
        if old is None or (item.dimension, item.lens, item.reverse) != (
            old.dimension, old.lens, old.reverse,
        ):  # fmt: skip
            continue
        declared = (
            same_bank
            and item.unchanged_since is not None
            and item.unchanged_since <= bank_before.version
        )
        if item.text == old.text or declared:
            common.append(item.id)
    return common


def common_bank(bank: Bank, item_ids: Sequence[str]) -> Bank:
    """`bank` restricted to `item_ids`: what both rounds are re-scored with before comparing.

    Scales left with fewer than `MIN_COMMON_ITEMS` items keep no items at all,
    so they score as missing and are not compared. The restricted bank is
    never validated as a survey (it may break the three-items rule); it only
    scores.
    """
    wanted = set(item_ids)
    kept = [item for item in bank.items if item.id in wanted]
    per_scale = pd.Series([(i.dimension, i.lens) for i in kept], dtype=object).value_counts()
    kept = [i for i in kept if per_scale.get((i.dimension, i.lens), 0) >= MIN_COMMON_ITEMS]
    data = bank.model_dump()
    data["items"] = [item.model_dump() for item in kept]
    return Bank.model_validate(data)


def round_change(
    frame_now: pd.DataFrame,
    bank_now: Bank,
    frame_before: pd.DataFrame,
    bank_before: Bank,
    by: Sequence[str],
    min_group_size: int,
    min_group_size_before: int | None = None,
    minimum_change: float | None = None,
    teams_now: Sequence[str] = (),
    teams_before: Sequence[str] = (),
) -> pd.DataFrame:
    """The change table of two rounds from their published responses (`change_table` columns).

    Parameters
    ----------
    frame_now, frame_before : each round's published responses (wide).
    bank_now, bank_before : each round's bank snapshot.
    by : the grouping, e.g. ``["team"]``; ``[]`` for the organisation.
    min_group_size, min_group_size_before : each round's minimum (the
        second defaults to the first).
    minimum_change : the practical minimum; `bank_now`'s when None.
    teams_now, teams_before : each round's declared teams (for the privacy decision).

    Notes
    -----
    Both rounds are re-scored on `comparable_items` only, through
    `levels.published_scores`, so the privacy decision is made for exactly
    the numbers compared. A scale with fewer than `MIN_COMMON_ITEMS` common
    items yields no row; neither does a group hidden in either round.
    """
    from assessment.scoring.levels import published_scores  # levels imports scores, not this

    common = comparable_items(bank_now, bank_before)
    scored_now = common_bank(bank_now, common)
    scored_before = common_bank(bank_before, common)
    minimum_before = min_group_size if min_group_size_before is None else min_group_size_before
    current = published_scores(frame_now, scored_now, by, min_group_size, teams_now)
    previous = published_scores(frame_before, scored_before, by, minimum_before, teams_before)
    compared = {(i.dimension, i.lens) for i in scored_now.items}
    keep_now = pd.Series(list(zip(current["dimension"], current["lens"], strict=True))).isin(
        compared
    )
    current = current[keep_now.to_numpy()]
    if minimum_change is None:
        minimum_change = bank_now.findings.practical_minimum
    return change_table(current, previous, by, minimum_change)

"""Scores and counts at the four levels of the results page, suppressed consistently.

`scoring.group_scores` protects hidden groups *within* one table. The results
page shows four tables of one round at once (organisation, teams, roles,
team x role), so it must also stop one table from undoing another: a team
hidden in the team table must not come back as the sum of its visible team x
role cells. Hence the extra rule here: a team x role cell is hidden wherever
its team or its role is hidden, and complementary suppression then runs again
over the cells, starting from that wider set.

Counts get the same treatment, at the round's minimum (for showing a number
at all) and at `COMMENT_MIN_GROUP_SIZE` (for showing free-text comments).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from assessment.bank import Bank
from assessment.policy import COMMENT_MIN_GROUP_SIZE
from assessment.scoring.scores import complementary, group_scores

__all__ = [
    "DONT_KNOW",
    "LEVELS",
    "answer_counts",
    "level_counts",
    "level_scores",
    "suppress",
]

DONT_KNOW = 0
"""The `answer` value that counts "don't know" and skipped answers in answer tables."""

LEVELS: dict[str, tuple[str, ...]] = {
    "org": (),
    "team": ("team",),
    "role": ("role",),
    "team_role": ("team", "role"),
}


def suppress(
    n: np.ndarray, codes: np.ndarray, minimum: int, hidden: np.ndarray | None = None
) -> np.ndarray:
    """Complementary suppression (groups x scales), starting from `hidden` when given.

    The rule of `scoring.group_scores`: within every set of groups that adds
    up to a larger total (one `codes` column varying, the others fixed), the
    hidden groups hold at least `minimum` respondents or are all of them.
    """
    return complementary(n, codes, minimum, hidden)


def _inherit(cells: pd.DataFrame, parent: pd.DataFrame, col: str, keys: list[str]) -> np.ndarray:
    """For each cell: is its `col` group (team or role) hidden in the parent table?"""
    on = [col, *keys]
    merged = cells[on].merge(parent[[*on, "hidden"]], how="left", on=on)
    return merged["hidden"].fillna(True).to_numpy(dtype=bool)


def _nested(
    cells: pd.DataFrame, teams: pd.DataFrame, roles: pd.DataFrame, keys: list[str], minimum: int
) -> np.ndarray:
    """Hidden flags for team x role `cells`: own rule, plus their team's and role's."""
    start = (
        cells["hidden"].to_numpy(dtype=bool)
        | _inherit(cells, teams, "team", keys)
        | _inherit(cells, roles, "role", keys)
    )
    group, _ = pd.MultiIndex.from_frame(cells[["team", "role"]]).factorize()
    scale, _ = (
        pd.MultiIndex.from_frame(cells[keys]).factorize()
        if keys
        else (np.zeros(len(cells), dtype=np.int64), None)
    )
    shape = (int(group.max()) + 1 if len(cells) else 0, int(scale.max()) + 1 if len(cells) else 0)
    n = np.zeros(shape)
    hidden = np.ones(shape, dtype=bool)  # a group x scale without a row has no one to show
    n[group, scale] = cells["n"].to_numpy(dtype=float)
    hidden[group, scale] = start
    codes = np.zeros((shape[0], 2), dtype=np.int64)
    first = pd.Series(np.arange(len(cells))).groupby(group).first().to_numpy()
    codes[:, 0] = pd.factorize(cells["team"].to_numpy()[first])[0]
    codes[:, 1] = pd.factorize(cells["role"].to_numpy()[first])[0]
    return suppress(n, codes, minimum, hidden)[group, scale]


def level_scores(frame: pd.DataFrame, bank: Bank, minimum: int) -> dict[str, pd.DataFrame]:
    """`group_scores` at every level; team x role also hidden wherever its team or role is.

    The team x role cells are scored unsuppressed (minimum 1) and suppressed
    here in one pass from the wider starting set; suppressing twice would hide
    cells the final pattern does not need hidden.
    """
    out = {
        level: group_scores(frame, bank, by, min_group_size=minimum)
        for level, by in LEVELS.items()
        if level != "team_role"
    }
    cells = group_scores(frame, bank, LEVELS["team_role"], min_group_size=1)
    parents = {k: out[k].rename(columns={"suppressed": "hidden"}) for k in ("team", "role")}
    hidden = _nested(
        cells.assign(hidden=cells["n"] < minimum), parents["team"], parents["role"],
        ["dimension", "lens"], minimum,
    )  # fmt: skip
    out["team_role"] = cells.assign(score=cells["score"].where(~hidden), suppressed=hidden)
    return out


def _sizes(frame: pd.DataFrame, by: Sequence[str]) -> pd.DataFrame:
    if not by:
        return pd.DataFrame({"n": [len(frame)]})
    return frame.groupby(list(by), sort=True, observed=True).size().rename("n").reset_index()


def _hidden_counts(sizes: dict[str, pd.DataFrame], minimum: int) -> dict[str, np.ndarray]:
    flags = {}
    for level, by in LEVELS.items():
        if level == "team_role":
            continue
        n = sizes[level]["n"].to_numpy(dtype=float)[:, None]
        codes = np.column_stack(
            [pd.factorize(sizes[level][col])[0] for col in by]
        ) if by else np.zeros((len(n), 0), dtype=np.int64)  # fmt: skip
        flags[level] = suppress(n, codes, minimum).ravel()
    parents = {k: sizes[k].assign(hidden=flags[k]) for k in ("team", "role")}
    cells = sizes["team_role"].assign(hidden=sizes["team_role"]["n"] < minimum)
    flags["team_role"] = _nested(cells, parents["team"], parents["role"], [], minimum)
    return flags


def level_counts(frame: pd.DataFrame, minimum: int) -> dict[str, pd.DataFrame]:
    """Responses per group at every level: ``<by>, responses, hidden, comments_visible``.

    `responses` is NaN where hidden; `comments_visible` applies the same rule
    at ``max(COMMENT_MIN_GROUP_SIZE, minimum)``.
    """
    sizes = {level: _sizes(frame, by) for level, by in LEVELS.items()}
    hidden = _hidden_counts(sizes, minimum)
    quiet = _hidden_counts(sizes, max(COMMENT_MIN_GROUP_SIZE, minimum))
    return {
        level: sizes[level]
        .assign(
            responses=sizes[level]["n"].where(~hidden[level]).astype(float),
            hidden=hidden[level],
            comments_visible=~quiet[level],
        )
        .drop(columns="n")
        for level in LEVELS
    }


def answer_counts(frame: pd.DataFrame, bank: Bank) -> dict[str, pd.DataFrame]:
    """How often each answer was given to each item, per group, at every level.

    Returns ``<by>, item, answer, count`` per level, answer `DONT_KNOW` for
    missing. One `np.bincount` over team x role x item x answer; the coarser
    levels are its sums, because counts (unlike means) add up.
    """
    values = frame[bank.item_ids].to_numpy(dtype=float, na_value=np.nan)
    answers = np.nan_to_num(values, nan=DONT_KNOW).astype(np.int64)
    codes, uniques = pd.MultiIndex.from_frame(frame[["team", "role"]]).factorize(sort=True)
    n_items, n_answers = len(bank.item_ids), bank.scale.points + 1
    index = (codes[:, None] * n_items + np.arange(n_items)[None, :]) * n_answers + answers
    size = len(uniques) * n_items * n_answers
    counts = np.bincount(index.ravel(), minlength=size)
    full = pd.DataFrame(
        {
            "team": np.repeat(uniques.get_level_values(0).astype(str), n_items * n_answers),
            "role": np.repeat(uniques.get_level_values(1).astype(str), n_items * n_answers),
            "item": np.tile(np.repeat(bank.item_ids, n_answers), len(uniques)),
            "answer": np.tile(np.arange(n_answers), len(uniques) * n_items),
            "count": counts,
        }
    )
    return {
        level: full.groupby([*by, "item", "answer"], sort=False)["count"].sum().reset_index()
        for level, by in LEVELS.items()
    }

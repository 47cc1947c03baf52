"""A round's published tables at every level, all cut by one privacy decision.

The results page shows four tables of one round at once (organisation,
teams, roles, team x role) and the exports offer the same four; they all
come from here, with every hidden cell decided by `scoring.privacy`, so a
file and a page can never disagree about what is shown.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from assessment.bank import Bank
from assessment.policy import COMMENT_MIN_GROUP_SIZE
from assessment.scoring.privacy import LEVELS, decide_cells, decide_groups, group_sizes
from assessment.scoring.scores import INTERNAL_COLUMNS, SCORE_COLUMNS, group_scores, hide_suppressed
from assessment.survey import DONT_KNOW_CODE, GATE_COLUMN, NOT_APPLICABLE_CODE

__all__ = [
    "DONT_KNOW",
    "LEVELS",
    "NOT_APPLICABLE",
    "answer_counts",
    "level_counts",
    "level_of",
    "level_scores",
    "published_scores",
    "round_groups",
    "without_projects_counts",
]

DONT_KNOW = DONT_KNOW_CODE
"""The `answer` value that counts "don't know" and skipped answers in answer tables."""
NOT_APPLICABLE = NOT_APPLICABLE_CODE
"""The `answer` value that counts "not applicable", where the scale has it apart from DONT_KNOW."""


def level_scores(
    frame: pd.DataFrame,
    bank: Bank,
    minimum: int,
    teams: Sequence[str] = (),
    groups: dict[str, pd.DataFrame] | None = None,
) -> dict[str, pd.DataFrame]:
    """Tidy scores at every level, suppressed by the round's one privacy decision.

    Each table is `group_scores` output (``<by>, dimension, lens, score,
    ci_low, ci_high, n, suppressed, reason, sd``), scored unsuppressed and then
    cut by `privacy.decide_groups` and `privacy.decide_cells`: suppressing each
    table on its own would let one table undo another. A suppressed row loses
    its interval and sd with its score. ``n`` is the true count, for deciding
    and testing; surfaces publish it only where the row is not suppressed.
    `groups` is the round's `privacy.decide_groups` when the caller holds it already
    (`round_groups`); it is decided here otherwise.
    """
    groups = round_groups(frame, minimum, teams) if groups is None else groups
    tables = {
        level: group_scores(frame, bank, by, min_group_size=1) for level, by in LEVELS.items()
    }
    decided = decide_cells(tables, groups, minimum)
    return {level: hide_suppressed(table) for level, table in decided.items()}


def round_groups(
    frame: pd.DataFrame, minimum: int, teams: Sequence[str] = ()
) -> dict[str, pd.DataFrame]:
    """The round's one group decision (`privacy.decide_groups` on its responses' sizes).

    Decide it once and pass it as ``groups=`` to `level_scores`, `level_counts` and
    `without_projects_counts` when building several of a round's tables together.
    """
    return decide_groups(group_sizes(frame), minimum, teams)


def level_of(by: Sequence[str]) -> str | None:
    """The level whose tables group by exactly `by` (in any order), or None for other columns."""
    wanted = sorted(by)
    return next((level for level, cols in LEVELS.items() if sorted(cols) == wanted), None)


def published_scores(
    frame: pd.DataFrame,
    bank: Bank,
    by: Sequence[str],
    minimum: int,
    teams: Sequence[str] = (),
) -> pd.DataFrame:
    """The scores table a page, file or command may publish for the grouping `by`.

    Columns ``<by>, dimension, lens, score, ci_low, ci_high, n, suppressed,
    reason, sd``; ``score``, its interval, ``sd`` and ``n`` are empty (NaN)
    wherever suppressed, so no surface can print a hidden group's size.
    Grouped by team and/or role, the table is the round's own
    (`level_scores`), identical to what the results page shows; grouped by any
    other column of a file (``assessment score --by round``) it is that one
    table, suppressed within itself.
    """
    by = list(by)
    level = level_of(by)
    if level is None:
        table = group_scores(frame, bank, by, min_group_size=minimum)
    else:
        table = level_scores(frame, bank, minimum, teams)[level]
        table = table.sort_values(by, kind="stable") if by else table  # scales keep bank order
        table = table[[*by, *SCORE_COLUMNS, *INTERNAL_COLUMNS]].reset_index(drop=True)
    return table.assign(n=table["n"].where(~table["suppressed"]))


def level_counts(
    frame: pd.DataFrame,
    minimum: int,
    teams: Sequence[str] = (),
    groups: dict[str, pd.DataFrame] | None = None,
) -> dict[str, pd.DataFrame]:
    """Responses per group at every level: ``<by>, responses, hidden, reason, comments_visible``.

    `responses` is NaN where hidden; `comments_visible` applies the same
    decision at ``max(COMMENT_MIN_GROUP_SIZE, minimum)``. `groups` as in `level_scores`.
    """
    sizes = group_sizes(frame)
    shown = decide_groups(sizes, minimum, teams) if groups is None else groups
    quiet = decide_groups(sizes, max(COMMENT_MIN_GROUP_SIZE, minimum), teams)
    return {
        level: shown[level]
        .assign(
            responses=shown[level]["n"].where(shown[level]["shown"]).astype(float),
            hidden=~shown[level]["shown"],
            comments_visible=quiet[level]["shown"].to_numpy(),
        )
        .drop(columns=["n", "shown"])
        for level in LEVELS
    }


def without_projects_counts(
    frame: pd.DataFrame,
    minimum: int,
    teams: Sequence[str] = (),
    groups: dict[str, pd.DataFrame] | None = None,
) -> dict[str, pd.DataFrame]:
    """Respondents whose team works without projects, per group at every level.

    Per level ``<by>, without_projects, asked, hidden, reason``: how many
    answered "no" to the routing question (`Bank.project_gate`) and how many
    were asked it at all (imported responses were not). Both are NaN wherever
    the group is hidden, by the same decision as `level_counts`, so a hidden
    group shows no count. A frame without the `survey.GATE_COLUMN` column
    (a bank without the question) counts no one. `groups` as in `level_scores`.
    """
    shown = round_groups(frame, minimum, teams) if groups is None else groups
    if GATE_COLUMN in frame:
        gate = frame[GATE_COLUMN].astype("boolean")
        flags = (
            frame[["team", "role"]]
            .astype(str)
            .assign(
                without_projects=gate.eq(False).fillna(False).astype(int).to_numpy(),
                asked=gate.notna().astype(int).to_numpy(),
            )
        )
    else:
        flags = frame[["team", "role"]].astype(str).assign(without_projects=0, asked=0)
    tables = {}
    for level, by in LEVELS.items():
        decided = shown[level]
        if by:
            sums = flags.groupby(list(by), sort=False)[["without_projects", "asked"]].sum()
            counted = decided.merge(sums.reset_index(), on=list(by), how="left")
        else:
            counted = decided.assign(
                without_projects=int(flags["without_projects"].sum()),
                asked=int(flags["asked"].sum()),
            )
        visible = counted["shown"].to_numpy(dtype=bool)
        tables[level] = counted.assign(
            without_projects=counted["without_projects"].fillna(0).astype(float).where(visible),
            asked=counted["asked"].fillna(0).astype(float).where(visible),
            hidden=~visible,
        )[[*by, "without_projects", "asked", "hidden", "reason"]]
    return tables


def answer_counts(frame: pd.DataFrame, bank: Bank) -> dict[str, pd.DataFrame]:
    """How often each answer was given to each item, per group, at every level.

    Returns ``<by>, item, answer, count`` per level, answer `DONT_KNOW` for
    missing. Where the scale has "not applicable" apart, rows with answer
    `NOT_APPLICABLE` follow too, counted from a coded frame
    (`store.responses_frame` with ``kinds=True``; don't know stays
    `DONT_KNOW` with the skipped answers); an ordinary frame has every
    missing answer under `DONT_KNOW`. One `np.bincount` over team x role x
    item x answer; the coarser levels are its sums, because counts (unlike
    means) add up.
    """
    values = frame[bank.item_ids].to_numpy(dtype=float, na_value=np.nan)
    answers = np.nan_to_num(values, nan=DONT_KNOW).astype(np.int64)
    lowest = NOT_APPLICABLE if bank.scale.not_applicable else DONT_KNOW
    answers = np.where(answers < lowest, DONT_KNOW, answers) - lowest  # 0-based for bincount
    codes, uniques = pd.MultiIndex.from_frame(frame[["team", "role"]]).factorize(sort=True)
    n_items, n_answers = len(bank.item_ids), bank.scale.points + 1 - lowest
    index = (codes[:, None] * n_items + np.arange(n_items)[None, :]) * n_answers + answers
    size = len(uniques) * n_items * n_answers
    counts = np.bincount(index.ravel(), minlength=size)
    full = pd.DataFrame(
        {
            "team": np.repeat(uniques.get_level_values(0).astype(str), n_items * n_answers),
            "role": np.repeat(uniques.get_level_values(1).astype(str), n_items * n_answers),
            "item": np.tile(np.repeat(bank.item_ids, n_answers), len(uniques)),
            "answer": np.tile(np.arange(n_answers) + lowest, len(uniques) * n_items),
            "count": counts,
        }
    )
    return {
        level: full.groupby([*by, "item", "answer"], sort=False)["count"].sum().reset_index()
        for level, by in LEVELS.items()
    }

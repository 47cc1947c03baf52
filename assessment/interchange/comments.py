"""The comments file: the free-text comments of every group the results page shows them for.

A comment is free text and may give its writer away by its style, so it is shown
only under a group of at least `policy.COMMENT_MIN_GROUP_SIZE` respondents (and
the round's minimum), by the same privacy decision at that threshold
(`scoring.levels.level_counts`, column ``comments_visible``). This file holds
exactly what the results page would show, group by group: the released
comments (`store.comments_frame(..., published_only=True)`) of the groups at
one level whose comments are visible, nothing of the others. It never says
who wrote what, when, or with which answers: rows are sorted by group and then
by the text itself, as the page lists them.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from assessment.interchange.write import neutralise
from assessment.policy import COMMENT_MIN_GROUP_SIZE

__all__ = ["comments_problem", "comments_table"]


def comments_table(
    comments: pd.DataFrame, counts: pd.DataFrame, by: Sequence[str] = ()
) -> pd.DataFrame:
    """``<by>, comment`` as text, for the groups of `counts` whose comments are visible.

    Parameters
    ----------
    comments : ``team, role, comment``, the round's released comments.
    counts : the level's counts (`levels.level_counts(...)[level]`): ``<by>``
        and ``comments_visible``. For ``by=()`` its one row is the organisation.
    by : the grouping: (), ("team",), ("role",) or ("team", "role").
    """
    by = list(by)
    visible = counts[counts["comments_visible"].astype(bool)]
    if by:
        keys = visible[by].astype(str).drop_duplicates()
        kept = comments.astype({col: "str" for col in by}).merge(keys, on=by, how="inner")
    else:
        kept = comments if len(visible) else comments.iloc[0:0]
    kept = kept[[*by, "comment"]].sort_values([*by, "comment"], kind="stable")
    return kept.apply(neutralise).reset_index(drop=True).astype(str)


def comments_problem(organisation_shows_comments: bool, released: int) -> str | None:
    """Why the round has no comments file, for the leader; None when it has one.

    `organisation_shows_comments` is the organisation's ``comments_visible``
    (`levels.level_counts`; for the total alone, `privacy.shown_total` at the
    comment threshold says the same), `released` how many comments are
    released. Every group is part of the organisation, so no group shows
    comments while the organisation does not.
    """
    if not organisation_shows_comments:
        return (
            f"Comments are shown only for groups of at least {COMMENT_MIN_GROUP_SIZE}"
            " respondents: this round has no such group yet."
        )
    if released == 0:
        return "Nobody has left a comment in this round (or none is released yet)."
    return None

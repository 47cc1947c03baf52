"""Everything the results page shows, computed from one round's responses.

`build_results` does the expensive work once per data change: it scores the
round at every level a leader can look at (organisation, team, role, team x
role), applies suppression, and keeps only aggregates -- never the response
rows -- so the page can cache the result cheaply and every filter click is a
lookup. The selectors below (`radar_rows`, `team_findings`, `headlines`, ...)
turn it into what one screen shows for one `Selection`.

Privacy rules kept here, so the page cannot get them wrong:

- A suppressed score has no number at all in the view data: its score *and*
  its n are NaN. Charts and tables therefore cannot show either.
- Response counts get the same complementary suppression as scores, so
  subtracting visible counts from the total never recovers a hidden group.
- Filters are single choices (one team, one role, or all), and every view is
  read from the suppressed tables of its level; free combinations of groups
  would let a leader compute a hidden group as the difference of two views.
- Comments show only for groups of at least `COMMENT_MIN_GROUP_SIZE`
  respondents (with the same complementary rule at that threshold).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from assessment.bank import Bank
from assessment.round import Round
from assessment.scoring.findings import Finding, findings
from assessment.scoring.levels import (
    DONT_KNOW,
    LEVELS,
    answer_counts,
    level_counts,
    level_scores,
)
from assessment.scoring.reliability import reliability
from assessment.scoring.scores import dimension_table
from assessment.vocabulary import LENSES, HiddenReason, hidden_text

__all__ = [
    "LEVELS",
    "RoundResults",
    "Selection",
    "answers_frame",
    "build_results",
    "compare_roles",
    "compare_rounds",
    "compare_team",
    "default_compare_roles",
    "default_round",
    "earlier_rounds",
    "group_visible",
    "heatmap_rows",
    "radar_rows",
    "selection_findings",
    "team_findings",
]


@dataclass(frozen=True)
class Selection:
    """What the filters point at: one team or all (None), one role or all (None)."""

    team: str | None = None
    role: str | None = None

    @property
    def level(self) -> str:
        if self.team is None:
            return "org" if self.role is None else "role"
        return "team" if self.role is None else "team_role"

    @property
    def key(self) -> dict[str, str]:
        """The group columns and values of the selected group, e.g. {"team": "Alpha"}."""
        return {col: getattr(self, col) for col in LEVELS[self.level]}

    def label(self, bank: Bank) -> str:
        parts = [self.team] if self.team is not None else []
        if self.role is not None:
            parts.append(bank.role_name(self.role))
        return " · ".join(parts) if parts else "Whole organisation"


@dataclass(frozen=True)
class RoundResults:
    """A round's aggregates at every level; small enough to cache and copy per rerun.

    Each dict is keyed by level ("org", "team", "role", "team_role"):
    `tidy` -- `group_scores` output with n NaN where suppressed; `dimensions`
    -- `dimension_table` with ``n_<lens>`` NaN where that lens is suppressed;
    `counts` -- ``<by>, responses, hidden, comments_visible``; `answers` --
    ``<by>, item, answer, count`` (answer `DONT_KNOW` for missing); `findings`;
    `reliability`.
    """

    token: str
    name: str
    bank: Bank
    min_group_size: int
    responses: int
    teams: tuple[str, ...]
    roles: tuple[str, ...]
    tidy: dict[str, pd.DataFrame]
    dimensions: dict[str, pd.DataFrame]
    counts: dict[str, pd.DataFrame]
    answers: dict[str, pd.DataFrame]
    findings: dict[str, list[Finding]]
    reliability: dict[str, pd.DataFrame]
    comments: pd.DataFrame

    @property
    def hidden_note(self) -> str:
        """The wording of a value hidden because its group is too small."""
        return hidden_text(HiddenReason.TOO_SMALL, self.min_group_size)

    def group_reason(self, selection: Selection) -> str:
        """Why the selected group is hidden ('' when it is shown), from the privacy decision."""
        rows = _rows_for(self.counts[selection.level], selection.key)
        return str(rows["reason"].iloc[0]) if len(rows) else str(HiddenReason.TOO_SMALL)

    def hidden_group_note(self, selection: Selection) -> str:
        """'fewer than 5 responses — hidden' or 'hidden so that ...', for the selected group."""
        return hidden_text(self.group_reason(selection) or HiddenReason.TOO_SMALL,
                           self.min_group_size)  # fmt: skip

    @property
    def shown_responses(self) -> int | None:
        """The round's number of responses, or None while the whole round is too small."""
        org = self.counts["org"]
        return None if bool(org["hidden"].iloc[0]) else int(org["responses"].iloc[0])


def build_results(
    responses: pd.DataFrame,
    bank: Bank,
    *,
    token: str,
    name: str,
    min_group_size: int,
    teams: Sequence[str] = (),
    comments: pd.DataFrame | None = None,
) -> RoundResults:
    """Score a round at every level and keep the aggregates the page needs.

    Parameters
    ----------
    responses : the wide responses frame (`store.responses_frame`): team,
        role and one column per item id.
    bank : the round's bank snapshot.
    min_group_size : the round's anonymity threshold (fixed when it opened).
    teams : the round's teams, listed first in filters even without responses.
    comments : ``team, role, comment`` (`store.comments_frame`); shown only
        for groups of at least `COMMENT_MIN_GROUP_SIZE`.

    Cost: four `group_scores`, four `reliability` passes and one bincount of
    the answers, all vectorised; a few seconds for 100,000 responses, paid
    once per data change (the page caches the result).
    """
    frame = responses.assign(team=responses["team"].astype(str), role=responses["role"].astype(str))
    scores = level_scores(frame, bank, min_group_size, teams)
    tidy, dims, found, alpha = {}, {}, {}, {}
    for level, by in LEVELS.items():
        scored = scores[level]
        found[level] = findings(scored, bank, by)
        tidy[level] = scored.assign(n=scored["n"].where(~scored["suppressed"]))
        dims[level] = _dimension_rows(scored, by)
        alpha[level] = reliability(frame, bank, by)
    counts = level_counts(frame, min_group_size, teams)
    answers = answer_counts(frame, bank)
    seen_roles = set(frame["role"].unique())
    roles = [r.id for r in bank.roles if r.id in seen_roles] + sorted(
        seen_roles - {r.id for r in bank.roles}
    )
    all_teams = list(dict.fromkeys([*teams, *sorted(frame["team"].unique())]))
    if comments is None:
        comments = pd.DataFrame({"team": [], "role": [], "comment": []}, dtype="str")
    return RoundResults(
        token=token,
        name=name,
        bank=bank,
        min_group_size=min_group_size,
        responses=len(frame),
        teams=tuple(all_teams),
        roles=tuple(roles),
        tidy=tidy,
        dimensions=dims,
        counts=counts,
        answers=answers,
        findings=found,
        reliability=alpha,
        comments=comments.sort_values("comment", kind="stable").reset_index(drop=True),
    )


def _dimension_rows(tidy: pd.DataFrame, by: Sequence[str]) -> pd.DataFrame:
    table = dimension_table(tidy, by)
    for lens in LENSES:
        table[f"n_{lens}"] = table[f"n_{lens}"].astype(float).where(table[lens].notna())
    return table


def _rows_for(frame: pd.DataFrame, key: dict[str, str]) -> pd.DataFrame:
    mask = np.ones(len(frame), dtype=bool)
    for col, value in key.items():
        mask &= (frame[col] == value).to_numpy()
    return frame[mask]


def group_visible(results: RoundResults, selection: Selection) -> bool:
    """Whether the selected group's response count may be shown (it has enough respondents)."""
    rows = _rows_for(results.counts[selection.level], selection.key)
    return bool(len(rows)) and not bool(rows["hidden"].iloc[0])


def radar_rows(results: RoundResults, selection: Selection) -> pd.DataFrame:
    """The selected group's `dimension_table` rows: one per dimension, suppressed lenses NaN."""
    rows = _rows_for(results.dimensions[selection.level], selection.key)
    if rows.empty:
        return _empty_dimension_rows(results.bank)
    return rows.reset_index(drop=True)


def _empty_dimension_rows(bank: Bank) -> pd.DataFrame:
    """A group with no responses: every dimension present, every score hidden."""
    frame = pd.DataFrame({"dimension": bank.dimension_ids})
    for column in ("product", "project", "clarity", "n_product", "n_project", "n_clarity"):
        frame[column] = np.nan
    frame["blur_index"] = np.nan
    frame["balance"] = np.nan
    for lens in LENSES:
        frame[f"reason_{lens}"] = str(HiddenReason.TOO_SMALL)
    return frame


def answers_frame(
    results: RoundResults, selection: Selection, dimension: str | None = None
) -> pd.DataFrame | None:
    """Answers of the selected group, for `charts.item_distribution`; None when it is hidden.

    The cache keeps answer *counts*, not response rows; this rebuilds one
    column per item (of `dimension`, or all) holding each answer as often as
    it was given. Every per-item count (what the chart draws) is exact; rows
    do not pair answers of one respondent, which the chart never needs.
    """
    if not group_visible(results, selection):
        return None
    bank = results.bank
    items = [i.id for i in (bank.items_in(dimension) if dimension else bank.items)]
    counts = _rows_for(results.answers[selection.level], selection.key)
    counts = counts[counts["item"].isin(items)]
    columns = {}
    for item, block in counts.groupby("item", sort=False):
        values = np.where(block["answer"] == DONT_KNOW, np.nan, block["answer"]).astype(float)
        columns[str(item)] = np.repeat(values, block["count"].to_numpy())
    return pd.DataFrame(columns)[items]


def heatmap_rows(results: RoundResults, role: str | None = None) -> pd.DataFrame:
    """Team x dimension rows for `charts.blur_heatmap`: all teams, within one role if given."""
    if role is None:
        rows = results.dimensions["team"]
    else:
        rows = _rows_for(results.dimensions["team_role"], {"role": role}).drop(columns="role")
    order = {team: i for i, team in enumerate(results.teams)}
    rows = rows.assign(_order=rows["team"].map(order))
    return rows.sort_values(["_order"], kind="stable").drop(columns="_order").reset_index(drop=True)


def compare_team(
    results: RoundResults, team: str, role: str | None = None
) -> list[tuple[str, pd.DataFrame]]:
    """Overlay data: one team against the whole organisation (within one role if given)."""
    bank = results.bank
    everyone = f"All teams · {bank.role_name(role)}" if role else "Whole organisation"
    return [
        (Selection(team, role).label(bank), radar_rows(results, Selection(team, role))),
        (everyone, radar_rows(results, Selection(None, role))),
    ]


def compare_roles(
    results: RoundResults, roles: Sequence[str], team: str | None = None
) -> list[tuple[str, pd.DataFrame]]:
    """Overlay data: roles against each other (within one team if given)."""
    return [
        (results.bank.role_name(role), radar_rows(results, Selection(team, role))) for role in roles
    ]


def compare_rounds(
    current: RoundResults, earlier: RoundResults, selection: Selection
) -> list[tuple[str, pd.DataFrame]]:
    """Overlay data: the selected group in this round and in an earlier one of the same bank.

    Each round keeps its own suppression; a group hidden in either round is a
    gap in that round's polygon.
    """
    names = [current.name, earlier.name]
    if names[0] == names[1]:
        names = [f"{names[0]} (this round)", f"{names[1]} (earlier)"]
    return [
        (names[0], radar_rows(current, selection)),
        (names[1], radar_rows(earlier, selection)),
    ]


def default_compare_roles(results: RoundResults) -> list[str]:
    """Product managers vs engineering when both answered, else the first two roles."""
    preferred: list[str] = [r for r in ("product", "engineering") if r in results.roles]
    return preferred if len(preferred) == 2 else list(results.roles[:2])


def selection_findings(results: RoundResults, selection: Selection) -> list[Finding]:
    """Findings for the selected group itself (none when it is suppressed)."""
    return [f for f in results.findings[selection.level] if _matches(f.group, selection.key)]


def team_findings(results: RoundResults, selection: Selection) -> list[Finding]:
    """Findings per visible team, within the role filter; only the chosen team when one is."""
    level = "team" if selection.role is None else "team_role"
    return [f for f in results.findings[level] if _matches(f.group, selection.key)]


def _matches(group: dict[str, str], key: dict[str, str]) -> bool:
    return all(group.get(col) == value for col, value in key.items())


def default_round(rounds: Sequence[Round], counts: Mapping[str, int]) -> str | None:
    """The newest round with responses (rounds come newest first); else the newest round."""
    with_data = [r.token for r in rounds if counts.get(r.token, 0) > 0]
    if with_data:
        return with_data[0]
    return rounds[0].token if rounds else None


def earlier_rounds(
    rounds: Sequence[Round], counts: Mapping[str, int], current: Round
) -> list[Round]:
    """Rounds before `current` with the same bank id and some responses, newest first."""
    return [
        r
        for r in rounds
        if r.token != current.token
        and r.bank.id == current.bank.id
        and r.created_at <= current.created_at
        and counts.get(r.token, 0) > 0
    ]

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
from assessment.scoring.certainty import (
    CHANGE_COLUMNS,
    change_table,
    common_bank,
    comparable_items,
)
from assessment.scoring.findings import Finding, findings
from assessment.scoring.focus import FocusItem, focus_list
from assessment.scoring.levels import (
    DONT_KNOW,
    LEVELS,
    answer_counts,
    level_counts,
    level_of,
    level_scores,
    round_groups,
    without_projects_counts,
)
from assessment.scoring.privacy import shown_total
from assessment.scoring.reliability import reliability
from assessment.scoring.scores import dimension_table, hide_suppressed
from assessment.vocabulary import LENSES, HiddenReason, hidden_text

__all__ = [
    "FOCUS_SHOWN",
    "LEVELS",
    "RoundChange",
    "RoundResults",
    "Selection",
    "answers_frame",
    "build_change",
    "build_results",
    "change_rows",
    "compare_roles",
    "compare_rounds",
    "compare_team",
    "default_compare_roles",
    "default_round",
    "earlier_rounds",
    "finding_change",
    "focus_items",
    "group_visible",
    "heatmap_changes",
    "heatmap_rows",
    "radar_rows",
    "rounds_comparable",
    "selection_findings",
    "team_findings",
    "trend_rows",
    "without_projects",
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
    without_projects: dict[str, pd.DataFrame] | None = None
    """`levels.without_projects_counts` when the bank asks the routing question, else None."""

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
    groups = round_groups(frame, min_group_size, teams)  # one decision for every table below
    scores = level_scores(frame, bank, min_group_size, teams, groups=groups)
    tidy, dims, found, alpha = {}, {}, {}, {}
    for level, by in LEVELS.items():
        scored = hide_suppressed(scores[level])  # no interval or sd of a hidden cell travels
        found[level] = findings(scored, bank, by)
        tidy[level] = scored.assign(n=scored["n"].where(~scored["suppressed"]))
        dims[level] = _dimension_rows(scored, by)
        alpha[level] = reliability(frame, bank, by)
    counts = level_counts(frame, min_group_size, teams, groups=groups)
    answers = answer_counts(frame, bank)
    routed = (
        without_projects_counts(frame, min_group_size, teams, groups=groups)
        if bank.project_gate
        else None
    )
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
        without_projects=routed,
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


def without_projects(results: RoundResults, selection: Selection) -> tuple[int, int] | None:
    """How many of the selected group work without projects, of how many were asked.

    None when the bank asks no routing question, nobody in the group was asked
    (imported answers), or the group is hidden: a hidden group shows no count.
    """
    if results.without_projects is None:
        return None
    rows = _rows_for(results.without_projects[selection.level], selection.key)
    if not len(rows) or bool(rows["hidden"].iloc[0]) or not rows["asked"].iloc[0] > 0:
        return None
    return int(rows["without_projects"].iloc[0]), int(rows["asked"].iloc[0])


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
    """The newest round with visible results (rounds come newest first); else the newest.

    Visible means its published total reaches its minimum (`privacy.shown_total`):
    a fresh round with two answers shows nothing yet, so the page opens on the
    last round that has something to show, and the picker still offers the new one.
    """
    with_data = [
        r.token for r in rounds if shown_total(counts.get(r.token, 0), r.min_group_size) is not None
    ]
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


# -- how things moved: change since an earlier round, and the trend over all rounds ----------


@dataclass(frozen=True)
class RoundChange:
    """Every shown score's change since one earlier round, at every level.

    `tables[level]` holds `scoring.certainty.change_table` rows
    (``<by>, dimension, lens, score, previous_score, difference, diff_low,
    diff_high, p, p_holm, change``), compared on the items both banks share
    and kept only where the group and score are shown in *both* rounds' own
    published tables: a group hidden in either round has no change anywhere.
    `items` is how many items the rounds share (0: nothing compares).
    """

    since: str
    since_token: str
    items: int
    tables: dict[str, pd.DataFrame]


def build_change(
    frame_now: pd.DataFrame,
    now: RoundResults,
    frame_before: pd.DataFrame,
    before: RoundResults,
) -> RoundChange:
    """Compare two rounds at every level (as `certainty.round_change`), shown-in-both only.

    `frame_now` / `frame_before` are each round's published responses; `now`
    and `before` their results, whose suppressed tables decide what may be
    compared. Holm's correction runs over each level's cells, the ones one
    view shows together. Cost: one re-scoring of each round on the shared
    items; the page caches the result per pair of rounds and response counts.
    """
    common = comparable_items(now.bank, before.bank)
    bank_now, bank_before = common_bank(now.bank, common), common_bank(before.bank, common)
    compared = {(item.dimension, item.lens) for item in bank_now.items}
    # What `certainty.round_change` does per grouping, for all four levels from one
    # privacy decision per round: both rounds re-scored on the shared items only.
    scored_now = level_scores(_labels_as_text(frame_now), bank_now, now.min_group_size, now.teams)
    scored_before = level_scores(
        _labels_as_text(frame_before), bank_before, before.min_group_size, before.teams
    )
    practical = now.bank.findings.practical_minimum
    tables = {}
    for level, by in LEVELS.items():
        current = scored_now[level]
        scales = pd.Series(list(zip(current["dimension"], current["lens"], strict=True)))
        current = current[scales.isin(compared).to_numpy()]
        table = change_table(current, scored_before[level], by, practical)
        tables[level] = _shown_in_both(table, now.tidy[level], before.tidy[level], by)
    return RoundChange(before.name, before.token, len(common), tables)


def _labels_as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Team and role as text, as `build_results` scores them."""
    return frame.assign(team=frame["team"].astype(str), role=frame["role"].astype(str))


def _shown_in_both(
    table: pd.DataFrame, now: pd.DataFrame, before: pd.DataFrame, by: Sequence[str]
) -> pd.DataFrame:
    """Change rows whose score each round's own published table shows."""
    keys = [*by, "dimension", "lens"]
    shown = now.loc[now["score"].notna(), keys].merge(
        before.loc[before["score"].notna(), keys], on=keys, how="inner"
    )
    kept = table.merge(shown.astype(str), on=keys, how="inner", sort=False)
    return kept.reset_index(drop=True)


def change_rows(
    change: RoundChange | None, level: str, key: Mapping[str, str], dimension: str | None = None
) -> pd.DataFrame:
    """The change rows of one group (all its scales, or one dimension's); empty without any."""
    if change is None:
        return pd.DataFrame(columns=[*LEVELS[level], *CHANGE_COLUMNS])
    rows = _rows_for(change.tables[level], dict(key))
    if dimension is not None:
        rows = rows[rows["dimension"] == dimension]
    return rows.reset_index(drop=True)


def finding_change(change: RoundChange | None, finding: Finding) -> pd.DataFrame:
    """How the scales behind one finding moved since the earlier round (lens order).

    Plain array masks, not `change_rows`: a page asks this of every finding it shows.
    """
    level = level_of(list(finding.group)) or "org"
    if change is None:
        return change_rows(None, level, finding.group)
    table = change.tables[level]
    mask = table["dimension"].to_numpy(dtype=object) == finding.dimension
    for col, value in finding.group.items():
        mask &= table[col].to_numpy(dtype=object) == value
    rows = table[mask].reset_index(drop=True)
    order = np.argsort([_LENS_ORDER.get(lens, len(LENSES)) for lens in rows["lens"]], kind="stable")
    return rows.iloc[order]


_LENS_ORDER = {lens: i for i, lens in enumerate(LENSES)}


def heatmap_changes(change: RoundChange | None, role: str | None = None) -> pd.DataFrame | None:
    """Clarity changes per team (within one role if given), for `charts.blur_heatmap`."""
    if change is None:
        return None
    if role is None:
        rows = change.tables["team"]
    else:
        rows = _rows_for(change.tables["team_role"], {"role": role}).drop(columns="role")
    return rows[rows["lens"] == "clarity"].reset_index(drop=True)


def rounds_comparable(bank_now: Bank, bank_before: Bank) -> bool:
    """Whether two rounds' scores mean the same: every item of both compares.

    A trend line joins two rounds only then; where a bank added, dropped or
    reworded an item (without declaring it unchanged) the line breaks.
    """
    common = set(comparable_items(bank_now, bank_before))
    return common == set(bank_now.item_ids) == set(bank_before.item_ids)


def trend_rows(history: Sequence[tuple[str, RoundResults]], selection: Selection) -> pd.DataFrame:
    """The selected group's `radar_rows` in every round, oldest first, for `charts.trend`.

    `history` is (label, results) per round, oldest first. Adds ``round``
    (the label) and ``segment``: a number that goes up wherever a round does
    not compare with the one before, so the chart breaks its lines there. A
    round where the group is hidden contributes its hidden rows (gaps).
    """
    frames, segment = [], 0
    for i, (label, results) in enumerate(history):
        if i and not rounds_comparable(results.bank, history[i - 1][1].bank):
            segment += 1
        rows = radar_rows(results, selection)
        frames.append(rows.assign(round=label, segment=segment))
    if not frames:
        return pd.DataFrame(columns=["round", "segment", "dimension"])
    return pd.concat(frames, ignore_index=True)


FOCUS_SHOWN = 5
"""How many focus entries the page lists before pointing to the findings for the rest."""


def focus_items(
    results: RoundResults, selection: Selection, change: RoundChange | None = None
) -> list[FocusItem]:
    """The ranked "Start here" list for the selection (`scoring.focus.focus_list`).

    Across the teams (within the role filter) when no team is chosen, else the
    chosen group's own findings; each is measured against the whole
    organisation (or all teams in that role) and ranked with its change since
    the earlier round. Only shown groups have findings, and changes exist only
    where both rounds show the group, so nothing hidden can rank.
    """
    if selection.team is None and team_findings(results, selection):
        found, level = (
            team_findings(results, selection),
            ("team" if selection.role is None else "team_role"),
        )
    else:
        found, level = selection_findings(results, selection), selection.level
    reference = Selection(None, selection.role)
    org = _rows_for(results.tidy[reference.level], reference.key)
    changes = None
    if change is not None:
        changes = change.tables[level]
        if selection.role is not None and "role" in changes:
            changes = changes[changes["role"] == selection.role]
    return focus_list(found, org, changes, results.bank)

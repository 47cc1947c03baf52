"""The words and tables of the results page, from `results_view` data.

Kept apart from `results_view` (which computes) so this module only phrases:
the headline summary a leader reads first, the findings grouped by
dimension, and the plain tables that stand beside each chart for screen
readers and for anyone who prefers numbers. A hidden value is always the
same words, ``fewer than N responses — hidden``, never a number.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd

from assessment.bank import Bank
from assessment.results.view import (
    RoundResults,
    Selection,
    group_visible,
    selection_findings,
    team_findings,
    without_projects,
)
from assessment.round import Round
from assessment.scoring.findings import Finding, verdict_counts
from assessment.scoring.focus import FocusItem
from assessment.vocabulary import (
    CLASSIFICATIONS,
    LENS_TITLES,
    LENSES,
    HiddenReason,
    difference_text,
    hidden_text,
    interval_text,
    number,
    plural,
)

__all__ = [
    "DimensionFindings",
    "Headline",
    "borderline_words",
    "change_words",
    "changes_table",
    "compare_table",
    "count_table",
    "dimension_findings",
    "distinct_note",
    "empty_findings_note",
    "filter_label",
    "flagged_scales",
    "focus_heading",
    "focus_table",
    "group_label",
    "headlines",
    "heatmap_state",
    "heatmap_table",
    "hidden_advice",
    "hidden_groups",
    "number",
    "radar_state",
    "reliability_table",
    "round_axis_labels",
    "round_label",
    "score_table",
    "summary_line",
    "trend_table",
    "verdict_summary",
    "visible_comments",
    "without_projects_line",
]

NAMED_GROUPS = 4


@dataclass(frozen=True)
class Headline:
    """One line of the summary: a dimension, its verdict and where it holds.

    `groups` counts the groups with that verdict, firm or borderline;
    `firm` is false when every one of them is only borderline (the page
    then shows a borderline badge, not the verdict's own).
    """

    text: str
    dimension: str
    classification: str
    groups: int
    firm: bool = True


@dataclass(frozen=True)
class DimensionFindings:
    """One dimension's findings across the shown groups, with its retro prompts."""

    dimension: str
    name: str
    description: str
    findings: list[Finding]
    prompts: list[str]

    @property
    def worst(self) -> str | None:
        ranks = [CLASSIFICATIONS.index(f.classification) for f in self.findings]
        return CLASSIFICATIONS[min(ranks)] if ranks else None

    @property
    def problems(self) -> list[Finding]:
        """Findings that call for a conversation: every verdict but "distinct"."""
        return [f for f in self.findings if f.classification != "distinct"]

    @property
    def distinct(self) -> list[Finding]:
        return [f for f in self.findings if f.classification == "distinct"]


def distinct_note(found: Sequence[Finding], bank: Bank) -> str:
    """'Distinct in Platform (blur index 42.4) and the whole organisation (46.6).'"""
    if not found:
        return ""
    parts = []
    for i, f in enumerate(found):
        where = group_label(f.group, bank)
        where = "the whole organisation" if not f.group else where
        blur = f.scores.get("blur_index")
        value = (
            ""
            if blur is None
            else f" (blur index {number(blur)})"
            if i == 0
            else f" ({number(blur)})"
        )
        parts.append(where + value)
    text = ", ".join(parts[:-1]) + (" and " if len(parts) > 1 else "") + parts[-1]
    return f"Distinct in {text}."


def group_label(group: dict[str, str], bank: Bank) -> str:
    """'Alpha', 'Engineering', 'Alpha · Engineering' or 'Whole organisation'."""
    parts = [group["team"]] if "team" in group else []
    if "role" in group:
        parts.append(bank.role_name(group["role"]))
    return " · ".join(parts) or "Whole organisation"


def _names(names: list[str]) -> str:
    shown = names[:NAMED_GROUPS]
    more = len(names) - len(shown)
    text = ", ".join(shown)
    return f"{text} and {more} more" if more else text


def headlines(results: RoundResults, selection: Selection) -> list[Headline]:
    """The summary at the top: which dimensions blur, and in how many teams.

    Across teams when two or more teams are visible ("Scope is blurred in 3 of
    5 teams: Alpha, Beta, Gamma"), else for the selected group alone. Sorted
    by severity, then by how many teams share the verdict.
    """
    bank = results.bank
    per_team = team_findings(results, selection) if selection.team is None else []
    if len({f.group["team"] for f in per_team}) >= 2:
        lines = _across_teams(per_team, bank)
    else:
        where = selection.label(bank)
        where = "the whole organisation" if where == "Whole organisation" else where
        lines = [
            Headline(_single_line(f, where), f.dimension, f.classification, 1, f.firm)
            for f in selection_findings(results, selection)
        ]
    return sorted(lines, key=lambda h: (CLASSIFICATIONS.index(h.classification), -h.groups))


def borderline_words(finding: Finding) -> str:
    """'borderline: blurred or distinct' -- the verdicts a borderline finding's intervals allow."""
    return "borderline: " + _either(finding.possible or (finding.classification,))


def _either(verdicts: Sequence[str]) -> str:
    """'blurred or distinct', 'delivery-led, blurred or distinct'."""
    return " or ".join([", ".join(verdicts[:-1]), verdicts[-1]] if len(verdicts) > 1 else verdicts)


def _single_line(finding: Finding, where: str) -> str:
    """'Purpose is blurred in Alpha.' or 'Purpose is borderline in Alpha: blurred or distinct.'"""
    if finding.firm:
        return f"{finding.dimension_name} is {finding.classification} in {where}."
    allowed = _either(finding.possible or (finding.classification,))
    return f"{finding.dimension_name} is borderline in {where}: {allowed}."


def _across_teams(found: list[Finding], bank: Bank) -> list[Headline]:
    """One line per dimension: its most frequent problem first, then the others briefly.

    "Scope is blurred in 2 of 5 teams (A, B), borderline in 1 more (C);
    plan-light in D." Firm and borderline verdicts are counted apart
    (`findings.verdict_counts`): a borderline team's intervals also allow
    another verdict. Distinct teams are left implied unless every team is
    distinct.
    """
    lines = []
    for dimension in bank.dimension_ids:
        here = [f for f in found if f.dimension == dimension]
        if not here:
            continue
        name, total = bank.dimension(dimension).name, len(here)
        firm, _ = verdict_counts(here)
        counts = Counter(f.classification for f in here)
        if counts["distinct"] == total:
            text = f"{name} is distinct in all {total} teams"
            unsure = [f.group["team"] for f in here if not f.firm]
            text += f" (borderline in {_names(unsure)})." if unsure else "."
            lines.append(Headline(text, dimension, "distinct", total, firm["distinct"] > 0))
            continue
        problems = sorted(
            (label for label in counts if label != "distinct"),
            key=lambda label: (CLASSIFICATIONS.index(label), -counts[label]),
        )
        parts = []
        for i, label in enumerate(problems):
            sure = [f.group["team"] for f in here if f.classification == label and f.firm]
            unsure = [f.group["team"] for f in here if f.classification == label and not f.firm]
            parts.append(_verdict_share(label, sure, unsure, total, first=i == 0))
        text = f"{name} is " + "; ".join(parts) + "."
        lead = problems[0]
        lines.append(Headline(text, dimension, lead, counts[lead], firm[lead] > 0))
    return lines


def _verdict_share(
    label: str, sure: list[str], unsure: list[str], total: int, *, first: bool
) -> str:
    """'blurred in 2 of 5 teams (A, B), borderline in 1 more (C)', or a shorter form."""
    if not sure:
        share = f"{len(unsure)} of {total} teams ({_names(unsure)})" if first else _names(unsure)
        return f"borderline {label} in {share}"
    if len(sure) == total:
        share = f"all {total} teams"
    elif first:
        share = f"{len(sure)} of {total} teams ({_names(sure)})"
    else:
        share = _names(sure)
    if unsure:
        more = f"{len(unsure)} more ({_names(unsure)})" if first else _names(unsure)
        share += f", borderline in {more}"
    return f"{label} in {share}"


def verdict_summary(found: Sequence[Finding]) -> str:
    """'9 findings firm, 3 borderline (their 95% intervals allow another verdict).'"""
    firm, borderline = verdict_counts(found)
    sure, unsure = sum(firm.values()), sum(borderline.values())
    if not sure + unsure:
        return ""
    text = f"{plural(sure, 'finding')} firm"
    if unsure:
        text += f", {unsure} borderline (their 95% intervals allow another verdict)"
    return text + "."


def hidden_groups(results: RoundResults, selection: Selection) -> list[str]:
    """Teams (within the role filter) whose numbers are hidden, for a 'not shown' line."""
    level = "team" if selection.role is None else "team_role"
    counts = results.counts[level]
    if selection.role is not None:
        counts = counts[counts["role"] == selection.role]
    hidden = set(counts.loc[counts["hidden"], "team"])
    present = set(counts["team"])
    # A team without any response in this view is hidden too: it has no numbers at all.
    return [t for t in results.teams if t in hidden or t not in present]


def dimension_findings(found: Sequence[Finding], bank: Bank) -> list[DimensionFindings]:
    """Findings grouped by dimension, most severe dimension first.

    Within a dimension the whole organisation (or the selected group) comes
    first as the reference, then teams from most to least severe.
    """
    out = []
    for dimension in bank.dimension_ids:
        here = sorted(
            (f for f in found if f.dimension == dimension),
            key=lambda f: (len(f.group), CLASSIFICATIONS.index(f.classification)),
        )
        info = bank.dimension(dimension)
        out.append(
            DimensionFindings(dimension, info.name, info.description, here,
                              list(info.retro_prompts))
        )  # fmt: skip
    present = [d for d in out if d.findings]
    present.sort(key=lambda d: CLASSIFICATIONS.index(d.worst or "distinct"))
    return present


def _cell(value: float, reason: object, minimum: int) -> str:
    if not pd.isna(value):
        return number(value)
    return hidden_text(str(reason) if reason else HiddenReason.TOO_SMALL, minimum)


def _reasons(rows: pd.DataFrame, lens: str) -> pd.Series:
    """Why each row's `lens` is hidden; rows from before reasons existed count as too small."""
    column = f"reason_{lens}"
    return rows[column] if column in rows else pd.Series("", index=rows.index)


def score_table(rows: pd.DataFrame, bank: Bank, minimum: int) -> pd.DataFrame:
    """The radar's numbers as text: one row per dimension, hidden values in words."""
    indexed = rows.set_index("dimension").reindex(bank.dimension_ids)
    table = pd.DataFrame({"Dimension": [bank.dimension(d).name for d in bank.dimension_ids]})
    for lens in LENSES:
        why = _reasons(indexed, lens)
        table[LENS_TITLES[lens]] = [
            _cell(v, r, minimum) for v, r in zip(indexed[lens], why, strict=True)
        ]
    blur_why = _reasons(indexed, "clarity")
    table["Blur index"] = [
        _cell(v, r, minimum) for v, r in zip(indexed["blur_index"], blur_why, strict=True)
    ]
    n = indexed[[f"n_{lens}" for lens in LENSES]].max(axis=1, skipna=True)
    first_why = _reasons(indexed, LENSES[0])
    table["Respondents"] = [
        _cell(np.nan, r, minimum) if pd.isna(k) else str(int(k))
        for k, r in zip(n, first_why, strict=True)
    ]
    return table


def compare_table(
    groups: Sequence[tuple[str, pd.DataFrame]], bank: Bank, lens: str, minimum: int
) -> pd.DataFrame:
    """An overlay's numbers as text: dimensions down, one column per compared group."""
    table = pd.DataFrame({"Dimension": [bank.dimension(d).name for d in bank.dimension_ids]})
    for label, rows in groups:
        indexed = rows.set_index("dimension").reindex(bank.dimension_ids)
        why = _reasons(indexed, lens)
        table[label] = [_cell(v, r, minimum) for v, r in zip(indexed[lens], why, strict=True)]
    return table


def heatmap_table(rows: pd.DataFrame, bank: Bank, minimum: int) -> pd.DataFrame:
    """The heatmap's numbers as text: teams down, dimensions across, blur index in cells."""
    if "reason_clarity" not in rows:
        rows = rows.assign(reason_clarity="")
    wide = rows.pivot_table(
        index="team", columns="dimension", values="blur_index", sort=False, dropna=False,
        aggfunc="first",
    ).reindex(columns=bank.dimension_ids)  # fmt: skip
    why = rows.pivot_table(
        index="team", columns="dimension", values="reason_clarity", sort=False, dropna=False,
        aggfunc="first",
    ).reindex(index=wide.index, columns=bank.dimension_ids)  # fmt: skip
    table = pd.DataFrame({"Team": list(wide.index)})
    for dimension in bank.dimension_ids:
        table[bank.dimension(dimension).name] = [
            _cell(v, r, minimum) for v, r in zip(wide[dimension], why[dimension], strict=True)
        ]
    return table


def count_table(results: RoundResults, level: str) -> pd.DataFrame:
    """Responses per team or per role; a hidden count is words, a missing group says so."""
    counts = results.counts[level].set_index(level)
    keys = results.teams if level == "team" else results.roles
    title = "Team" if level == "team" else "Role"
    cells = []
    for key in keys:
        if key not in counts.index:
            cells.append(results.hidden_note)
        elif counts.at[key, "hidden"]:
            cells.append(hidden_text(counts.at[key, "reason"], results.min_group_size))
        else:
            cells.append(str(int(counts.at[key, "responses"])))
    labels = list(keys) if level == "team" else [results.bank.role_name(k) for k in keys]
    return pd.DataFrame({title: labels, "Responses": cells})


def reliability_table(results: RoundResults, selection: Selection) -> pd.DataFrame | None:
    """Cronbach's alpha per scale of the selected group; None when the group is hidden."""
    if not group_visible(results, selection):
        return None
    frame = results.reliability[selection.level]
    for col, value in selection.key.items():
        frame = frame[frame[col] == value]
    bank, floor = results.bank, results.bank.findings.alpha_min
    rows = []
    for rec in frame.to_dict("records"):
        alpha = rec["alpha"]
        if pd.isna(alpha):
            verdict = "too few complete answers (needs 10)"
        elif rec["flagged"]:
            verdict = f"below {floor:g}: these items may not measure one thing"
        else:
            verdict = "holds together"
        rows.append(
            {
                "Dimension": bank.dimension(rec["dimension"]).name,
                "Lens": LENS_TITLES[rec["lens"]],
                "Alpha": "—" if pd.isna(alpha) else f"{alpha:.2f}",
                "Complete answers": str(int(rec["n"])),
                "Items": str(int(rec["items"])),
                "Reading": verdict,
            }
        )
    return pd.DataFrame(rows)


def flagged_scales(results: RoundResults, selection: Selection) -> int:
    """How many of the selected group's scales have an alpha below the bank's floor."""
    if not group_visible(results, selection):
        return 0
    frame = results.reliability[selection.level]
    for col, value in selection.key.items():
        frame = frame[frame[col] == value]
    return int(frame["flagged"].sum())


def visible_comments(results: RoundResults, selection: Selection) -> list[str] | None:
    """The selected group's comments, or None when it has fewer than 10 respondents."""
    counts = results.counts[selection.level]
    for col, value in selection.key.items():
        counts = counts[counts[col] == value]
    if counts.empty or not bool(counts["comments_visible"].iloc[0]):
        return None
    comments = results.comments
    for col, value in selection.key.items():
        comments = comments[comments[col] == value]
    return [str(c) for c in comments["comment"]]


def round_label(name: str, created_at: datetime, responses: int | None, is_open: bool) -> str:
    """How a round reads in the picker, short enough for a phone: name, month, size, state.

    `responses` is the published total (`privacy.shown_total`): None while the
    round is under its minimum, so a picker never counts a few people exactly.
    """
    state = "" if is_open else ", closed"
    size = "too few responses yet" if responses is None else plural(responses, "response")
    return f"{name} ({created_at:%b %Y}, {size}{state})"


def _selected_responses(results: RoundResults, selection: Selection) -> int | None:
    """The selected group's number of responses, or None where the decision hides it."""
    counts = results.counts[selection.level]
    for col, value in selection.key.items():
        counts = counts[counts[col] == value]
    if counts.empty or bool(counts["hidden"].iloc[0]):
        return None
    return int(counts["responses"].iloc[0])


def without_projects_line(results: RoundResults, selection: Selection) -> str | None:
    """'3 of 24 respondents work without projects: ...', or None (no question, or hidden)."""
    counted = without_projects(results, selection)
    if counted is None:
        return None
    none, asked = counted
    return (
        f"{none} of {plural(asked, 'respondent')} answered that their team's work"
        " includes no projects: they were not shown the project statements, which count"
        " as not applicable for them (missing, never as low scores)."
    )


def summary_line(results: RoundResults, selection: Selection) -> str:
    """What the page shows, for the selection: '116 responses · 3 of 5 teams shown · ...'.

    One team: '24 responses in Platform · ...', never the round's totals, which would
    read as that team's. One role across teams: its responses and its teams shown.
    A hidden count is never a number: 'fewer than 5 responses'.
    """
    minimum = results.min_group_size
    rule = f"groups under {minimum} responses are hidden"
    count = (
        results.shown_responses if selection.level == "org"
        else _selected_responses(results, selection)
    )  # fmt: skip
    responses = f"fewer than {minimum} responses" if count is None else plural(count, "response")
    if selection.team is not None:
        return f"{responses} in {selection.label(results.bank)} · {rule}"
    teams = len(results.teams)
    hidden = len(hidden_groups(results, selection))
    shown = plural(teams, "team")
    if hidden:
        shown = f"{teams - hidden} of {shown} shown"
    if selection.role is not None:
        responses += f" from {results.bank.role_name(selection.role)}"
    return f"{responses} · {shown} · {rule}"


def filter_label(name: str, visible: bool) -> str:
    """A filter choice, marked where choosing it shows only why it is hidden: 'Mobile — hidden'."""
    return name if visible else f"{name} — hidden"


def hidden_advice(results: RoundResults, selection: Selection) -> str:
    """Why the selected group shows nothing, and what to do; no number of its people.

    Only the round's minimum is named ('at least 5 responses'): how many a
    hidden group has, or lacks, would be its count.
    """
    minimum = results.min_group_size
    if selection.level == "org":
        return (
            f"The round shows results once it has at least {minimum} responses in all."
            " Share its link (on the Rounds page) with more people."
        )
    label = selection.label(results.bank)
    if results.group_reason(selection) == HiddenReason.PROTECTS_ANOTHER:
        return (
            f"{label} has enough responses, but showing it would let a smaller hidden group be"
            f" worked out. It shows once the hidden groups beside it reach at least {minimum}"
            " responses each. Meanwhile choose a larger group (All teams or All roles)."
        )
    return (
        f"{label} needs at least {minimum} responses before anything about it is shown."
        " Ask more of its people to answer, or choose a larger group (All teams or All roles)."
    )


def heatmap_state(results: RoundResults, rows: pd.DataFrame, role: str | None) -> str | None:
    """What the heatmap says instead of an empty grid when no team has a score; else None."""
    if len(rows) and rows["blur_index"].notna().any():
        return None
    minimum = results.min_group_size
    if role is not None:
        name = results.bank.role_name(role)
        return (
            f"Every team is hidden for {name}: within a team, {name} needs at least"
            f" {minimum} responses to be shown. Choose All roles to compare teams."
        )
    return (
        f"Every team is hidden: a team is shown once it has at least {minimum} responses."
        " The whole organisation's results are below; share the round's link with more people"
        " to compare teams."
    )


def radar_state(results: RoundResults, rows: pd.DataFrame, selection: Selection) -> str | None:
    """What the radar says instead of an empty chart when none of its scores is shown."""
    if rows[list(LENSES)].notna().to_numpy().any():
        return None
    return (
        f"No score of {selection.label(results.bank)} can be shown yet: each needs answers from"
        f" at least {results.min_group_size} people. The counts are under Responses below."
    )


def empty_findings_note(results: RoundResults, selection: Selection) -> str:
    """Why the findings list is empty for a shown group."""
    return (
        f"No dimension of {selection.label(results.bank)} can be classified yet: a verdict needs"
        f" all three lens scores, each from at least {results.min_group_size} people."
    )


# -- how sure, and how things moved: the numbers behind intervals, changes and the trend ----

NO_VALUE = "—"
"""A table cell with nothing to show: a hidden score's interval, or no interval at n < 2."""


def _bound(value: object) -> str:
    return NO_VALUE if value is None or pd.isna(value) else number(float(value))  # type: ignore[arg-type]


def interval_table(rows: pd.DataFrame, bank: Bank, minimum: int) -> pd.DataFrame:
    """One group's scores with their 95% intervals and n: a row per dimension x lens.

    A hidden score is its wording, with no interval and no n beside it.
    """
    indexed = rows.set_index("dimension").reindex(bank.dimension_ids)
    records = []
    for dimension in bank.dimension_ids:
        row = indexed.loc[dimension]
        for lens in LENSES:
            score, n = row[lens], row[f"n_{lens}"]
            hidden = pd.isna(score) or pd.isna(n)
            reason = row.get(f"reason_{lens}", "")
            records.append(
                {
                    "Dimension": bank.dimension(dimension).name,
                    "Lens": LENS_TITLES[lens],
                    "Score": _cell(np.nan if hidden else score, reason, minimum),
                    "95% low": NO_VALUE if hidden else _bound(row.get(f"ci_low_{lens}")),
                    "95% high": NO_VALUE if hidden else _bound(row.get(f"ci_high_{lens}")),
                    "Respondents": NO_VALUE if hidden else str(int(n)),
                }
            )
    return pd.DataFrame(records)


CHANGE_ARROWS = {"rising": "▲", "falling": "▼", "stable": "="}


def change_words(row: Mapping[str, Any], since: str) -> str:
    """'clarity rising since Q2: +8.2 (95% interval +3 to +13)', from one change row."""
    what = LENS_TITLES.get(str(row["lens"]), str(row["lens"])).lower()
    diff = difference_text(float(row["difference"]), float(row["diff_low"]),
                           float(row["diff_high"]))  # fmt: skip
    return f"{what} {row['change']} since {since}: {diff}"


def findings_table(found: Sequence[Finding], bank: Bank) -> pd.DataFrame:
    """The findings' numbers: verdict (firm, or borderline with what else the intervals allow),
    each lens's score with its 95% interval, and n."""
    records = []
    for f in found:
        record = {
            "Group": group_label(f.group, bank),
            "Dimension": f.dimension_name,
            "Verdict": f.classification if f.firm else borderline_words(f),
        }
        for lens in LENSES:
            record[LENS_TITLES[lens]] = _lens_evidence(f, lens)
        record["Respondents"] = str(f.scores.get("n", "")) if f.scores.get("n") else NO_VALUE
        records.append(record)
    return pd.DataFrame(records)


def changes_table(rows: Sequence[tuple[dict[str, str], pd.DataFrame]], bank: Bank) -> pd.DataFrame:
    """Change rows as text: group, dimension, lens, now, before, change, difference (interval).

    `rows` pairs a group with its change rows (`view.finding_change`); only
    groups and scales shown in both rounds have any.
    """
    records = []
    for group, changes in rows:
        for rec in changes.to_dict("records"):
            records.append(
                {
                    "Group": group_label(group, bank),
                    "Dimension": bank.dimension(str(rec["dimension"])).name,
                    "Lens": LENS_TITLES[str(rec["lens"])],
                    "Now": number(float(rec["score"])),
                    "Before": number(float(rec["previous_score"])),
                    "Change": str(rec["change"]),
                    "Difference": difference_text(
                        float(rec["difference"]), float(rec["diff_low"]), float(rec["diff_high"])
                    ),
                }
            )
    columns = ["Group", "Dimension", "Lens", "Now", "Before", "Change", "Difference"]
    return pd.DataFrame(records, columns=columns)


def _lens_evidence(finding: Finding, lens: str) -> str:
    """'49.9 (41–58)' from a finding's scores and intervals; 'hidden' where the lens is."""
    score = finding.scores.get(lens)
    if score is None:
        return "hidden"
    box = finding.intervals.get(lens)
    return number(float(score)) + (f" ({interval_text(*box)})" if box else "")


def heatmap_detail_table(
    rows: pd.DataFrame,
    bank: Bank,
    minimum: int,
    changes: pd.DataFrame | None = None,
    since: str = "",
) -> pd.DataFrame:
    """Each team x dimension's blur index with its 95% interval, n and change since `since`.

    The blur interval is the clarity interval turned round (blur = 100 -
    clarity), and so is its change: clarity rising is blur falling. Hidden
    cells are their wording alone.
    """
    moved = {}
    if changes is not None:
        for rec in changes.to_dict("records"):
            moved[(rec["team"], rec["dimension"])] = rec
    flip = {"rising": "falling", "falling": "rising", "stable": "stable"}
    records = []
    for rec in rows.to_dict("records"):
        hidden = pd.isna(rec["blur_index"]) or pd.isna(rec["n_clarity"])
        record = {
            "Team": str(rec["team"]),
            "Dimension": bank.dimension(str(rec["dimension"])).name,
            "Blur index": _cell(
                np.nan if hidden else rec["blur_index"], rec.get("reason_clarity", ""), minimum
            ),
            "95% low": NO_VALUE if hidden else _bound(100 - rec.get("ci_high_clarity", np.nan)),
            "95% high": NO_VALUE if hidden else _bound(100 - rec.get("ci_low_clarity", np.nan)),
            "Respondents": NO_VALUE if hidden else str(int(rec["n_clarity"])),
        }
        if since:
            change = None if hidden else moved.get((rec["team"], rec["dimension"]))
            record["Change"] = (
                "not compared"
                if change is None
                else f"{flip[str(change['change'])]} "
                + difference_text(
                    -float(change["difference"]),
                    -float(change["diff_high"]),
                    -float(change["diff_low"]),
                )
            )
        records.append(record)
    return pd.DataFrame(records)


def trend_table(rows: pd.DataFrame, bank: Bank, minimum: int) -> pd.DataFrame:
    """The trend's numbers: round, dimension, blur index, its 95% interval, n, line joined."""
    segments = rows.drop_duplicates("round").set_index("round")["segment"]
    order = list(segments.index)
    records = []
    for rec in rows.to_dict("records"):
        place = order.index(rec["round"])
        if place == 0:
            line = "first round"
        elif segments.iloc[place] == segments.iloc[place - 1]:
            line = "joined to the round before"
        else:
            line = "line breaks: the questions changed"
        hidden = pd.isna(rec["blur_index"]) or pd.isna(rec["n_clarity"])
        blur = np.nan if hidden else rec["blur_index"]
        records.append(
            {
                "Round": str(rec["round"]),
                "Dimension": bank.dimension(str(rec["dimension"])).name,
                "Blur index": _cell(blur, rec.get("reason_clarity", ""), minimum),
                "95% low": NO_VALUE if hidden else _bound(100 - rec["ci_high_clarity"]),
                "95% high": NO_VALUE if hidden else _bound(100 - rec["ci_low_clarity"]),
                "Respondents": NO_VALUE if hidden else str(int(rec["n_clarity"])),
                "Line": line,
            }
        )
    return pd.DataFrame(records)


def focus_heading(item: FocusItem, bank: Bank) -> str:
    """'Checkout · Scope' -- where an entry of the focus list points."""
    return f"{group_label(item.group, bank)} · {item.dimension_name}"


def focus_table(
    items: Sequence[tuple[FocusItem, pd.DataFrame]], bank: Bank, since: str = ""
) -> pd.DataFrame:
    """The focus list's numbers: rank, where, verdict, each deciding lens with interval and n,
    how far below the organisation, and the change since `since` with its interval.

    `items` pairs each entry with its change rows (`view.finding_change`).
    """
    records = []
    for rank, (item, changes) in enumerate(items, start=1):
        f = item.finding
        moved = {str(r["lens"]): r for r in changes.to_dict("records")}
        for lens in item.lenses:
            box = f.intervals.get(lens)
            score = f.scores.get(lens)
            row = moved.get(lens)
            shown = NO_VALUE if score is None else number(float(score))
            record = {
                "Rank": str(rank),
                "Where": focus_heading(item, bank),
                "Verdict": item.verdict if item.firm else borderline_words(f),
                "Lens": LENS_TITLES[lens],
                "Score (95% interval)": shown + (f" ({interval_text(*box)})" if box else ""),
                "Respondents": str(f.counts.get(lens, f.scores.get("n", ""))),
                "Below the organisation": NO_VALUE if item.gap is None else number(item.gap),
            }
            if since:
                record["Change (95% interval)"] = (
                    "not compared"
                    if row is None
                    else f"{row['change']} "
                    + difference_text(
                        float(row["difference"]), float(row["diff_low"]), float(row["diff_high"]),
                        named=False,
                    )
                )  # fmt: skip
            records.append(record)
    return pd.DataFrame(records)


def round_axis_labels(rounds: Sequence[Round]) -> list[str]:
    """Round names for the trend's axis, each naming one round (the chart draws one point per
    label): a repeated name gets its date, and a number if even that repeats."""
    names = [r.name for r in rounds]
    labels = [
        f"{r.name} ({r.created_at:%d %b %Y})" if names.count(r.name) > 1 else r.name for r in rounds
    ]
    seen: dict[str, int] = {}
    unique = []
    for label in labels:
        seen[label] = seen.get(label, 0) + 1
        unique.append(label if labels.count(label) == 1 else f"{label} #{seen[label]}")
    return unique

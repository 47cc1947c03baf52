"""The words and tables of the results page, from `results_view` data.

Kept apart from `results_view` (which computes) so this module only phrases:
the headline summary a leader reads first, the findings grouped by
dimension, and the plain tables that stand beside each chart for screen
readers and for anyone who prefers numbers. A hidden value is always the
same words, ``fewer than N responses — hidden``, never a number.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import pandas as pd

from assessment.bank import Bank
from assessment.results.view import (
    RoundResults,
    Selection,
    group_visible,
    selection_findings,
    team_findings,
)
from assessment.scoring.findings import Finding
from assessment.vocabulary import (
    CLASSIFICATIONS,
    LENS_TITLES,
    LENSES,
    HiddenReason,
    hidden_text,
    number,
    plural,
)

__all__ = [
    "DimensionFindings",
    "Headline",
    "compare_table",
    "count_table",
    "dimension_findings",
    "distinct_note",
    "flagged_scales",
    "group_label",
    "headlines",
    "heatmap_table",
    "hidden_groups",
    "number",
    "reliability_table",
    "round_label",
    "score_table",
    "summary_line",
    "visible_comments",
]

NAMED_GROUPS = 4


@dataclass(frozen=True)
class Headline:
    """One line of the summary: a dimension, its verdict and where it holds."""

    text: str
    dimension: str
    classification: str
    groups: int


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
            Headline(f"{f.dimension_name} is {f.classification} in {where}.", f.dimension,
                     f.classification, 1)
            for f in selection_findings(results, selection)
        ]  # fmt: skip
    return sorted(lines, key=lambda h: (CLASSIFICATIONS.index(h.classification), -h.groups))


def _across_teams(found: list[Finding], bank: Bank) -> list[Headline]:
    """One line per dimension: its most frequent problem first, then the others briefly.

    "Scope is blurred in 3 of 5 teams (A, B, C); plan-light in D." Distinct
    teams are left implied unless every team is distinct.
    """
    lines = []
    for dimension in bank.dimension_ids:
        here = [f for f in found if f.dimension == dimension]
        if not here:
            continue
        name, total = bank.dimension(dimension).name, len(here)
        counts = Counter(f.classification for f in here)
        if counts["distinct"] == total:
            lines.append(Headline(f"{name} is distinct in all {total} teams.", dimension,
                                  "distinct", total))  # fmt: skip
            continue
        problems = sorted(
            (label for label in counts if label != "distinct"),
            key=lambda label: (CLASSIFICATIONS.index(label), -counts[label]),
        )
        parts = []
        for i, label in enumerate(problems):
            teams = _names([f.group["team"] for f in here if f.classification == label])
            share = f"all {total} teams" if counts[label] == total else teams
            if i == 0 and counts[label] < total:
                share = f"{counts[label]} of {total} teams ({teams})"
            parts.append(f"{label} in {share}")
        text = f"{name} is " + "; ".join(parts) + "."
        lines.append(Headline(text, dimension, problems[0], counts[problems[0]]))
    return lines


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


def summary_line(results: RoundResults, selection: Selection) -> str:
    """'116 responses · 3 of 5 teams shown · groups under 5 are hidden'."""
    teams = len(results.teams)
    hidden = len(hidden_groups(results, selection)) if selection.team is None else 0
    shown = f"{teams - hidden} of {teams} teams shown" if hidden else f"{teams} teams"
    total = results.shown_responses
    responses = (
        plural(total, "response") if total is not None
        else f"fewer than {results.min_group_size} responses"
    )  # fmt: skip
    return f"{responses} · {shown} · groups under {results.min_group_size} responses are hidden"

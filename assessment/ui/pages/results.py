"""Results: for one round, which dimensions blur in which team, and why.

The page reads top to bottom as a leader's questions: what does it say (the
headline summary, firm and borderline verdicts counted apart), where do we
start (the ranked focus list), where is it (heatmap of teams), what does it
look like (radar, overlays, scores with their 95% intervals), how did it move
(the trend over rounds, change badges against the round chosen under
"Compare with"), what do we do about it (findings with retro prompts), and
how far can we trust it (per-statement answers, reliability, response
counts). All numbers come from `results_view` via one cached computation per
data change; this script only lays them out.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import TypeAlias

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from assessment import charts, store
from assessment.errors import AssessmentError
from assessment.results.text import (
    borderline_words,
    changes_table,
    compare_table,
    count_table,
    dimension_findings,
    distinct_note,
    empty_findings_note,
    filter_label,
    findings_table,
    flagged_scales,
    focus_heading,
    focus_table,
    group_label,
    headlines,
    heatmap_detail_table,
    heatmap_state,
    heatmap_table,
    hidden_advice,
    hidden_groups,
    interval_table,
    radar_state,
    reliability_table,
    round_axis_labels,
    score_table,
    summary_line,
    trend_table,
    verdict_summary,
    visible_comments,
    without_projects_line,
)
from assessment.results.view import (
    FOCUS_SHOWN,
    RoundChange,
    RoundResults,
    Selection,
    answers_frame,
    compare_roles,
    compare_rounds,
    compare_team,
    default_compare_roles,
    earlier_rounds,
    finding_change,
    focus_items,
    group_visible,
    heatmap_changes,
    heatmap_rows,
    radar_rows,
    selection_findings,
    team_findings,
    trend_rows,
)
from assessment.scoring.findings import Finding
from assessment.ui.common import engine, md_text
from assessment.ui.leader import offer_demo, require_leader, take_notice
from assessment.ui.results_cache import round_change, round_results
from assessment.ui.round_picker import pick_round
from assessment.vocabulary import (
    CLASSIFICATIONS,
    LENS_TITLES,
    classification_meaning,
    difference_text,
)

ICONS = {
    "blurred": ":material/blur_on:",
    "under-managed": ":material/trending_down:",
    "delivery-led": ":material/event_available:",
    "plan-light": ":material/lightbulb:",
    "distinct": ":material/check_circle:",
}
COLOURS = {
    "blurred": "red",
    "under-managed": "orange",
    "delivery-led": "violet",
    "plan-light": "blue",
    "distinct": "green",
}
OVERLAYS = {
    "lenses": "Product, project, clarity",
    "intervals": "How sure",
    "team": "Team vs organisation",
    "roles": "Role vs role",
    "rounds": "This round vs earlier",
}
LENS_OPTIONS = {lens: LENS_TITLES[lens] for lens in ("clarity", "product", "project")}


def freshness(minimum: int, at: datetime | None) -> str:
    """How fresh the view is, without saying how many answers wait (that would leak)."""
    when = f" as of {at:%d %b %Y, %H:%M} UTC" if at is not None else ""
    return (
        f"Results{when}. New answers are added in steps of at least {minimum} per group,"
        " so the latest ones may not show yet."
    )


def plain_table(frame: pd.DataFrame) -> pd.DataFrame:
    """A table for st.table, which renders Markdown in cells and headers: all shown as typed."""
    return frame.rename(columns=md_text).map(md_text)


def badge(classification: str) -> str:
    """A coloured label with an icon: the verdict never rests on colour alone."""
    return f":{COLOURS[classification]}-badge[{ICONS[classification]} {classification}]"


def finding_badge(finding: Finding) -> str:
    """The verdict's badge when firm; a grey 'borderline: blurred or distinct' badge otherwise."""
    if finding.firm:
        return badge(finding.classification)
    return f":gray-badge[:material/contrast: {md_text(borderline_words(finding))}]"


CHANGE_BADGES = {
    "rising": ":blue-badge[:material/arrow_upward: {what} rising]",
    "falling": ":orange-badge[:material/arrow_downward: {what} falling]",
    "stable": ":gray-badge[:material/arrow_forward: {what} stable]",
}


def change_badges(rows: pd.DataFrame, since: str) -> str:
    """Markdown, one line per scale that rose or fell: a badge, the difference, its interval."""
    lines = []
    for rec in rows.to_dict("records"):
        if rec["change"] == "stable":
            continue
        what = LENS_TITLES[str(rec["lens"])].lower()
        diff = difference_text(rec["difference"], rec["diff_low"], rec["diff_high"])
        lines.append(
            CHANGE_BADGES[str(rec["change"])].format(what=what)
            + f" {md_text(diff)} since {md_text(since)}"
        )
    return "  \n".join(lines)


Numbers: TypeAlias = pd.DataFrame | list[pd.DataFrame | str]
"""One table, or tables and captions (plain text) in order."""


def show_chart(fig: go.Figure, key: str, numbers: Callable[[], Numbers], what: str) -> None:
    """A chart with Plotly's hover and PNG download, and its numbers as tables beneath.

    `numbers` builds the tables: called only while "Numbers behind" is open.
    """
    st.plotly_chart(
        fig, width="stretch", config=charts.plotly_config(f"role-radar-{key}"), key=key,
        alt=charts.alt_text(fig),
    )  # fmt: skip
    with numbers_behind(what) as shown:
        tables = numbers() if shown else []
        for table in tables if isinstance(tables, list) else [tables]:
            if isinstance(table, str):
                st.caption(md_text(table))
            else:
                st.table(plain_table(table), hide_index=True, border="horizontal")


@contextmanager
def numbers_behind(what: str) -> Iterator[bool]:
    """The "Numbers behind the <what>" expander; True while it is open, the only time its
    tables are drawn.

    Those tables are over half of what the page would send and draw (about 3,400 of the
    demo's 5,800 elements), mostly to readers who never open them. Opening or closing the
    expander reruns the page, from cached results, and the tables come with the rerun.
    """
    key = "numbers_" + what.replace(" ", "_")
    with st.expander(
        f"Numbers behind the {what}", icon=":material/table:", key=key, on_change="rerun"
    ) as box:
        yield bool(box.open)


def reset_filters() -> None:
    """Another round has other teams: start it from the whole organisation."""
    for key in ("results_team", "results_role", "results_compare_team", "results_compare_roles",
                "results_compare_round"):  # fmt: skip
        st.session_state.pop(key, None)


def pick_selection(results: RoundResults) -> Selection:
    team_col, role_col = st.columns(2)
    # Hidden groups stay choosable (the page then says why they are hidden) but say so here,
    # each within the other filter's current choice: "Mobile — hidden" under Leadership.
    chosen_team = st.session_state.get("results_team")
    chosen_role = st.session_state.get("results_role")
    chosen_team = chosen_team if chosen_team in results.teams else None
    chosen_role = chosen_role if chosen_role in results.roles else None

    def team_label(team: str | None) -> str:
        if team is None:
            return "All teams"
        return filter_label(team, group_visible(results, Selection(team, chosen_role)))

    def role_label(role: str | None) -> str:
        if role is None:
            return "All roles"
        visible = group_visible(results, Selection(chosen_team, role))
        return filter_label(results.bank.role_name(role), visible)

    team = team_col.selectbox(
        "Team", [None, *results.teams], format_func=team_label, key="results_team"
    )
    role = role_col.selectbox(
        "Role", [None, *results.roles], format_func=role_label, key="results_role"
    )
    return Selection(team, role)


def at_a_glance(results: RoundResults, selection: Selection) -> None:
    st.header("At a glance")
    st.caption(summary_line(results, selection))
    if (routed := without_projects_line(results, selection)) is not None:
        st.caption(routed)
    lines = headlines(results, selection)
    if not lines:
        st.info("No dimension can be classified yet: too many scores are hidden.")
    for line in lines:
        mark = (
            badge(line.classification)
            if line.firm
            else ":gray-badge[:material/contrast: borderline]"
        )
        st.markdown(f"{mark} {md_text(line.text)}")
    counted = verdict_summary(shown_findings(results, selection))
    if counted:
        st.caption(md_text(counted))
    hidden = hidden_groups(results, selection) if selection.team is None else []
    if hidden:
        st.caption(
            f"Not shown: {', '.join(map(md_text, hidden))}. Groups with fewer than"
            f" {results.min_group_size}"
            " responses are hidden, and so is the next-smallest group where needed, so that"
            " no hidden group can be worked out from the totals."
        )


def radar_section(
    results: RoundResults, selection: Selection, earlier: list[store.Round], counts: dict[str, int]
) -> None:
    st.header("Radar")
    overlay = st.segmented_control(
        "Show", list(OVERLAYS), format_func=lambda k: OVERLAYS[k], default="lenses",
        required=True, key="results_overlay",
    ) or "lenses"  # fmt: skip
    bank, minimum = results.bank, results.min_group_size
    if overlay in ("lenses", "intervals"):  # one group's own scores, as a radar or as whiskers
        rows = radar_rows(results, selection)
        empty = radar_state(results, rows, selection)
        if empty is not None:
            st.info(md_text(empty), icon=":material/lock:")
        elif overlay == "lenses":
            fig = charts.radar(rows, bank, min_group_size=minimum, title=selection.label(bank))

            def both() -> Numbers:
                return [
                    score_table(rows, bank, minimum),
                    "Each score with its 95% interval and the respondents behind it:",
                    interval_table(rows, bank, minimum),
                ]

            show_chart(fig, "radar", both, "radar")
        else:
            title = f"How sure each score is · {selection.label(bank)}"
            fig = charts.score_intervals(rows, bank, min_group_size=minimum, title=title)
            show_chart(fig, "intervals", lambda: interval_table(rows, bank, minimum), "intervals")
        return
    lens = st.segmented_control(
        "Lens", list(LENS_OPTIONS), format_func=lambda k: LENS_OPTIONS[k], default="clarity",
        required=True, key="results_lens",
    ) or "clarity"  # fmt: skip
    picked = overlay_groups(results, selection, overlay, earlier, counts)
    if picked is None:
        return
    groups, subject = picked
    title = f"{LENS_OPTIONS[lens]} · {subject}"
    fig = charts.radar_compare(groups, bank, lens=lens, min_group_size=minimum, title=title)
    show_chart(fig, "radar_compare", lambda: compare_table(groups, bank, lens, minimum),
               "comparison")  # fmt: skip


def overlay_groups(
    results: RoundResults,
    selection: Selection,
    overlay: str,
    earlier: list[store.Round],
    counts: dict[str, int],
) -> tuple[list[tuple[str, pd.DataFrame]], str] | None:
    """The groups to overlay and what the chart compares, from the overlay's own pickers."""
    if overlay == "team":
        team = selection.team or st.selectbox(
            "Team to compare", results.teams, key="results_compare_team"
        )
        return compare_team(results, team, selection.role), f"{team} vs the organisation"
    if overlay == "roles":
        roles = st.multiselect(
            "Roles to compare", results.roles, default=default_compare_roles(results),
            format_func=results.bank.role_name, max_selections=charts.MAX_COMPARE,
            key="results_compare_roles",
        )  # fmt: skip
        if not roles:
            st.info("Choose at least one role to compare.")
            return None
        where = f" in {selection.team}" if selection.team else ""
        return compare_roles(results, roles, selection.team), f"roles compared{where}"
    if not earlier:
        st.info("No earlier round with responses uses this question bank yet.")
        return None
    by_token = {r.token: r for r in earlier}
    token = st.session_state.get("results_compare_round")  # the page's one "Compare with"
    token = token if token in by_token else earlier[0].token
    st.caption(f"Compared with {md_text(by_token[token].name)}: change it under “Compare with”.")
    earlier_results = round_results(token, counts[token])
    subject = f"{selection.label(results.bank)}, this round vs earlier"
    return compare_rounds(results, earlier_results, selection), subject


def heatmap_section(
    results: RoundResults, selection: Selection, change: RoundChange | None = None
) -> None:
    st.header("Where it blurs")
    rows = heatmap_rows(results, selection.role)
    title = "Blur index by team" + (
        f" · {results.bank.role_name(selection.role)}" if selection.role else ""
    )
    empty = heatmap_state(results, rows, selection.role)
    if empty is not None:  # a grid of grey cells says nothing: say why, and what to choose
        st.info(md_text(empty), icon=":material/lock:")
        return
    moves = heatmap_changes(change, selection.role)
    since = change.since if change is not None else ""
    fig = charts.blur_heatmap(
        rows, results.bank, group_col="team", min_group_size=results.min_group_size, title=title,
        changes=moves, since=since,
    )  # fmt: skip
    if change is not None:
        st.caption(
            f"▲ / ▼: the blur index rose or fell beyond doubt since {md_text(since)} (95% interval"
            f" and at least {results.bank.findings.practical_minimum:g} points); hover a cell"
            " for its interval and change."
        )
    minimum = results.min_group_size

    def numbers() -> Numbers:
        detail = heatmap_detail_table(rows, results.bank, minimum, moves, since)
        caption = [f"Change since {since}, with 95% intervals:"] if change is not None else []
        return [heatmap_table(rows, results.bank, minimum), *caption, detail]

    show_chart(fig, "heatmap", numbers, "heatmap")


def findings_section(
    results: RoundResults, selection: Selection, change: RoundChange | None = None
) -> None:
    st.header("Findings and retro prompts")
    found = selection_findings(results, selection)
    if selection.team is None:
        found += team_findings(results, selection)
    if not found:
        st.info(md_text(empty_findings_note(results, selection)), icon=":material/lock:")
        return
    with st.expander("What the verdicts mean", icon=":material/help:"):
        st.markdown("\n".join(f"- {badge(k)} {classification_meaning(k)}" for k in CLASSIFICATIONS))
    moves = [finding_change(change, f) for f in found] if change else []
    moved_by = {id(f): rows for f, rows in zip(found, moves, strict=True)} if change else {}
    for block in dimension_findings(found, results.bank):
        worst = block.worst or "distinct"
        with st.container(border=True, key=f"finding_{block.dimension}"):
            st.markdown(f"**{md_text(block.name)}** {badge(worst)}")
            for f in block.problems:
                label = md_text(group_label(f.group, results.bank))
                verdict = (
                    f":{COLOURS[f.classification]}[**{f.classification}**]"
                    if f.firm
                    else finding_badge(f)
                )
                moved = change_badges(moved_by[id(f)], change.since) if change else ""
                moved = f"  \n  {moved}" if moved else ""
                st.markdown(f"- **{label}** {verdict} — {md_text(f.evidence)}{moved}")
            if block.distinct:
                st.caption(md_text(distinct_note(block.distinct, results.bank)))
                for f in block.distinct:
                    moved = change_badges(moved_by[id(f)], change.since) if change else ""
                    if moved:
                        st.markdown(f"- **{md_text(group_label(f.group, results.bank))}** {moved}")
            prompts = "\n".join(f"1. {md_text(p)}" for p in block.prompts)
            if block.problems:
                st.markdown("**Talk it through**\n" + prompts)
            else:
                with st.expander("Retro prompts", icon=":material/forum:"):
                    st.markdown(prompts)
    findings_numbers(results, found, change, moves)


def items_section(results: RoundResults, selection: Selection) -> None:
    st.header("Answers to each statement")
    bank = results.bank
    dimension = st.segmented_control(
        "Dimension", bank.dimension_ids, format_func=lambda d: md_text(bank.dimension(d).name),
        default=bank.dimension_ids[0], required=True, key="results_items_dimension",
    )  # fmt: skip
    answers = answers_frame(results, selection, dimension)
    if answers is None:
        label, note = selection.label(bank), results.hidden_group_note(selection)
        st.info(f"{md_text(label)}: {md_text(note)}.")
        return
    fig = charts.item_distribution(
        answers, bank, min_group_size=results.min_group_size, dimensions=[dimension],
        title=selection.label(bank),
    )  # fmt: skip
    st.plotly_chart(
        fig, width="stretch", config=charts.plotly_config("role-radar-items"),
        key="items", alt=charts.alt_text(fig),
    )  # fmt: skip


def trust_section(results: RoundResults, selection: Selection) -> None:
    st.header("Responses and reliability")
    teams, roles = st.columns(2)
    teams.table(plain_table(count_table(results, "team")), hide_index=True, border="horizontal")
    roles.table(plain_table(count_table(results, "role")), hide_index=True, border="horizontal")
    st.caption(
        "A group is also hidden when its numbers, subtracted from a total, would reveal"
        " a smaller hidden group."
    )
    table = reliability_table(results, selection)
    if table is not None:
        flagged = flagged_scales(results, selection)
        label = "Reliability (Cronbach's alpha)" + (
            f" — {flagged} scale(s) flagged" if flagged else ""
        )
        with st.expander(label, icon=":material/rule:"):
            st.caption(
                f"Alpha shows whether a scale's statements measure one thing. Below "
                f"{results.bank.findings.alpha_min:g} the scale's score deserves caution."
            )
            st.dataframe(table, hide_index=True, key="reliability")
    comments = visible_comments(results, selection)
    if comments is None:
        st.caption("Comments appear only for groups of at least 10 respondents.")
    elif comments:
        with st.expander(f"Comments ({len(comments)})", icon=":material/chat:"):
            # st.table renders Markdown: escaped, a comment shows as typed, no link or image.
            table = plain_table(pd.DataFrame({"Comment": comments}))
            st.table(table, hide_index=True, hide_header=True, border="horizontal")


def focus_section(results: RoundResults, selection: Selection, change: RoundChange | None) -> None:
    """Start here: the problems a leader should take up first, ranked, each with its prompts."""
    st.subheader("Start here")
    items = focus_items(results, selection, change)
    if not items:
        if shown_findings(results, selection):
            st.success("Nothing stands out: every finding shown is distinct, and firmly so.")
        else:
            st.info(md_text(empty_findings_note(results, selection)), icon=":material/lock:")
        return
    st.caption(
        "Firm problems first, then borderline ones; within each, furthest below the"
        " organisation first, then what fell most since the earlier round."
    )
    bank, since = results.bank, change.since if change is not None else ""
    shown = items[:FOCUS_SHOWN]
    moves = []
    for item in shown:
        moved = finding_change(change, item.finding)
        moves.append((item, moved[moved["lens"].isin(item.lenses)]))
    for rank, (item, moved) in enumerate(moves, start=1):
        with st.container(border=True, key=f"focus_{rank}"):
            mark = badge(item.verdict) if item.firm else finding_badge(item.finding)
            st.markdown(f"**{rank}. {md_text(focus_heading(item, bank))}** {mark}")
            st.markdown(md_text(item.evidence))
            badges = change_badges(moved, since) if change is not None else ""
            if badges:
                st.markdown(badges)
            with st.expander(f"Talk it through: {item.verdict}", icon=":material/forum:"):
                st.markdown("\n".join(f"1. {md_text(p)}" for p in item.prompts))
    if len(items) > len(shown):
        st.caption(f"{len(items) - len(shown)} more below, under Findings.")
    with numbers_behind("focus list") as opened:
        if opened:
            st.table(plain_table(focus_table(moves, bank, since)), hide_index=True,
                     border="horizontal")  # fmt: skip


def shown_findings(results: RoundResults, selection: Selection) -> list[Finding]:
    """The findings the page shows: the selected group's, and every team's when no team is."""
    found = selection_findings(results, selection)
    return found + team_findings(results, selection) if selection.team is None else found


def findings_numbers(
    results: RoundResults,
    found: list[Finding],
    change: RoundChange | None,
    moves: list[pd.DataFrame],
) -> None:
    """The findings' numbers (verdict, intervals, n) and, against an earlier round, the changes.

    `moves` holds each finding's change rows (`finding_change`), in the order of `found`.
    """
    with numbers_behind("findings") as shown:
        if not shown:
            return
        st.table(plain_table(findings_table(found, results.bank)), hide_index=True,
                 border="horizontal")  # fmt: skip
        if change is not None:
            st.caption(f"Change since {md_text(change.since)}, with 95% intervals:")
            paired = [(f.group, rows) for f, rows in zip(found, moves, strict=True)]
            st.table(plain_table(changes_table(paired, results.bank)), hide_index=True,
                     border="horizontal")  # fmt: skip


def pick_compare(earlier: list[store.Round]) -> store.Round | None:
    """The earlier round that changes, badges and the round overlay compare with."""
    if not earlier:
        return None
    by_token = {r.token: r for r in earlier}
    token = st.selectbox(
        "Compare with", list(by_token), format_func=lambda t: by_token[t].name,
        key="results_compare_round",
        help="An earlier round of the same questions: changes are measured against it.",
    )  # fmt: skip
    return by_token.get(token or "", earlier[0])


def load_change(
    current: store.Round, compare: store.Round | None, counts: dict[str, int],
    selection: Selection,
) -> RoundChange | None:  # fmt: skip
    """The cached change since `compare`; None without an earlier round or shared questions.

    Says so when nothing compares, or when the selected group was hidden in that round
    (in that round's own words: no number of people).
    """
    if compare is None:
        return None
    change = round_change(
        current.token, counts[current.token], compare.token, counts[compare.token]
    )
    if not change.items:
        st.caption(f"{md_text(compare.name)} asked other questions: nothing to compare.")
        return None
    before = round_results(compare.token, counts[compare.token])
    if not group_visible(before, selection):
        label = md_text(selection.label(before.bank))
        note = md_text(before.hidden_group_note(selection))
        st.caption(f"{label} in {md_text(compare.name)}: {note}, so it has no change to show.")
    return change


def trend_section(
    results: RoundResults,
    selection: Selection,
    current: store.Round,
    earlier: list[store.Round],
    counts: dict[str, int],
) -> None:
    st.header("Over time")
    history = [*reversed(earlier), current]
    if len(history) < 2:
        st.info(
            "The trend needs 2 rounds of these questions; this is the first one with responses.",
            icon=":material/timeline:",
        )
        return
    loaded = [results if r.token == current.token else round_results(r.token, counts[r.token])
              for r in history]  # fmt: skip
    rows = trend_rows(list(zip(round_axis_labels(history), loaded, strict=True)), selection)
    minimum = min(r.min_group_size for r in history)
    bank = results.bank
    title = f"Blur index over rounds · {selection.label(bank)}"
    fig = charts.trend(rows, bank, min_group_size=minimum, title=title)
    st.caption(
        "Whiskers are 95% intervals. A gap is a round where this group was hidden; a line"
        " breaks where the questions changed between rounds."
    )
    show_chart(fig, "trend", lambda: trend_table(rows, bank, minimum), "trend")


require_leader()
st.title("Results")
take_notice()
if offer_demo():
    st.stop()
try:
    picked = pick_round("results_round", on_change=reset_filters)
    if picked is None:
        st.info("No rounds yet. Open one on the Rounds page.")
        st.stop()
    current, counts, all_rounds = picked.round, picked.counts, picked.rounds
    if counts[current.token] == 0:
        st.info(
            "No responses are published for this round yet. Answers appear in steps of at"
            f" least {current.min_group_size} per group, so that no one's answers can be read"
            " as the difference between two looks."
        )
        st.stop()
    results = round_results(current.token, counts[current.token])
    st.caption(freshness(current.min_group_size, store.last_published(engine(), current.token)[1]))
except AssessmentError as exc:
    st.error("\n\n".join(map(md_text, exc.problems)))
    st.stop()
selection = pick_selection(results)
earlier = earlier_rounds(all_rounds, counts, current)
compare = pick_compare(earlier)
if not group_visible(results, selection):
    st.warning(
        f"{md_text(selection.label(results.bank))}:"
        f" {md_text(results.hidden_group_note(selection))}.\n\n"
        f"{md_text(hidden_advice(results, selection))}",
        icon=":material/lock:",
    )
    st.stop()
change = load_change(current, compare, counts, selection)
at_a_glance(results, selection)
focus_section(results, selection, change)
heatmap_section(results, selection, change)
radar_section(results, selection, earlier, counts)
trend_section(results, selection, current, earlier, counts)
findings_section(results, selection, change)
items_section(results, selection)
trust_section(results, selection)

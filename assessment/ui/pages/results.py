"""Results: for one round, which dimensions blur in which team, and why.

The page reads top to bottom as a leader's questions: what does it say (the
headline summary), what does it look like (radar and overlays), where is it
(heatmap of teams), what do we do about it (findings with retro prompts), and
how far can we trust it (per-statement answers, reliability, response
counts). All numbers come from `results_view` via one cached computation per
data change; this script only lays them out.
"""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from assessment import charts, store
from assessment.errors import AssessmentError
from assessment.results.text import (
    compare_table,
    count_table,
    dimension_findings,
    distinct_note,
    flagged_scales,
    group_label,
    headlines,
    heatmap_table,
    hidden_groups,
    reliability_table,
    round_label,
    score_table,
    summary_line,
    visible_comments,
)
from assessment.results.view import (
    RoundResults,
    Selection,
    answers_frame,
    compare_roles,
    compare_rounds,
    compare_team,
    default_compare_roles,
    default_round,
    earlier_rounds,
    group_visible,
    heatmap_rows,
    radar_rows,
    selection_findings,
    team_findings,
)
from assessment.scoring.privacy import shown_total
from assessment.ui.common import engine, md_text
from assessment.ui.leader import offer_demo, require_leader, take_notice
from assessment.ui.results_cache import round_results
from assessment.vocabulary import CLASSIFICATIONS, LENS_TITLES, classification_meaning

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


def show_chart(fig: go.Figure, key: str, numbers: pd.DataFrame, what: str) -> None:
    """A chart with Plotly's hover and PNG download, and its numbers as a table beneath."""
    st.plotly_chart(
        fig, width="stretch", config=charts.plotly_config(f"role-radar-{key}"), key=key,
        alt=charts.alt_text(fig),
    )  # fmt: skip
    with st.expander(f"Numbers behind the {what}", icon=":material/table:"):
        st.table(plain_table(numbers), hide_index=True, border="horizontal")


def pick_round() -> tuple[store.Round, dict[str, int], list[store.Round]] | None:
    db = engine()
    rounds = store.list_rounds(db)
    counts = {r.token: store.publish(db, r.token)[0] for r in rounds}  # published only
    if not rounds:
        return None
    by_token = {r.token: r for r in rounds}
    tokens = [r.token for r in rounds]
    default = default_round(rounds, counts) or tokens[0]
    token = st.selectbox(
        "Round",
        tokens,
        index=tokens.index(default),
        format_func=lambda t: round_label(
            by_token[t].name,
            by_token[t].created_at,
            shown_total(counts[t], by_token[t].min_group_size),
            by_token[t].is_open,
        ),
        key="results_round",
        on_change=reset_filters,
    )
    return by_token[token or default], counts, rounds


def reset_filters() -> None:
    """Another round has other teams: start it from the whole organisation."""
    for key in ("results_team", "results_role", "results_compare_team", "results_compare_roles"):
        st.session_state.pop(key, None)


def pick_selection(results: RoundResults) -> Selection:
    team_col, role_col = st.columns(2)
    # Hidden groups stay choosable (the page then says why they are hidden) but say so here.
    hidden_teams = set(hidden_groups(results, Selection()))
    hidden_roles = set(results.counts["role"].loc[results.counts["role"]["hidden"], "role"])

    def team_label(team: str | None) -> str:
        return "All teams" if team is None else team + (" (hidden)" * (team in hidden_teams))

    def role_label(role: str | None) -> str:
        if role is None:
            return "All roles"
        return results.bank.role_name(role) + (" (hidden)" * (role in hidden_roles))

    team = team_col.selectbox(
        "Team", [None, *results.teams], format_func=team_label, key="results_team"
    )
    role = role_col.selectbox(
        "Role", [None, *results.roles], format_func=role_label, key="results_role"
    )
    return Selection(team, role)


def at_a_glance(results: RoundResults, selection: Selection) -> None:
    st.subheader("At a glance")
    st.caption(summary_line(results, selection))
    lines = headlines(results, selection)
    if not lines:
        st.info("No dimension can be classified yet: too many scores are hidden.")
    for line in lines:
        st.markdown(f"{badge(line.classification)} {md_text(line.text)}")
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
    st.subheader("Radar")
    overlay = st.segmented_control(
        "Show", list(OVERLAYS), format_func=lambda k: OVERLAYS[k], default="lenses",
        required=True, key="results_overlay",
    ) or "lenses"  # fmt: skip
    bank, minimum = results.bank, results.min_group_size
    if overlay == "lenses":
        rows = radar_rows(results, selection)
        fig = charts.radar(rows, bank, min_group_size=minimum, title=selection.label(bank))
        show_chart(fig, "radar", score_table(rows, bank, minimum), "radar")
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
    show_chart(fig, "radar_compare", compare_table(groups, bank, lens, minimum), "comparison")


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
    token = st.selectbox(
        "Earlier round", list(by_token), format_func=lambda t: by_token[t].name,
        key="results_compare_round",
    )  # fmt: skip
    earlier_results = round_results(token, counts[token])
    subject = f"{selection.label(results.bank)}, this round vs earlier"
    return compare_rounds(results, earlier_results, selection), subject


def heatmap_section(results: RoundResults, selection: Selection) -> None:
    st.subheader("Where it blurs")
    rows = heatmap_rows(results, selection.role)
    title = "Blur index by team" + (
        f" · {results.bank.role_name(selection.role)}" if selection.role else ""
    )
    fig = charts.blur_heatmap(
        rows, results.bank, group_col="team", min_group_size=results.min_group_size, title=title
    )
    show_chart(fig, "heatmap", heatmap_table(rows, results.bank, results.min_group_size), "heatmap")


def findings_section(results: RoundResults, selection: Selection) -> None:
    st.subheader("Findings and retro prompts")
    found = selection_findings(results, selection)
    if selection.team is None:
        found += team_findings(results, selection)
    if not found:
        label, note = selection.label(results.bank), results.hidden_group_note(selection)
        st.info(f"{md_text(label)}: {md_text(note)}.")
        return
    with st.expander("What the verdicts mean", icon=":material/help:"):
        st.markdown("\n".join(f"- {badge(k)} {classification_meaning(k)}" for k in CLASSIFICATIONS))
    for block in dimension_findings(found, results.bank):
        worst = block.worst or "distinct"
        with st.container(border=True, key=f"finding_{block.dimension}"):
            st.markdown(f"**{md_text(block.name)}** {badge(worst)}")
            for f in block.problems:
                label = md_text(group_label(f.group, results.bank))
                verdict = f":{COLOURS[f.classification]}[**{f.classification}**]"
                st.markdown(f"- **{label}** {verdict} — {md_text(f.evidence)}")
            if block.distinct:
                st.caption(md_text(distinct_note(block.distinct, results.bank)))
            prompts = "\n".join(f"1. {md_text(p)}" for p in block.prompts)
            if block.problems:
                st.markdown("**Talk it through**\n" + prompts)
            else:
                with st.expander("Retro prompts", icon=":material/forum:"):
                    st.markdown(prompts)


def items_section(results: RoundResults, selection: Selection) -> None:
    st.subheader("Answers to each statement")
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
    st.subheader("Responses and reliability")
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


require_leader()
st.title("Results")
take_notice()
if offer_demo():
    st.stop()
try:
    picked = pick_round()
    if picked is None:
        st.info("No rounds yet. Open one on the Rounds page.")
        st.stop()
    current, counts, all_rounds = picked
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
if not group_visible(results, selection):
    st.warning(
        f"{md_text(selection.label(results.bank))}:"
        f" {md_text(results.hidden_group_note(selection))}.",
        icon=":material/lock:",
    )
    st.stop()
at_a_glance(results, selection)
heatmap_section(results, selection)
radar_section(results, selection, earlier_rounds(all_rounds, counts, current), counts)
findings_section(results, selection)
items_section(results, selection)
trust_section(results, selection)

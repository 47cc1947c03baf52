"""The respondent survey, opened from a round link (``?round=<token>``).

Screens: a short intro with team and role, one section per dimension, a
review with an optional comment, then a thank-you. The flow's rules live in
`assessment.survey`; state and callbacks in `survey_state`. This module
only says what is on each screen.

Every text from a round or its bank (round, team and role names, statements,
scale labels) goes through `md_text`: Streamlit renders Markdown in headings,
radio options and buttons, and a crafted name must not make a respondent's
browser fetch an image from someone else's server.
"""

from __future__ import annotations

import contextlib
import re
from typing import Any

import streamlit as st

from assessment import store
from assessment import survey as flow
from assessment.errors import NotFoundError
from assessment.policy import COMMENT_MIN_GROUP_SIZE, MAX_COMMENT_CHARS
from assessment.store import Round
from assessment.store.responses import collects_online
from assessment.survey import Section
from assessment.ui import pages
from assessment.ui import survey_state as ss
from assessment.ui.common import engine, md_text
from assessment.ui.leader import is_leader

RADIO_MAX_OPTIONS = 10
REVIEW_LIST_MAX = 4
STATEMENTS_KEY = "survey_statements"
# On a phone a horizontal scale wraps into a grid that reads out of order: stack it instead.
PHONE_CSS = f"""<style>
@media (max-width: 640px) {{
  .st-key-{STATEMENTS_KEY} [data-testid="stRadioGroup"] {{
    flex-direction: column; align-items: stretch; gap: 0.25rem;
  }}
  .st-key-{STATEMENTS_KEY} [data-testid="stRadioOption"] {{ padding-block: 0.3rem; }}
}}
</style>"""


def leader_home() -> None:
    """A signed-in leader at the app's address without a round link: where to go from here."""
    st.title("Role Radar")
    st.markdown(
        "Role Radar asks teams anonymously how product and project work are split between"
        " roles, and shows leaders where the split blurs."
    )
    st.info(
        "You are signed in as a leader. This address is where respondents answer, once they"
        " open a round's link (it ends in `?round=` and a code).",
        icon=":material/info:",
    )
    for page, label, icon in (
        (pages.ROUNDS, "Rounds: open a round, copy its link, preview its survey", "event_note"),
        (pages.RESULTS, "Results: what the answers say", "radar"),
    ):
        with contextlib.suppress(st.errors.StreamlitPageNotFoundError):
            st.page_link(page, label=label, icon=f":material/{icon}:")


def preview_only_for_leaders() -> None:
    st.title("Survey preview")
    st.info(
        "Previews are for signed-in leaders. To answer the survey, open the link you were"
        " sent without `&preview=1` at its end.",
        icon=":material/visibility_off:",
    )
    with contextlib.suppress(st.errors.StreamlitPageNotFoundError):
        st.page_link(pages.SIGN_IN, label="Leader sign-in", icon=":material/lock:")


def preview_banner(rnd: Round) -> None:
    state = "" if rnd.is_open else " The round is closed: its link takes no answers now."
    st.info(
        "**Preview** — you see what respondents see. Nothing you choose here is stored (in a"
        f" preview, not even as you go), and submitting is off.{state}",
        icon=":material/visibility:",
    )
    with contextlib.suppress(st.errors.StreamlitPageNotFoundError):
        st.page_link(pages.ROUNDS, label="Back to Rounds", icon=":material/arrow_back:")


def no_link() -> None:
    if is_leader():
        leader_home()
        return
    st.title("Role Radar")
    st.info(
        "This page needs a survey link from your organisation. If you were asked to take part,"
        " open the link you were sent (it ends in `?round=` and a code).",
        icon=":material/link:",
    )
    st.caption("Leaders sign in to open rounds and see results (also in the sidebar).")
    st.page_link(pages.SIGN_IN, label="Leader sign-in", icon=":material/lock:")


def not_found() -> None:
    st.title("Survey not found")
    st.warning(
        "We could not find a survey for this link. Check that you copied the whole link,"
        " or ask the person who sent it for a new one.",
        icon=":material/link_off:",
    )


def closed(rnd: Round) -> None:
    st.title(md_text(rnd.name), anchor=False)
    st.info(
        "This survey is closed and no longer accepts answers. Thank you for your interest;"
        " ask the person who sent the link whether a new round is open.",
        icon=":material/event_busy:",
    )


def not_online(rnd: Round) -> None:
    """A round whose answers are imported: its link takes none (see `store.responses`)."""
    st.title(md_text(rnd.name), anchor=False)
    st.info(
        "This round is not collecting answers online: its answers are brought in from another"
        " survey or from paper forms. If you were asked to take part, ask the person who sent"
        " the link how to answer.",
        icon=":material/cloud_off:",
    )


def thank_you(rnd: Round) -> None:
    st.title("Thank you!")
    st.success("Your answers have been received.", icon=":material/check_circle:")
    st.markdown(
        f"""
**What happens next**

- Your answers are combined with your colleagues'. Leaders cannot tell which answers are
  yours: they see, and can download, results only for groups (a team, a role) with at least
  **{rnd.min_group_size}** responses, updated in steps of at least {rnd.min_group_size}.
- Where no one can be picked out in it, leaders can also download a file with one row per
  response: its answers, and its team, role and day only where these single nobody out;
  never a name, a time of day or a comment.
- Comments are shown to leaders, and can be downloaded, word for word but apart from any
  answers, only under a group of {COMMENT_MIN_GROUP_SIZE} or more people (the organisation,
  a team or a role): please leave names out.
- Leaders use the combined results to talk with teams about how product and project work
  are split, and what to change.

You can close this page now.
"""
    )


def intro(rnd: Round) -> None:
    bank = rnd.bank
    if bank.description:
        st.markdown(md_text(bank.description))
    n_sections = len(bank.dimensions)
    fewer = ", fewer if your team works without projects" if bank.project_gate else ""
    st.markdown(
        f"""
- :material/timer: **About {flow.estimated_minutes(bank)} minutes**: {len(bank.items)}
  statements in {n_sections} short sections{fewer}. There are no right or wrong answers.
- :material/visibility_off: **Anonymous**: we never ask for your name or e-mail, and never
  store them. Leaders cannot tell which answers are yours.
- :material/groups: **Only groups of {rnd.min_group_size} or more are shown**: a team or role
  with fewer answers is not shown on its own (its answers still count in the larger groups),
  and results are updated only in steps of at least {rnd.min_group_size} people.
- :material/save: **Saved as you go**: this page's address now holds your answers, so you can
  come back to it later. Don't share it; share the original link instead.
"""
    )


def progress_bar(state: ss.SurveyState, rnd: Round) -> None:
    done = flow.progress(state.draft, rnd.bank)
    step = state.draft.step
    where = "Getting started" if step == flow.ABOUT_STEP else "Review"
    if (section := flow.section_at(rnd.bank, step, state.draft.works_in_projects)) is not None:
        where = f"Section {section.number} of {len(rnd.bank.dimensions)}"
    st.progress(done.fraction, text=f"{where} · {done.label}")


def problems(state: ss.SurveyState) -> None:
    for problem in ss.take_problems(state):
        st.error(problem, icon=":material/error:")


def pick(
    state: ss.SurveyState, label: str, options: list[str], current: str | None, key: str, **kw: Any
) -> None:
    """One choice: radio buttons while the list is short (all visible, easy to tap), else a menu."""
    index = options.index(current) if current in options else None
    if len(options) <= RADIO_MAX_OPTIONS:
        # Radio options render Markdown; a menu's options are plain text already.
        shown = kw.pop("format_func", str)
        st.radio(
            label, options, index=index, key=key, on_change=ss.on_profile, args=(state,),
            format_func=lambda option: md_text(shown(option)), **kw,
        )  # fmt: skip
    else:
        st.selectbox(
            label,
            options,
            index=index,
            placeholder=f"Choose {label.lower()}",
            key=key,
            on_change=ss.on_profile,
            args=(state,),
            **kw,
        )


def about_you(state: ss.SurveyState, rnd: Round) -> None:
    intro(rnd)
    st.header("About you", anchor=False)
    bank = rnd.bank
    pick(state, "Your team", list(rnd.teams), state.draft.team, ss.TEAM_KEY)
    role_ids = [r.id for r in bank.roles]
    pick(state, "Your role", role_ids, state.draft.role, ss.ROLE_KEY, format_func=bank.role_name)
    st.caption("Team and role only group the answers; groups that are too small stay hidden.")
    project_gate(state, rnd)
    problems(state)
    st.button(
        "Continue" if state.draft.answers else "Start the survey",
        key=ss.START_KEY,
        type="primary",
        icon=":material/arrow_forward:",
        on_click=ss.go_to,
        args=(state, rnd, 1),
    )


def project_gate(state: ss.SurveyState, rnd: Round) -> None:
    """The routing question, before any statement: a "no" leaves the project statements out."""
    gate = rnd.bank.project_gate
    if gate is None:
        return
    labels = {True: gate.yes_label, False: gate.no_label}
    current = state.draft.works_in_projects
    st.radio(
        label_text(gate.text),
        [True, False],
        index=None if current is None else [True, False].index(current),
        format_func=lambda option: md_text(labels[option]),
        horizontal=True,
        key=ss.GATE_KEY,
        on_change=ss.on_gate,
        args=(state,),
    )
    if current is False:
        st.caption("Statements about projects will be left out; they do not apply to you.")


# Anything that could start Markdown in a label: escape characters, emphasis, code, links
# and images, HTML and autolinks, maths, directives (":red[", ":material/..."), bare URLs.
_MARKUP = re.compile(r"[\\`*_{}\[\]<>#|~$]|:\S|https?:|www\.|@")


def label_text(text: str) -> str:
    """A widget label shown as typed, on screen and to a screen reader.

    Streamlit renders a label as Markdown but also passes it, unrendered, as the
    widget's accessible name, where `md_text`'s backslashes would be read out.
    Text that nothing in it could turn into markup (most statements) is passed
    as it is; anything else is escaped, and then a screen reader hears escapes.
    """
    return md_text(text) if _MARKUP.search(text) else text


def statement(state: ss.SurveyState, rnd: Round, number: int, item_id: str, text: str) -> None:
    options = flow.answer_options(rnd.bank)
    answer = state.draft.answers.get(item_id)
    with st.container(border=True):
        st.markdown(f"**{number}.** {md_text(text)}")
        st.radio(
            label_text(text),
            options,
            index=options.index(answer) if answer in options else None,
            format_func=lambda option: md_text(flow.option_label(rnd.bank, option)),
            horizontal=True,
            label_visibility="collapsed",  # shown just above, in body text size
            key=ss.answer_key(item_id),
            on_change=ss.on_answer,
            args=(state, item_id),
        )


def section(state: ss.SurveyState, rnd: Round, current: Section) -> None:
    st.header(md_text(current.dimension.name), anchor=False)
    if current.dimension.description:
        st.markdown(md_text(current.dimension.description))
    st.caption("How much do you agree with each statement about your team?")
    st.html(PHONE_CSS)
    with st.container(key=STATEMENTS_KEY):
        for number, item in enumerate(current.items, start=current.first):
            statement(state, rnd, number, item.id, item.text)
    open_here = sum(item.id not in state.draft.answers for item in current.items)
    so_far = flow.progress(state.draft, rnd.bank).label
    if open_here:  # the progress bar has scrolled away by now: repeat where they stand
        st.caption(f"{so_far}. {open_here} open here: skip them or come back to them later.")
    else:
        st.caption(f"{so_far}.")
    problems(state)
    with st.container(horizontal=True, horizontal_alignment="distribute"):
        st.button(
            "Back",
            key=ss.BACK_KEY,
            icon=":material/arrow_back:",
            on_click=ss.go_to,
            args=(state, rnd, current.number - 1),
        )
        last = current.number == len(rnd.bank.dimensions)
        st.button(
            "Review answers" if last else "Next section",
            key=ss.NEXT_KEY,
            type="primary",
            icon=":material/arrow_forward:",
            icon_position="right",
            on_click=ss.go_to,
            args=(state, rnd, current.number + 1),
        )


def open_statements(state: ss.SurveyState, rnd: Round) -> None:
    still_open = flow.unanswered(state.draft, rnd.bank)
    if not still_open:
        st.success("You have answered every statement.", icon=":material/task_alt:")
        return
    count = sum(len(items) for _, items in still_open)
    st.warning(
        f"{count} statement{'s are' if count != 1 else ' is'} still open. You can submit anyway"
        " (open statements are left out of the results) or go back and answer them.",
        icon=":material/pending:",
    )
    for part, items in still_open:
        with st.container(border=True):
            st.markdown(f"**{md_text(part.dimension.name)}**")
            listing = "\n".join(f"- {md_text(item.text)}" for item in items)
            if len(items) <= REVIEW_LIST_MAX:
                st.markdown(listing)
            else:  # a long list would bury the other sections and the submit button
                st.expander(f"Show the {len(items)} open statements").markdown(listing)
            st.button(
                f"Answer {len(items)} in {md_text(part.dimension.name)}",
                key=ss.jump_key(part.dimension.id),
                icon=":material/edit:",
                on_click=ss.go_to,
                args=(state, rnd, part.number),
            )


def review(state: ss.SurveyState, rnd: Round) -> None:
    st.header("Review and submit", anchor=False)
    open_statements(state, rnd)
    st.text_area(
        "Anything else you want to tell us? (optional)",
        value=state.draft.comment,
        max_chars=MAX_COMMENT_CHARS,
        placeholder="Please don't mention anyone by name.",
        key=ss.COMMENT_KEY,
        on_change=ss.on_comment,
        args=(state,),
    )
    st.caption(
        "Leaders see and can download comments word for word, apart from any answers, only"
        f" under a group of {COMMENT_MIN_GROUP_SIZE} or more people."
        " Please don't include names, yours or anyone else's."
    )
    problems(state)
    with st.container(horizontal=True, horizontal_alignment="distribute"):
        st.button(
            "Back",
            key=ss.BACK_KEY,
            icon=":material/arrow_back:",
            on_click=ss.go_to,
            args=(state, rnd, state.draft.step - 1),
        )
        st.button(
            "Submit my answers",
            key=ss.SUBMIT_KEY,
            type="primary",
            icon=":material/send:",
            on_click=ss.submit,
            args=(state, rnd),
            disabled=state.preview,
        )


def scroll_to_top(state: ss.SurveyState) -> None:
    """After Next/Back, start the new step at its top, focus on its heading.

    Without it the browser keeps the old scroll offset, and a keyboard user's
    focus stays on the button at the bottom of a step they have left.
    """
    if ss.take_moved(state):
        # A new key per step makes a new element: the browser runs a script only when inserted.
        with st.container(key=f"survey_scroll_{state.draft.step}"):
            st.html(
                # Inside a function: every step's script shares the page's global scope.
                "<script>(() => {"
                "const main = document.querySelector('[data-testid=\"stMain\"]');"
                "main?.scrollTo(0, 0);"
                # Keyboard and screen-reader users continue from the new step's heading.
                "const heading = main?.querySelector('h2, h3');"
                "heading?.setAttribute('tabindex', '-1'); heading?.focus({preventScroll: true});"
                "})();</script>",
                unsafe_allow_javascript=True,
            )


def find_round(token: str) -> Round | None:
    try:
        return store.get_round(engine(), token)
    except NotFoundError:
        return None


def show() -> None:
    token = ss.round_token()
    if token is None:
        no_link()
        return
    rnd = find_round(token)
    if rnd is None:
        not_found()
        return
    if ss.is_preview():
        if not is_leader():
            preview_only_for_leaders()
            return
        preview_banner(rnd)
        survey(ss.preview(rnd), rnd)
        return
    if ss.is_done():
        thank_you(rnd)
        return
    if not rnd.is_open:
        closed(rnd)
        return
    if not collects_online(engine(), rnd.token):
        not_online(rnd)
        return
    survey(ss.current(rnd), rnd)


def survey(state: ss.SurveyState, rnd: Round) -> None:
    """The survey's current step: the same screens for a respondent and for a preview."""
    st.title(md_text(rnd.bank.title), anchor=False)
    st.caption(md_text(rnd.name))
    progress_bar(state, rnd)
    step = state.draft.step
    if step == flow.ABOUT_STEP:
        about_you(state, rnd)
    elif (current := flow.section_at(rnd.bank, step, state.draft.works_in_projects)) is not None:
        section(state, rnd, current)
    else:
        review(state, rnd)
    scroll_to_top(state)


show()

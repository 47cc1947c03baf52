"""The survey page's state: URL parameters, session state, widget keys and callbacks.

Everything the survey keeps between reruns goes through here, so the page
itself never touches a raw `st.session_state` key. The draft lives in two
places: session state (fast, per connection) and the database under the
resume token in the URL (survives a refresh or a dropped connection; see
streamlit#10229). Every change is written through in its widget callback, and
the submit happens in an `on_click` callback with the resume token as client
token, so a double click stores one response.

Resume tokens are made here, by the server (`survey.new_resume_token`). A token
in the URL is taken only when a draft is stored under it (one this server
issued and saved); any other, such as one typed into the address bar, gets a
fresh one, so no client can pick the token its draft and response are kept by.
Submissions spend from the network's allowance (`service.limits`).

A preview (``&preview=1``, for a signed-in leader) runs the same flow with
nothing written: no draft, no resume token in the URL, no response.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

import streamlit as st

from assessment import store
from assessment import survey as flow
from assessment.errors import AssessmentError
from assessment.service import limits
from assessment.store import Round
from assessment.ui.common import engine

ROUND_PARAM = "round"
RESUME_PARAM = "resume"
DONE_PARAM = "done"
PREVIEW_PARAM = "preview"

TEAM_KEY = "survey_team"
ROLE_KEY = "survey_role"
GATE_KEY = "survey_works_in_projects"
COMMENT_KEY = "survey_comment"
START_KEY = "survey_start"
NEXT_KEY = "survey_next"
BACK_KEY = "survey_back"
REVIEW_KEY = "survey_to_review"
SUBMIT_KEY = "survey_submit"
_STATE_KEY = "survey_state"
_PREVIEW_STATE_KEY = "survey_preview_state"  # apart, so a preview never mixes with a draft
_SESSION_KEY = "survey_session"  # the limiter's key when Streamlit reports no address


def answer_key(item_id: str) -> str:
    return f"survey_answer_{item_id}"


def jump_key(dimension_id: str) -> str:
    return f"survey_jump_{dimension_id}"


@dataclass
class SurveyState:
    """One respondent's survey in this browser session."""

    round_token: str
    resume_token: str
    draft: flow.SurveyDraft
    submitted: bool = False
    problems: list[str] = field(default_factory=list)  # set by a callback, shown by the page
    moved: bool = False  # the step changed in this run: the page scrolls to the top
    preview: bool = False  # a leader's look at the survey: nothing is ever stored


def round_token() -> str | None:
    token = st.query_params.get(ROUND_PARAM, "").strip()
    return token or None


def is_done() -> bool:
    """Whether this URL is the one a respondent lands on after submitting."""
    return DONE_PARAM in st.query_params


def is_preview() -> bool:
    """Whether this URL asks for a preview (the page lets only a signed-in leader have one)."""
    return PREVIEW_PARAM in st.query_params


def preview(rnd: Round) -> SurveyState:
    """This session's preview of `rnd`: kept in the session only, never in the database."""
    state = st.session_state.get(_PREVIEW_STATE_KEY)
    if isinstance(state, SurveyState) and state.round_token == rnd.token:
        return state
    state = SurveyState(rnd.token, "", flow.SurveyDraft(), preview=True)
    st.session_state[_PREVIEW_STATE_KEY] = state
    return state


def current(rnd: Round) -> SurveyState:
    """This session's survey for `rnd`, restored from the database on a fresh connection."""
    resume = st.query_params.get(RESUME_PARAM)
    state = st.session_state.get(_STATE_KEY)
    if (
        isinstance(state, SurveyState)
        and state.round_token == rnd.token
        and state.resume_token == resume
    ):
        return state
    saved = store.load_draft(engine(), rnd.token, resume) if flow.is_resume_token(resume) else None
    if saved is not None and resume is not None:  # a token this server issued, with a draft
        state = SurveyState(rnd.token, resume, flow.restore_draft(saved, rnd.bank, rnd.teams))
    else:
        state = SurveyState(rnd.token, flow.new_resume_token(), flow.SurveyDraft())
        st.query_params[RESUME_PARAM] = state.resume_token
    st.session_state[_STATE_KEY] = state
    return state


def take_problems(state: SurveyState) -> list[str]:
    """Problems a callback left for the page to show, once."""
    problems, state.problems = state.problems, []
    return problems


def take_moved(state: SurveyState) -> bool:
    moved, state.moved = state.moved, False
    return moved


def _save(state: SurveyState, draft: flow.SurveyDraft) -> None:
    """Keep `draft` in the session and write it through to the database."""
    if state.submitted:
        return
    state.draft = draft
    if state.preview:
        return
    try:
        store.save_draft(
            engine(), state.round_token, state.resume_token, draft.model_dump(mode="json")
        )
    except AssessmentError as exc:
        state.problems = exc.problems


# --- widget callbacks --------------------------------------------------------------


def on_answer(state: SurveyState, item_id: str) -> None:
    _save(state, state.draft.with_answer(item_id, st.session_state.get(answer_key(item_id))))


def on_profile(state: SurveyState) -> None:
    team, role = st.session_state.get(TEAM_KEY), st.session_state.get(ROLE_KEY)
    _save(state, state.draft.with_profile(team=team, role=role))


def on_gate(state: SurveyState) -> None:
    """The routing answer: True (works in projects), False, or None while unanswered."""
    answer = st.session_state.get(GATE_KEY)
    _save(state, state.draft.with_gate(answer if isinstance(answer, bool) else None))


def on_comment(state: SurveyState) -> None:
    _save(state, state.draft.with_comment(st.session_state.get(COMMENT_KEY)))


def go_to(state: SurveyState, rnd: Round, step: int) -> None:
    """Move to `step`; leaving "About you" needs a team, a role and the routing answer."""
    if state.draft.step == flow.ABOUT_STEP and step > flow.ABOUT_STEP:
        problems = flow.profile_problems(state.draft, rnd.teams, rnd.bank)
        if problems:
            state.problems = problems
            return
    _save(state, state.draft.at_step(step, rnd.bank))
    state.moved = True


def client_address() -> str | None:
    """The address Streamlit saw this browser connect from; None for local connections."""
    return st.context.ip_address


def _client_key() -> str:
    session = st.session_state.get(_SESSION_KEY)
    if not isinstance(session, str):
        session = st.session_state[_SESSION_KEY] = secrets.token_hex(8)
    return limits.client_key(client_address(), session)


def submit(state: SurveyState, rnd: Round) -> None:
    """Store the response once (the resume token is the client token) and show the thanks.

    A complete submission first spends one of its network's answers
    (`limits.SUBMISSIONS`); with none left it is not stored, and the
    respondent reads how long to wait.
    """
    if state.submitted or state.preview:
        return
    try:
        answers = flow.submission(state.draft, rnd.teams, rnd.bank)
        wait = limits.SUBMISSIONS.take(_client_key(), limits.clock())
        if wait:
            state.problems = [limits.too_many_text(wait)]
            return
        store.submit_response(
            engine(),
            rnd.token,
            team=answers.team,
            role=answers.role,
            answers=answers.answers,
            comment=answers.comment,
            client_token=state.resume_token,
            works_in_projects=answers.works_in_projects,
        )
    except AssessmentError as exc:
        state.problems = exc.problems
        return
    state.submitted = True
    # The thank-you gets its own address: a refresh shows it again, not an empty survey.
    st.query_params.pop(RESUME_PARAM, None)
    st.query_params[DONE_PARAM] = "1"

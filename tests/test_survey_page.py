"""The survey page through AppTest: widgets found by key, outcomes checked in the store."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa
from streamlit.testing.v1 import AppTest

from assessment import store
from assessment.bank import Bank, bank_from_dict
from assessment.store import Round
from assessment.survey import DONT_KNOW, NOT_APPLICABLE, is_resume_token
from assessment.ui import survey_state as ss

APP = str(Path(__file__).resolve().parents[1] / "streamlit_app.py")
TEAMS = ["Payments", "Search"]
TIMEOUT = 30  # generous: the machine is shared; a normal run takes well under a second


@pytest.fixture
def survey_engine(app_engine: sa.Engine) -> sa.Engine:
    return app_engine


@pytest.fixture
def open_tiny_round(survey_engine: sa.Engine, tiny_bank: Bank) -> Round:
    return store.open_round(survey_engine, "Q3 check-in", TEAMS, tiny_bank, min_group_size=4)


def start(token: str | None, resume: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    if token is not None:
        at.query_params["round"] = token
    if resume is not None:
        at.query_params["resume"] = resume
    at.run()
    assert not at.exception
    return at


def texts(at: AppTest) -> str:
    """Everything the page says, for asserting on the message a respondent reads."""
    parts = [e.value for kind in ("title", "header", "markdown", "caption") for e in at.get(kind)]
    parts += [e.body for kind in ("info", "warning", "error", "success") for e in at.get(kind)]
    return "\n".join(str(part) for part in parts)


def click(at: AppTest, key: str) -> AppTest:
    at.button(key=key).click().run()
    assert not at.exception
    return at


def choose_profile(at: AppTest, team: str = "Search", role: str = "engineering") -> AppTest:
    at.radio(key=ss.TEAM_KEY).set_value(team)
    at.radio(key=ss.ROLE_KEY).set_value(role)
    if ss.GATE_KEY in [radio.key for radio in at.radio]:  # a bank with the routing question
        at.radio(key=ss.GATE_KEY).set_value(True)
    at.run()
    return click(at, ss.START_KEY)


def answer(at: AppTest, values: dict[str, object]) -> AppTest:
    """Answer the statements of the section on screen (several changes, one rerun)."""
    for item_id, value in values.items():
        at.radio(key=ss.answer_key(item_id)).set_value(value)
    at.run()
    assert not at.exception
    return at


def section_answers(bank: Bank, section: int, value: object) -> dict[str, object]:
    dimension = bank.dimensions[section - 1].id
    return {item.id: value for item in bank.items_in(dimension)}


def has_form(at: AppTest) -> bool:
    return bool(at.selectbox or at.radio or at.button or at.text_area)


def test_no_round_link_explains_what_to_do(survey_engine: sa.Engine) -> None:
    at = start(None)
    assert "needs a survey link from your organisation" in texts(at)
    assert "Leaders sign in" in texts(at)
    assert not has_form(at)


def test_unknown_round_is_a_friendly_message(survey_engine: sa.Engine) -> None:
    at = start("no-such-round-token")
    assert "could not find a survey for this link" in texts(at)
    assert not has_form(at)
    assert "resume" not in at.query_params


def test_closed_round_takes_no_answers(survey_engine: sa.Engine, open_tiny_round: Round) -> None:
    store.close_round(survey_engine, open_tiny_round.token)
    at = start(open_tiny_round.token)
    assert "This survey is closed" in texts(at)
    assert not has_form(at)


def test_intro_says_anonymous_duration_and_group_size(open_tiny_round: Round) -> None:
    at = start(open_tiny_round.token)
    said = texts(at)
    assert "never ask for your name or e-mail" in said
    assert "About 4 minutes" in said
    assert "Only groups of 4 or more are shown" in said
    assert at.radio(key=ss.TEAM_KEY).options == TEAMS
    assert at.radio(key=ss.TEAM_KEY).value is None
    assert "Engineering" in at.radio(key=ss.ROLE_KEY).options
    assert at.radio(key=ss.ROLE_KEY).value is None
    assert is_resume_token(at.query_params.get("resume"))


def test_start_needs_team_and_role(open_tiny_round: Round) -> None:
    at = click(start(open_tiny_round.token), ss.START_KEY)
    assert [e.body for e in at.error] == ["Please choose your team.", "Please choose your role."]
    assert not at.radio(key=ss.TEAM_KEY).value  # still on "About you"
    assert ss.answer_key("purpose.product.1") not in [r.key for r in at.radio]


def test_statements_start_unanswered_with_dont_know(open_tiny_round: Round) -> None:
    at = choose_profile(start(open_tiny_round.token))
    radio = at.radio(key=ss.answer_key("purpose.product.1"))
    assert radio.value is None
    assert radio.options[-1] == "Don't know / not applicable"
    assert len(radio.options) == 6
    assert len(at.radio) == 9  # one dimension per step (and nothing else)
    assert "Section 1 of 2" in at.get("progress")[0].proto.text


def test_full_submission_stores_one_response(
    survey_engine: sa.Engine, open_tiny_round: Round, tiny_bank: Bank
) -> None:
    at = choose_profile(start(open_tiny_round.token), team="Payments", role="design")
    answer(at, section_answers(tiny_bank, 1, 4))
    click(at, ss.NEXT_KEY)
    second = section_answers(tiny_bank, 2, 2)
    second["scope.clarity.3"] = 5
    answer(at, second)
    assert "18 of 18 answered" in at.get("progress")[0].proto.text
    click(at, ss.NEXT_KEY)
    assert "You have answered every statement." in texts(at)
    at.text_area(key=ss.COMMENT_KEY).input("Roadmaps change weekly.").run()
    click(at, ss.SUBMIT_KEY)

    assert "Thank you!" in texts(at)
    assert "at least **4**" in " ".join(texts(at).split())  # however the text wraps
    frame = store.responses_frame(survey_engine, open_tiny_round.token)
    assert len(frame) == 1
    row = frame.iloc[0]
    assert (row["team"], row["role"]) == ("Payments", "design")
    assert all(row[item] == 4 for item in section_answers(tiny_bank, 1, 4))
    assert row["scope.product.1"] == 2 and row["scope.clarity.3"] == 5
    comments = store.comments_frame(survey_engine, open_tiny_round.token)
    assert comments["comment"].tolist() == ["Roadmaps change weekly."]
    assert at.query_params.get("done") == "1" and "resume" not in at.query_params


def test_refreshing_the_thank_you_shows_it_again(open_tiny_round: Round) -> None:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.query_params.update({"round": open_tiny_round.token, "done": "1"})
    at.run()
    assert "Thank you!" in texts(at)
    assert not has_form(at)


def test_review_lists_open_statements_and_submits_gaps_as_missing(
    survey_engine: sa.Engine, open_tiny_round: Round, tiny_bank: Bank
) -> None:
    at = choose_profile(start(open_tiny_round.token))
    first = section_answers(tiny_bank, 1, 3)
    del first["purpose.project.2"]
    first["purpose.clarity.1"] = DONT_KNOW
    answer(at, first)
    click(at, ss.NEXT_KEY)
    answer(at, {"scope.product.1": 5})
    click(at, ss.NEXT_KEY)

    warning = " ".join(e.body for e in at.warning)
    assert "9 statements are still open" in warning
    said = texts(at)
    assert "J2" in said and "SC3" in said and "P1" not in said
    assert at.button(key=ss.jump_key("purpose")).label == "Answer 1 in Purpose"

    click(at, ss.jump_key("purpose"))  # jump back, answer, return to the review
    assert at.radio(key=ss.answer_key("purpose.project.2")).value is None
    assert at.radio(key=ss.answer_key("purpose.product.1")).value == 3
    answer(at, {"purpose.project.2": 4})
    click(at, ss.NEXT_KEY)
    click(at, ss.NEXT_KEY)
    assert "8 statements are still open" in " ".join(e.body for e in at.warning)
    click(at, ss.SUBMIT_KEY)

    row = store.responses_frame(survey_engine, open_tiny_round.token).iloc[0]
    assert row["purpose.project.2"] == 4 and row["scope.product.1"] == 5
    assert math.isnan(row["purpose.clarity.1"])  # don't know
    assert math.isnan(row["scope.clarity.3"])  # skipped


def test_double_submit_stores_one_response(
    survey_engine: sa.Engine, open_tiny_round: Round, tiny_bank: Bank
) -> None:
    at = choose_profile(start(open_tiny_round.token))
    answer(at, section_answers(tiny_bank, 1, 5))
    click(at, ss.NEXT_KEY)
    click(at, ss.NEXT_KEY)
    # The same draft open twice (a second tab, a retried request) and submitted in both.
    twin = start(open_tiny_round.token, resume=at.query_params["resume"])
    click(at, ss.SUBMIT_KEY)
    click(twin, ss.SUBMIT_KEY)
    assert "Thank you!" in texts(at) and "Thank you!" in texts(twin)
    assert store.response_count(survey_engine, open_tiny_round.token) == 1


def _submit_twice(token: str) -> None:
    """A page that runs the submit callback twice in one run, as two queued clicks would."""
    from assessment import store
    from assessment.ui import survey_state as ss
    from assessment.ui.common import engine

    rnd = store.get_round(engine(), token)
    state = ss.current(rnd)
    state.draft = state.draft.with_profile(team="Search", role="other")
    ss.submit(state, rnd)
    state.submitted = False  # even past the session's own guard, the store keeps one
    ss.submit(state, rnd)


def test_submit_callback_twice_stores_one_response(
    survey_engine: sa.Engine, open_tiny_round: Round
) -> None:
    at = AppTest.from_function(_submit_twice, args=(open_tiny_round.token,))
    at.query_params["round"] = open_tiny_round.token
    at.run(timeout=TIMEOUT)
    assert not at.exception
    assert store.response_count(survey_engine, open_tiny_round.token) == 1


def test_draft_is_restored_from_the_resume_token(
    survey_engine: sa.Engine, open_tiny_round: Round
) -> None:
    at = choose_profile(start(open_tiny_round.token), team="Payments", role="product")
    answer(at, {"purpose.product.1": 4, "purpose.clarity.2": DONT_KNOW})
    click(at, ss.NEXT_KEY)
    resume = at.query_params["resume"]

    again = start(open_tiny_round.token, resume=resume)  # a refresh: a new session, same URL
    assert again.radio(key=ss.answer_key("scope.product.1"))  # still on section 2
    assert "2 of 18 answered" in again.get("progress")[0].proto.text
    click(again, ss.BACK_KEY)
    assert again.radio(key=ss.answer_key("purpose.product.1")).value == 4
    assert again.radio(key=ss.answer_key("purpose.clarity.2")).value == DONT_KNOW
    assert again.radio(key=ss.answer_key("purpose.product.2")).value is None
    click(again, ss.BACK_KEY)
    assert again.radio(key=ss.TEAM_KEY).value == "Payments"
    assert again.radio(key=ss.ROLE_KEY).value == "product"


def test_draft_is_deleted_at_submit(survey_engine: sa.Engine, open_tiny_round: Round) -> None:
    at = choose_profile(start(open_tiny_round.token))
    answer(at, {"purpose.product.1": 4})
    resume = at.query_params["resume"]
    assert store.load_draft(survey_engine, open_tiny_round.token, resume) is not None
    click(at, ss.NEXT_KEY)
    click(at, ss.NEXT_KEY)
    click(at, ss.SUBMIT_KEY)
    assert store.load_draft(survey_engine, open_tiny_round.token, resume) is None


def test_round_closed_mid_survey_shows_the_problem(
    survey_engine: sa.Engine, open_tiny_round: Round
) -> None:
    at = choose_profile(start(open_tiny_round.token))
    click(at, ss.NEXT_KEY)
    click(at, ss.NEXT_KEY)
    store.close_round(survey_engine, open_tiny_round.token)
    click(at, ss.SUBMIT_KEY)
    assert "This survey is closed" in texts(at)
    assert store.response_count(survey_engine, open_tiny_round.token) == 0


def test_comment_with_an_email_is_refused(survey_engine: sa.Engine, open_tiny_round: Round) -> None:
    at = choose_profile(start(open_tiny_round.token))
    click(at, ss.NEXT_KEY)
    click(at, ss.NEXT_KEY)
    at.text_area(key=ss.COMMENT_KEY).input("Talk to me: ana@example.org").run()
    click(at, ss.SUBMIT_KEY)
    assert any("e-mail address" in e.body for e in at.error)
    assert at.button(key=ss.SUBMIT_KEY)  # still on the review, nothing stored
    assert store.response_count(survey_engine, open_tiny_round.token) == 0


def test_default_bank_has_four_sections_in_order(
    survey_engine: sa.Engine, default_bank: Bank
) -> None:
    """Every statement of the shipped bank, answered and stored (the browser journeys use a
    small bank; this is where the real one is walked end to end)."""
    rnd = store.open_round(survey_engine, "Default", TEAMS, default_bank)
    at = choose_profile(start(rnd.token))
    headers = []
    points = default_bank.scale.points
    planned = {item: 1 + i % points for i, item in enumerate(default_bank.item_ids)}
    for dimension in default_bank.dimensions:
        headers.append(at.header[0].value)
        answer(at, {item.id: planned[item.id] for item in default_bank.items_in(dimension.id)})
        click(at, ss.NEXT_KEY)
    assert headers == ["Purpose", "Scope", "Responsibility", "Success metrics"]
    assert at.header[0].value == "Review and submit"
    click(at, ss.SUBMIT_KEY)
    stored = store.responses_frame(survey_engine, rnd.token)
    assert len(stored) == 1
    assert {item: int(stored.iloc[0][item]) for item in planned} == planned


def test_many_teams_are_offered_in_a_menu(survey_engine: sa.Engine, tiny_bank: Bank) -> None:
    teams = [f"Team {n:02d}" for n in range(1, 16)]
    rnd = store.open_round(survey_engine, "Big org", teams, tiny_bank)
    at = start(rnd.token)
    menu = at.selectbox(key=ss.TEAM_KEY)
    assert menu.options == teams and menu.value is None
    menu.select("Team 12").run()
    at.radio(key=ss.ROLE_KEY).set_value("other").run()
    click(at, ss.START_KEY)
    assert at.radio(key=ss.answer_key("purpose.product.1")).value is None


def test_long_open_lists_fold_away_in_the_review(open_tiny_round: Round) -> None:
    at = choose_profile(start(open_tiny_round.token))
    click(at, ss.NEXT_KEY)
    click(at, ss.NEXT_KEY)
    labels = [e.label for e in at.expander]
    assert labels == ["Show the 9 open statements", "Show the 9 open statements"]


# -- the routing question ------------------------------------------------------------------------

GATE = "Does your team's work include projects?"


@pytest.fixture
def gated_round(survey_engine: sa.Engine, tiny_bank: Bank) -> Round:
    """The tiny bank with the routing question, and don't know apart from not applicable."""
    data = tiny_bank.model_dump()
    data["project_gate"] = {"text": GATE}
    data["scale"] |= {"dont_know_label": "Don't know", "not_applicable": True}
    return store.open_round(survey_engine, "Gated", TEAMS, bank_from_dict(data), min_group_size=4)


def test_no_projects_skips_project_statements_and_stores_them_not_applicable(
    survey_engine: sa.Engine, gated_round: Round
) -> None:
    at = start(gated_round.token)
    gate = at.radio(key=ss.GATE_KEY)
    assert (gate.label, gate.options, gate.value) == (GATE, ["Yes", "No"], None)
    at.radio(key=ss.TEAM_KEY).set_value("Search")
    at.radio(key=ss.ROLE_KEY).set_value("engineering")
    at.run()
    click(at, ss.START_KEY)
    assert [e.body for e in at.error] == ["Please say whether your team's work includes projects."]
    at.radio(key=ss.GATE_KEY).set_value(False).run()
    assert "Statements about projects will be left out" in texts(at)
    click(at, ss.START_KEY)

    keys = [radio.key for radio in at.radio]
    assert keys == [ss.answer_key(i) for i in ("purpose.product.1", "purpose.product.2",
                    "purpose.product.3", "purpose.clarity.1", "purpose.clarity.2",
                    "purpose.clarity.3")]  # fmt: skip
    options = at.radio(key=keys[0]).options
    assert options[-2:] == ["Don't know", "Not applicable"]
    assert "0 of 12 answered" in at.get("progress")[0].proto.text
    answer(at, {"purpose.product.1": 4, "purpose.clarity.1": DONT_KNOW,
                "purpose.clarity.2": NOT_APPLICABLE})  # fmt: skip
    click(at, ss.NEXT_KEY)
    assert not any("project" in str(radio.key) for radio in at.radio)
    assert "3 of 12 answered" in at.get("progress")[0].proto.text
    click(at, ss.NEXT_KEY)
    assert "9 statements are still open" in " ".join(e.body for e in at.warning)
    click(at, ss.SUBMIT_KEY)

    assert "Thank you!" in texts(at)
    row = store.responses_frame(survey_engine, gated_round.token, kinds=True).iloc[0]
    assert row["works_in_projects"] is not pd.NA and not row["works_in_projects"]
    assert (row["purpose.product.1"], row["purpose.clarity.1"]) == (4, 0)
    assert row["purpose.clarity.2"] == -1 and math.isnan(row["scope.product.1"])
    assert all(row[f"{d}.project.{k}"] == -1 for d in ("purpose", "scope") for k in (1, 2, 3))

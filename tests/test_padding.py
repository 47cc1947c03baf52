"""Nobody can pad a round: a leader cannot mix known answers into a round, nor flood it.

The promise "Smaller groups are never shown" fails if a leader lifts a team of
one over the minimum with answers of their own: the real person's answers are
then the shown counts less the padding. So a round takes answers from its link
or from imports, never both; closed rounds take neither; an anonymous network
may submit only so fast; drafts are bounded, expire, and live under tokens the
server made; and no answer off the scale is ever stored, in a response or a draft.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa
from streamlit.testing.v1 import AppTest

from assessment import policy, store
from assessment import survey as flow
from assessment.bank import Bank
from assessment.errors import AssessmentError, InputError
from assessment.service import limits
from assessment.service.demo import load_demo
from assessment.store import responses as submitting
from assessment.store.rounds import now_utc
from assessment.store.schema import drafts, init_db, make_engine
from assessment.ui import survey_state as ss
from assessment.ui.pages.data import UPLOAD_KEY
from tests.support.app import as_leader
from tests.support.cli import Result

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "streamlit_app.py")
DATA_PAGE = str(ROOT / "assessment" / "ui" / "pages" / "data.py")
TIMEOUT = 30  # generous: the machine is shared; a normal run takes well under a second
TEAMS = ["Checkout", "Search"]


def wide(bank: Bank, n: int = 4, team: str = "Checkout") -> pd.DataFrame:
    values = np.array([[1 + (r + c) % 5 for c in range(len(bank.item_ids))] for r in range(n)])
    frame = pd.DataFrame(values.astype(float), columns=bank.item_ids)
    frame.insert(0, "team", [team] * n)
    frame.insert(1, "role", ["engineering"] * n)
    return frame


def web_answer(engine: sa.Engine, rnd: store.Round, client: str = "client-1", **kw: Any) -> str:
    fields: dict[str, Any] = {
        "team": "Checkout",
        "role": "engineering",
        "answers": {item: 3 for item in rnd.bank.item_ids},
        "comment": None,
        "client_token": client,
    }
    return store.submit_response(engine, rnd.token, **(fields | kw))


@pytest.fixture
def rnd(engine: sa.Engine, tiny_bank: Bank) -> store.Round:
    return store.open_round(engine, "Q3 check-in", TEAMS, tiny_bank)


def texts(at: AppTest) -> str:
    parts = [
        e.value for kind in ("title", "subheader", "markdown", "caption") for e in at.get(kind)
    ]
    parts += [e.body for kind in ("info", "warning", "error", "success") for e in at.get(kind)]
    return "\n".join(str(part) for part in parts)


# -- 1. a round takes answers from its link or from imports, never both -------------------------


def test_import_into_a_round_with_web_answers_is_refused(
    engine: sa.Engine, rnd: store.Round
) -> None:
    web_answer(engine, rnd)  # one real person in Checkout
    with pytest.raises(AssessmentError, match="collects answers through its link"):
        store.import_responses(engine, rnd.token, wide(rnd.bank))  # 4 known answers as padding
    assert store.response_count(engine, rnd.token) == 1


def test_web_answer_into_a_round_with_imports_is_refused(
    engine: sa.Engine, rnd: store.Round
) -> None:
    store.import_responses(engine, rnd.token, wide(rnd.bank))
    with pytest.raises(AssessmentError, match="not collecting answers online"):
        web_answer(engine, rnd)
    assert store.response_count(engine, rnd.token) == 4
    assert not submitting.collects_online(engine, rnd.token)


def test_a_round_keeps_taking_answers_from_its_one_source(
    engine: sa.Engine, rnd: store.Round, tiny_bank: Bank
) -> None:
    assert submitting.collects_online(engine, rnd.token)  # no answers yet: either door is open
    web_answer(engine, rnd, "a")
    web_answer(engine, rnd, "b")
    assert submitting.collects_online(engine, rnd.token)
    imported = store.open_round(engine, "Paper", TEAMS, tiny_bank)
    store.import_responses(engine, imported.token, wide(tiny_bank))
    store.import_responses(engine, imported.token, wide(tiny_bank, team="Search"))
    assert store.response_count(engine, imported.token) == 8


def test_the_demo_still_loads_and_its_rounds_take_no_web_answers(
    sqlite_engine: sa.Engine, default_bank: Bank
) -> None:
    current = load_demo(sqlite_engine, default_bank)
    assert store.response_count(sqlite_engine, current.token) > 0
    with pytest.raises(AssessmentError, match="not collecting answers online"):
        store.submit_response(
            sqlite_engine, current.token, team="Checkout", role="engineering", answers={},
            comment=None, client_token="someone",
        )  # fmt: skip


def test_survey_link_of_an_imported_round_says_it_is_not_collecting_online(
    app_engine: sa.Engine, tiny_bank: Bank
) -> None:
    rnd = store.open_round(app_engine, "Paper forms", TEAMS, tiny_bank)
    store.import_responses(app_engine, rnd.token, wide(tiny_bank))
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.query_params["round"] = rnd.token
    at.run()
    assert not at.exception
    assert "not collecting answers online" in texts(at)
    assert not (at.radio or at.button or at.text_area or at.selectbox)
    assert "resume" not in at.query_params  # no draft is started either


def open_data_page() -> AppTest:
    at = AppTest.from_file(DATA_PAGE, default_timeout=TIMEOUT)
    as_leader(at)
    at.run()
    assert not at.exception, at.exception
    return at


def test_data_page_offers_no_import_into_a_round_collecting_online(
    app_engine: sa.Engine, tiny_bank: Bank
) -> None:
    rnd = store.open_round(app_engine, "Online round", TEAMS, tiny_bank)
    web_answer(app_engine, rnd)
    at = open_data_page()
    assert "collects answers through its link" in texts(at)
    assert not [w for w in at.get("file_uploader") if w.key == UPLOAD_KEY]


# -- 2. closed rounds take no imports ------------------------------------------------------------


def test_data_page_offers_no_import_into_a_closed_round(
    app_engine: sa.Engine, tiny_bank: Bank
) -> None:
    rnd = store.open_round(app_engine, "Closed round", TEAMS, tiny_bank)
    store.close_round(app_engine, rnd.token)
    at = open_data_page()
    assert "closed" in texts(at) and "Reopen" in texts(at)
    assert not [w for w in at.get("file_uploader") if w.key == UPLOAD_KEY]


def test_cli_import_into_a_closed_round_says_why(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, run_cli: Any, tiny_bank: Bank
) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("ASSESSMENT_DATABASE_URL", url)
    engine = make_engine(url)
    init_db(engine)
    rnd = store.open_round(engine, "Closed", TEAMS, tiny_bank)
    store.close_round(engine, rnd.token)
    path = tmp_path / "answers.csv"
    wide(tiny_bank).to_csv(path, index=False)
    result: Result = run_cli("import", str(path), "--round", rnd.token)
    assert result.code != 0
    assert "closed" in result.err and "reopen" in result.err.lower()
    assert store.response_count(engine, rnd.token) == 0
    engine.dispose()


# -- 3. submissions per network ------------------------------------------------------------------


def test_limiter_allows_a_burst_then_says_how_long_to_wait() -> None:
    limiter = limits.RateLimiter(burst=3, refill_seconds=60)
    assert [limiter.take("203.0.113.7", now=100.0) for _ in range(3)] == [0, 0, 0]
    assert limiter.take("203.0.113.7", now=100.0) == pytest.approx(60)
    assert limiter.take("203.0.113.7", now=130.0) == pytest.approx(30)  # refused: spends nothing
    assert limiter.take("198.51.100.1", now=130.0) == 0  # another network has its own allowance
    assert limiter.take("203.0.113.7", now=160.0) == 0  # one answer more per refill period
    assert limiter.take("203.0.113.7", now=160.0) == pytest.approx(60)
    assert limiter.take("203.0.113.7", now=10_000.0) == 0  # refilled, never above the burst
    assert [limiter.take("203.0.113.7", now=10_000.0) for _ in range(3)][-1] > 0


def test_limiter_stays_bounded_in_memory() -> None:
    limiter = limits.RateLimiter(burst=2, refill_seconds=10, max_clients=50)
    for n in range(500):
        limiter.take(f"10.0.{n // 256}.{n % 256}", now=float(n))
    assert len(limiter) <= 50
    limiter.take("10.9.9.9", now=1000.0)
    assert limiter.take("10.9.9.9", now=1000.0) == 0  # a recent client keeps its bucket
    assert limiter.take("10.9.9.9", now=1000.0) > 0


@pytest.mark.parametrize(
    ("address", "session", "key"),
    [
        ("203.0.113.7", "s1", "203.0.113.7"),
        ("2001:db8:1:2:aaaa::1", "s1", "2001:db8:1:2::/64"),  # one household, one allowance
        ("2001:db8:1:2:ffff::9", "s2", "2001:db8:1:2::/64"),
        (None, "s1", "session:s1"),  # AppTest, or a local reverse proxy: per browser session
        ("", "s3", "session:s3"),
        ("::ffff:192.0.2.1", "s1", "192.0.2.1"),
        ("not an address", "s1", "not an address"),
    ],
)
def test_client_key(address: str | None, session: str, key: str) -> None:
    assert limits.client_key(address, session) == key


def test_wait_message_says_minutes() -> None:
    assert limits.too_many_text(30) == (
        "Too many answers from this network in a short time; try again in 1 minute."
    )
    assert "try again in 3 minutes" in limits.too_many_text(150)


def test_policy_numbers_are_sensible() -> None:
    assert policy.SUBMIT_BURST >= policy.COMMENT_MIN_GROUP_SIZE  # a team meeting can answer
    assert 0 < policy.SUBMIT_REFILL_SECONDS <= 120
    assert policy.DRAFT_DAYS >= 7
    assert policy.max_drafts(1) >= policy.MIN_DRAFTS_PER_ROUND
    assert policy.max_drafts(40) == 40 * policy.DRAFTS_PER_TEAM


def _submit_as(token: str) -> None:
    """A survey page that submits one complete draft from the address in the query string."""
    from assessment import store
    from assessment.ui import survey_state as ss
    from assessment.ui.common import engine

    rnd = store.get_round(engine(), token)
    state = ss.current(rnd)
    state.draft = state.draft.with_profile(team="Search", role="other")
    ss.submit(state, rnd)
    for problem in state.problems:
        import streamlit as st

        st.error(problem)


def test_survey_submissions_are_limited_per_network(
    app_engine: sa.Engine, tiny_bank: Bank, monkeypatch: pytest.MonkeyPatch
) -> None:
    rnd = store.open_round(app_engine, "Q3", TEAMS, tiny_bank)
    monkeypatch.setattr(limits, "SUBMISSIONS", limits.RateLimiter(burst=2, refill_seconds=600))
    monkeypatch.setattr(limits, "clock", lambda: 5000.0)
    monkeypatch.setattr(ss, "client_address", lambda: "203.0.113.7")
    outcomes = []
    for _ in range(3):
        at = AppTest.from_function(_submit_as, args=(rnd.token,))
        at.query_params["round"] = rnd.token
        at.run(timeout=TIMEOUT)
        assert not at.exception
        outcomes.append([e.body for e in at.error])
    assert outcomes[:2] == [[], []]
    assert outcomes[2] == [
        "Too many answers from this network in a short time; try again in 10 minutes."
    ]
    assert store.response_count(app_engine, rnd.token) == 2


# -- 4. drafts: capped, expiring, under server-made tokens ---------------------------------------


def test_drafts_per_round_are_capped(
    sqlite_engine: sa.Engine, tiny_bank: Bank, monkeypatch: pytest.MonkeyPatch
) -> None:
    rnd = store.open_round(sqlite_engine, "Q3", TEAMS, tiny_bank)
    monkeypatch.setattr(policy, "MIN_DRAFTS_PER_ROUND", 3)
    monkeypatch.setattr(policy, "DRAFTS_PER_TEAM", 1)
    for n in range(3):
        store.save_draft(sqlite_engine, rnd.token, f"resume-{n}", {"step": 1})
    with pytest.raises(AssessmentError, match="could not be saved for later"):
        store.save_draft(sqlite_engine, rnd.token, "resume-new", {"step": 1})
    store.save_draft(sqlite_engine, rnd.token, "resume-0", {"step": 2})  # existing ones update
    assert store.load_draft(sqlite_engine, rnd.token, "resume-0") == {"step": 2}
    other = store.open_round(sqlite_engine, "Other", TEAMS, tiny_bank)
    store.save_draft(sqlite_engine, other.token, "resume-new", {"step": 1})  # per round


def test_expired_drafts_are_never_loaded_and_deleted_at_the_next_write(
    sqlite_engine: sa.Engine, tiny_bank: Bank
) -> None:
    rnd = store.open_round(sqlite_engine, "Q3", TEAMS, tiny_bank)
    now = now_utc()
    old = now - timedelta(days=policy.DRAFT_DAYS, seconds=1)
    store.save_draft(sqlite_engine, rnd.token, "old-draft", {"step": 1}, now=old)
    store.save_draft(sqlite_engine, rnd.token, "fresh-draft", {"step": 1}, now=now)
    assert store.load_draft(sqlite_engine, rnd.token, "old-draft", now=now) is None
    assert store.load_draft(sqlite_engine, rnd.token, "fresh-draft", now=now) == {"step": 1}
    with sqlite_engine.connect() as conn:
        kept = conn.execute(sa.select(drafts.c.resume_token)).scalars().all()
    assert kept == ["fresh-draft"]


def start_survey(token: str, resume: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.query_params["round"] = token
    if resume is not None:
        at.query_params["resume"] = resume
    at.run()
    assert not at.exception
    return at


def test_a_resume_token_the_server_did_not_make_starts_a_new_survey(
    app_engine: sa.Engine, tiny_bank: Bank
) -> None:
    rnd = store.open_round(app_engine, "Q3", TEAMS, tiny_bank)
    chosen = "a" * 16
    at = start_survey(rnd.token, resume=chosen)
    issued = at.query_params["resume"]
    assert issued != chosen and flow.is_resume_token(issued)
    at.radio(key=ss.TEAM_KEY).set_value("Search").run()
    assert store.load_draft(app_engine, rnd.token, chosen) is None
    assert store.load_draft(app_engine, rnd.token, issued) is not None
    again = start_survey(rnd.token, resume=issued)  # a token the server made resumes
    assert again.query_params["resume"] == issued
    assert again.radio(key=ss.TEAM_KEY).value == "Search"


# -- 5. no answer off the scale is stored ---------------------------------------------------------


@pytest.mark.parametrize(
    ("draft", "message"),
    [
        ({"answers": {"purpose.product.1": 99}}, "not an answer on this survey's scale"),
        ({"answers": {"purpose.product.1": "x"}}, "not an answer on this survey's scale"),
        ({"answers": {"purpose.product.1": True}}, "not an answer on this survey's scale"),
        ({"answers": {"purpose.product.1": 2.0}}, "not an answer on this survey's scale"),
        ({"answers": {"no.such.item": 3}}, "not a statement of this survey"),
        ({"answers": ["purpose.product.1"]}, "answers: must map"),
        ({"team": "Finance"}, "not one of this round's teams"),
        ({"role": "ceo"}, "not one of this survey's roles"),
        ({"role": ["engineering"]}, "not one of this survey's roles"),
        ({"step": -1}, "step"),
        ({"comment": 5}, "comment: must be text"),
        ({"anything": "else"}, "unknown field 'anything'"),
    ],
)
def test_save_draft_refuses_what_the_survey_never_writes(
    sqlite_engine: sa.Engine, tiny_bank: Bank, draft: dict[str, Any], message: str
) -> None:
    rnd = store.open_round(sqlite_engine, "Q3", TEAMS, tiny_bank)
    with pytest.raises(InputError, match=message):
        store.save_draft(sqlite_engine, rnd.token, "resume-1", draft)
    assert store.load_draft(sqlite_engine, rnd.token, "resume-1") is None


def test_save_draft_keeps_what_the_survey_writes(sqlite_engine: sa.Engine, tiny_bank: Bank) -> None:
    rnd = store.open_round(sqlite_engine, "Q3", TEAMS, tiny_bank)
    draft = (
        flow.SurveyDraft()
        .with_profile(team="Search", role="design")
        .with_answer("purpose.product.1", 5)
        .with_answer("purpose.product.2", flow.DONT_KNOW)
        .with_comment("Fine.")
        .at_step(1, tiny_bank)
    )
    data = draft.model_dump(mode="json")
    store.save_draft(sqlite_engine, rnd.token, "resume-1", data)
    assert store.load_draft(sqlite_engine, rnd.token, "resume-1") == data


def test_restore_draft_drops_values_off_the_scale_instead_of_coercing(tiny_bank: Bank) -> None:
    saved = {
        "answers": {
            "purpose.product.1": True,  # would read as 1, "strongly disagree"
            "purpose.product.2": "3",
            "purpose.product.3": 4.0,
            "purpose.project.1": 99,
            "purpose.project.2": "x",
            "purpose.project.3": 2,
            "purpose.clarity.1": flow.DONT_KNOW,
        }
    }
    restored = flow.restore_draft(saved, tiny_bank, TEAMS)
    assert restored.answers == {"purpose.project.3": 2, "purpose.clarity.1": flow.DONT_KNOW}
    no_dont_know = tiny_bank.model_copy(
        update={"scale": tiny_bank.scale.model_copy(update={"dont_know": False})}
    )
    assert flow.restore_draft(saved, no_dont_know, TEAMS).answers == {"purpose.project.3": 2}


def test_submit_refuses_dont_know_when_the_scale_has_none(
    sqlite_engine: sa.Engine, tiny_bank: Bank
) -> None:
    bank = tiny_bank.model_copy(
        update={"scale": tiny_bank.scale.model_copy(update={"dont_know": False})}
    )
    rnd = store.open_round(sqlite_engine, "No don't know", TEAMS, bank)
    with pytest.raises(InputError, match=r"'purpose\.product\.1': None is not a whole number"):
        web_answer(sqlite_engine, rnd, answers={"purpose.product.1": None})
    assert store.response_count(sqlite_engine, rnd.token) == 0

"""The Rounds page and the leader's way into the survey, through AppTest.

Share links from the browser's address, the warning for a loopback address,
expected headcounts and response rates under the privacy decision, closing
that asks first, a survey preview that stores nothing, and a leader at the
app's address without a round link.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa
import streamlit as st
from streamlit.testing.v1 import AppTest

from assessment import store
from assessment import survey as flow
from assessment.bank import Bank
from assessment.store.rounds import open_drafts, team_headcounts_of
from assessment.store.schema import drafts
from assessment.ui import survey_state as ss
from assessment.ui.common import md_text
from assessment.ui.leader import ROUND_NAME_KEY, ROUND_TEAMS_KEY

ROOT = Path(__file__).resolve().parents[1]
ROUNDS = "assessment/ui/pages/rounds.py"
SURVEY = "assessment/ui/pages/survey.py"
TIMEOUT = 60  # the machine is shared; a run takes well under a second


@pytest.fixture
def as_leader(monkeypatch: pytest.MonkeyPatch) -> None:
    """This browser counts as a signed-in leader (how it signs in is tested elsewhere)."""
    for module in ("assessment.ui.leader", "assessment.ui.app"):
        monkeypatch.setattr(f"{module}.is_leader", lambda: True)


def leader_at(page: str, url: str | None = None, **params: str) -> AppTest:
    """A signed-in leader (with `as_leader`) on `page` run on its own, the browser at `url`."""
    at = AppTest.from_file(str(ROOT / page), default_timeout=TIMEOUT)
    if url is not None:
        at.context = {"url": url}
    for name, value in params.items():
        at.query_params[name] = value
    at.run()
    assert not at.exception, at.exception
    return at


def texts(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    parts += [w.body for w in at.warning] + [i.body for i in at.info] + [s.body for s in at.success]
    return "\n".join(parts)


def respondents(bank: Bank, team: str, count: int) -> pd.DataFrame:
    frame = pd.DataFrame([dict.fromkeys(bank.item_ids, 4.0)] * count)
    frame.insert(0, "role", "engineering")
    frame.insert(0, "team", team)
    frame["comment"] = ""
    return frame


@pytest.fixture
def counted_round(app_engine: sa.Engine, tiny_bank: Bank) -> store.Round:
    """Alpha 6 of 8 expected, Beta 5 of 7, Gamma 1 of 5; minimum 3.

    Gamma is too small, and Beta is hidden to protect it: only Alpha's count,
    the round's total (12 of 20) and their rates may show.
    """
    rnd = store.open_round(
        app_engine, "Counted", ["Alpha", "Beta", "Gamma"], tiny_bank, 3,
        {"Alpha": 8, "Beta": 7, "Gamma": 5},
    )  # fmt: skip
    frame = pd.concat([respondents(tiny_bank, t, n) for t, n in (("Alpha", 6), ("Beta", 5),
                                                                 ("Gamma", 1))])  # fmt: skip
    store.import_responses(app_engine, rnd.token, frame.reset_index(drop=True))
    return rnd


# -- share links ---------------------------------------------------------------------------------


def test_links_start_from_the_setting_else_from_the_browser_address(
    counted_round: store.Round, monkeypatch: pytest.MonkeyPatch, as_leader: None
) -> None:
    monkeypatch.delenv("ASSESSMENT_BASE_URL", raising=False)
    token = counted_round.token
    at = leader_at(ROUNDS, "https://radar.example.org/team-tools/rounds")
    (code,) = at.code
    assert code.value == f"https://radar.example.org/team-tools/?round={token}"
    assert not at.warning  # others can open that address: nothing to warn about

    at.context = {"url": "http://127.0.0.1:8765/rounds"}
    at.run()
    assert at.code[0].value == f"http://127.0.0.1:8765/?round={token}"
    (warning,) = at.warning
    assert "People on other machines cannot open these links" in warning.body
    assert "ASSESSMENT\\_BASE\\_URL" in warning.body and "network name" in warning.body

    monkeypatch.setenv("ASSESSMENT_BASE_URL", "https://survey.example.org")
    st.cache_resource.clear()  # settings are read once per process
    at.context = {"url": "http://localhost:8501/rounds"}
    at.run()
    assert at.code[0].value == f"https://survey.example.org/?round={token}"
    assert not at.warning


# -- headcounts and rates ------------------------------------------------------------------------


def test_opening_a_round_with_headcounts_stores_them(
    app_engine: sa.Engine, as_leader: None
) -> None:
    at = leader_at(ROUNDS, "http://radar.example.org/rounds")
    at.text_input(key=ROUND_NAME_KEY).input("Q4")
    at.text_area(key=ROUND_TEAMS_KEY).input("Platform = 0\nPayments")
    at.button(key="open_round").click().run()
    assert store.list_rounds(app_engine) == []
    assert "expected headcount of 'Platform'" in "\n".join(e.body for e in at.error)

    at.text_area(key=ROUND_TEAMS_KEY).input("Platform = 12\nPayments\nMobile app=4")
    at.button(key="open_round").click().run()
    assert not at.exception
    (rnd,) = store.list_rounds(app_engine)
    assert rnd.teams == ("Platform", "Payments", "Mobile app")
    assert team_headcounts_of(app_engine, rnd.token) == {"Platform": 12, "Mobile app": 4}
    # No one has answered: every team reads "fewer than 5", with the leader's own number.
    assert "Platform: **fewer than 5 responses (12 expected)**" in texts(at)


def test_rates_show_only_where_counts_do(counted_round: store.Round, as_leader: None) -> None:
    at = leader_at(ROUNDS, "http://radar.example.org/rounds")
    line = next(m.value for m in at.markdown if "Alpha" in m.value)
    assert line.startswith("**12 responses of 20 expected (60%)**")
    assert "Alpha: **6 of 8 expected (75%)**" in line
    assert "Gamma: **fewer than 3 responses (5 expected)**" in line
    assert "Beta: **hidden so that a smaller group cannot be worked out (7 expected)**" in line
    for leak in ("5 of 7", "71%", "1 of 5", "20%"):  # Beta's and Gamma's counts and rates
        assert leak not in texts(at)


# -- closing asks first --------------------------------------------------------------------------


def test_closing_asks_and_counts_unsent_surveys(
    counted_round: store.Round, app_engine: sa.Engine, as_leader: None
) -> None:
    token = counted_round.token
    store.save_draft(app_engine, token, flow.new_resume_token(), flow.SurveyDraft().model_dump())
    at = leader_at(ROUNDS, "http://radar.example.org/rounds")
    at.button(key=f"close_{token}").click().run()
    assert "1 survey is started and not yet submitted" in texts(at)
    at.button(key=f"keep_open_{token}").click().run()
    assert store.get_round(app_engine, token).is_open
    assert "started and not yet submitted" not in texts(at)
    at.button(key=f"close_{token}").click().run()
    at.button(key=f"close_now_{token}").click().run()
    assert not store.get_round(app_engine, token).is_open
    assert "is closed" in texts(at)


# -- the survey preview and the leader's front door ----------------------------------------------


def test_a_preview_stores_nothing(
    counted_round: store.Round, app_engine: sa.Engine, as_leader: None
) -> None:
    at = leader_at(SURVEY, round=counted_round.token, preview="1")
    assert "Nothing you choose here is stored" in texts(at)
    at.radio(key=ss.TEAM_KEY).set_value("Alpha").run()
    at.radio(key=ss.ROLE_KEY).set_value("engineering").run()
    at.button(key=ss.START_KEY).click().run()
    assert not at.exception
    assert at.header[0].value == md_text(counted_round.bank.dimensions[0].name)
    assert ss.RESUME_PARAM not in at.query_params
    with app_engine.connect() as conn:
        assert conn.scalar(sa.select(sa.func.count()).select_from(drafts)) == 0
    assert open_drafts(app_engine, counted_round.token) == 0


def test_a_preview_link_without_leader_access_offers_sign_in(counted_round: store.Round) -> None:
    at = leader_at(SURVEY, round=counted_round.token, preview="1")  # without `as_leader`
    assert "Previews are for signed-in leaders" in texts(at)
    assert not at.radio  # no survey to fill in


def test_a_leader_at_the_front_door_is_told_where_to_go(
    app_engine: sa.Engine, as_leader: None
) -> None:
    shown = texts(leader_at(SURVEY))
    assert "You are signed in as a leader" in shown
    assert "how product and project work are split" in shown

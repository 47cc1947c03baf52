"""Leader pages through AppTest: the gate, sign-in and back-off, sign-out, the rounds page."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
import streamlit as st
from streamlit.testing.v1 import AppTest

from assessment import store
from assessment.bank import Bank
from assessment.service import auth
from assessment.ui.leader import (
    LEADER_KEY,
    PASSCODE_KEY,
    ROUND_BANK_KEY,
    ROUND_NAME_KEY,
    ROUND_SIZE_KEY,
    ROUND_TEAMS_KEY,
)
from tests.support.app import APP_PASSWORD

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "streamlit_app.py")
PASSWORD = APP_PASSWORD
SECRET_ROUND = "Zebra quarter check-in"  # a name that appears nowhere else on any page
TIMEOUT = 30  # generous: the machine is shared; a normal run takes well under a second
LEADER_PAGES = [
    "assessment/ui/pages/rounds.py",
    "assessment/ui/pages/results.py",
    "assessment/ui/pages/data.py",
]


@pytest.fixture
def round_with_answers(app_engine: sa.Engine, tiny_bank: Bank) -> store.Round:
    """A round whose name and answers must never reach a signed-out session."""
    rnd = store.open_round(app_engine, SECRET_ROUND, ["Platform", "Payments"], tiny_bank, 3)
    for number in range(6):
        answers = {item: 1 + (number + i) % 5 for i, item in enumerate(tiny_bank.item_ids)}
        store.submit_response(
            app_engine,
            rnd.token,
            team="Platform",
            role="engineering",
            answers=answers,
            comment="",
            client_token=f"client-{number}",
        )
    return rnd


def start(page: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.run()
    assert not at.exception
    if page is not None:
        at.switch_page(page).run()
        assert not at.exception
    return at


def texts(at: AppTest) -> str:
    """Everything the page says, for asserting on what a visitor can read."""
    parts = [e.value for kind in ("title", "header", "subheader", "markdown", "caption", "code")
             for e in at.get(kind)]  # fmt: skip
    parts += [e.body for kind in ("info", "warning", "error", "success") for e in at.get(kind)]
    parts += [e.label for kind in ("expander",) for e in at.get(kind)]
    return "\n".join(str(part) for part in parts)


def sign_in(at: AppTest, passcode: str = PASSWORD) -> AppTest:
    at.text_input(key=PASSCODE_KEY).input(passcode)
    at.button(key="sign_in_submit").click().run()
    assert not at.exception
    return at


def signed_in(at: AppTest) -> bool:
    return LEADER_KEY in at.session_state and at.session_state[LEADER_KEY] is True


def assert_no_leader_data(at: AppTest) -> None:
    shown = texts(at)
    assert SECRET_ROUND not in shown
    for kind in ("dataframe", "table", "plotly_chart", "download_button", "code", "metric"):
        assert not at.get(kind), f"a signed-out session sees a {kind}"


# -- the gate ------------------------------------------------------------------------------------


@pytest.mark.parametrize("page", LEADER_PAGES)
def test_leader_page_without_credential_shows_no_leader_data(
    round_with_answers: store.Round, page: str
) -> None:
    at = AppTest.from_file(str(ROOT / page), default_timeout=TIMEOUT).run()
    assert not at.exception
    assert "for leaders" in texts(at)
    assert_no_leader_data(at)


@pytest.mark.parametrize("page", LEADER_PAGES)
def test_leader_page_in_app_without_credential_shows_no_leader_data(
    round_with_answers: store.Round, page: str
) -> None:
    at = start()
    at.switch_page(page).run()  # registered but hidden: a bookmarked URL meets the gate
    assert not at.exception
    assert "for leaders" in texts(at)
    assert_no_leader_data(at)


@pytest.mark.parametrize("page", LEADER_PAGES)
def test_leader_page_with_credential_opens(round_with_answers: store.Round, page: str) -> None:
    at = sign_in(start("assessment/ui/pages/sign_in.py"))
    at.switch_page(page).run()
    assert not at.exception
    shown = texts(at)
    assert "for leaders" not in shown
    options = [str(option) for box in at.selectbox for option in box.options]
    assert SECRET_ROUND in shown or any(SECRET_ROUND in option for option in options)


def test_survey_page_never_shows_leader_data(round_with_answers: store.Round) -> None:
    at = start()
    assert_no_leader_data(at)
    at.query_params["round"] = round_with_answers.token
    at.run()
    assert not at.exception
    assert not at.get("dataframe") and not at.get("plotly_chart") and not at.get("download_button")


# -- signing in ----------------------------------------------------------------------------------


def test_sign_in_with_passcode_shows_signed_in_and_leader_navigation(app_engine: sa.Engine) -> None:
    at = sign_in(start("assessment/ui/pages/sign_in.py"))
    assert signed_in(at)
    assert "Signed in" in texts(at)
    assert at.button(key="sign_out")
    assert at.session_state[PASSCODE_KEY] == ""  # the typed passcode is not kept


def test_sign_in_wrong_passcode_refused(app_engine: sa.Engine) -> None:
    at = sign_in(start("assessment/ui/pages/sign_in.py"), "not it")
    assert not signed_in(at)
    assert "not right" in texts(at)
    at.switch_page("assessment/ui/pages/rounds.py").run()
    assert "for leaders" in texts(at)
    assert_no_leader_data(at)


def test_wrong_passcodes_slow_down_then_allow_after_the_wait(
    app_engine: sa.Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = [1000.0]
    monkeypatch.setattr(auth, "clock", lambda: now[0])
    at = start("assessment/ui/pages/sign_in.py")
    sign_in(at, "wrong 1")
    assert "Too many attempts" not in texts(at)  # a first typo costs nothing
    sign_in(at, "wrong 2")
    assert "Too many attempts; try again in 2 s" in texts(at)
    sign_in(at, PASSWORD)  # even the right passcode waits its turn
    assert "Too many attempts; try again in 2 s" in texts(at)
    assert not signed_in(at)
    now[0] += 2
    sign_in(at, "wrong 3")
    assert "Too many attempts; try again in 4 s" in texts(at)
    now[0] += 4
    sign_in(at, PASSWORD)
    assert signed_in(at)


def test_sign_in_with_malformed_password_hash_explains(
    app_engine: sa.Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ASSESSMENT_LEADER_PASSWORD", "scrypt$not-a-hash")
    st.cache_resource.clear()
    at = sign_in(start("assessment/ui/pages/sign_in.py"), "anything")
    assert "misconfigured" in texts(at) and "hash-passcode" in texts(at)
    assert not signed_in(at)


def test_sign_out_clears_access(round_with_answers: store.Round) -> None:
    at = sign_in(start("assessment/ui/pages/sign_in.py"))
    at.button(key="sign_out").click().run()
    assert not at.exception
    assert at.session_state[LEADER_KEY] is False
    assert at.text_input(key=PASSCODE_KEY).value == ""  # the form is back, empty
    at.switch_page("assessment/ui/pages/rounds.py").run()
    assert "for leaders" in texts(at)
    assert_no_leader_data(at)


def test_first_start_passcode_printed_once_and_signs_in(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ASSESSMENT_DATABASE_URL", f"sqlite:///{tmp_path / 'first.db'}")
    monkeypatch.delenv("ASSESSMENT_LEADER_PASSWORD", raising=False)
    st.cache_resource.clear()
    try:
        at = start("assessment/ui/pages/sign_in.py")
        start()  # a second session of the same process prints nothing new
        printed = capsys.readouterr().out
        assert printed.count("Role Radar leader passcode:") == 1
        passcode = printed.split("Role Radar leader passcode:")[1].split()[0]
        sign_in(at, passcode)
        assert signed_in(at)
        st.cache_resource.clear()  # a restart: the passcode exists, so no new one is printed
        start()
        again = capsys.readouterr().out
        assert "leader passcode:" not in again and "reset-passcode" in again
    finally:
        st.cache_resource.clear()


# -- single sign-on ------------------------------------------------------------------------------


OIDC_SECRETS = {
    "redirect_uri": "http://localhost:8501/oauth2callback",
    "cookie_secret": "not a real secret",
    "client_id": "id",
    "client_secret": "secret",
    "server_metadata_url": "https://example.org/.well-known/openid-configuration",
}


@pytest.mark.parametrize(
    ("email", "is_leader"), [("ana@example.org", True), ("eve@example.org", False)]
)
def test_single_sign_on_allows_only_listed_emails(
    app_engine: sa.Engine, monkeypatch: pytest.MonkeyPatch, email: str, is_leader: bool
) -> None:
    monkeypatch.setenv("ASSESSMENT_LEADER_EMAILS", "Ana@example.org")
    st.cache_resource.clear()
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.secrets["auth"] = OIDC_SECRETS
    at.user = {"is_logged_in": True, "email": email}
    at.run()
    at.switch_page("assessment/ui/pages/sign_in.py").run()
    assert not at.exception
    shown = texts(at)
    if is_leader:
        assert f"Signed in as {email}" in shown
        at.button(key="sign_out").click().run()  # signs out of single sign-on too
        assert not at.exception
        assert not at.user.get("is_logged_in")
        assert "Signed in" not in texts(at)
    else:
        assert "not on the leader list" in shown
        assert at.text_input(key=PASSCODE_KEY)


# -- the rounds page -----------------------------------------------------------------------------


def leader_on(page: str) -> AppTest:
    at = sign_in(start("assessment/ui/pages/sign_in.py"))
    at.switch_page(page).run()
    assert not at.exception
    return at


def test_rounds_page_opens_a_round_and_shows_its_link(app_engine: sa.Engine) -> None:
    at = leader_on("assessment/ui/pages/rounds.py")
    assert at.number_input(key=ROUND_SIZE_KEY).value == 5  # the default bank's minimum group size
    at.text_input(key=ROUND_NAME_KEY).input("Q4 check-in")
    at.text_area(key=ROUND_TEAMS_KEY).input("Platform\n\nPayments \n")
    at.number_input(key=ROUND_SIZE_KEY).set_value(6)
    at.button(key="open_round").click().run()
    assert not at.exception
    (rnd,) = store.list_rounds(app_engine)
    assert (rnd.name, rnd.teams, rnd.min_group_size) == ("Q4 check-in", ("Platform", "Payments"), 6)
    assert any(rnd.token in code.value for code in at.code)
    assert "is open" in texts(at)
    assert at.text_input(key=ROUND_NAME_KEY).value == ""  # ready for the next round


def test_rounds_page_bad_input_explains_and_changes_nothing(app_engine: sa.Engine) -> None:
    at = leader_on("assessment/ui/pages/rounds.py")
    at.text_input(key=ROUND_NAME_KEY).input("   ")
    at.text_area(key=ROUND_TEAMS_KEY).input("Platform\nplatform")
    at.button(key="open_round").click().run()
    assert not at.exception
    assert store.list_rounds(app_engine) == []
    message = "\n".join(e.body for e in at.error)
    assert "round name" in message and "listed twice" in message
    assert at.text_area(key=ROUND_TEAMS_KEY).value == "Platform\nplatform"  # nothing to retype


def test_rounds_page_lists_counts_and_closes_and_reopens(round_with_answers: store.Round) -> None:
    token = round_with_answers.token
    at = leader_on("assessment/ui/pages/rounds.py")
    shown = texts(at)
    assert SECRET_ROUND in shown and "6 responses" in shown
    # Payments has no response yet: it reads like any team under the minimum, never "0".
    assert "Payments **fewer than" in shown and "Payments **0**" not in shown
    at.button(key=f"close_{token}").click().run()
    assert not at.exception
    assert "is closed" in texts(at)
    at.button(key=f"reopen_{token}").click().run()
    assert "open again" in texts(at)


def test_rounds_page_lists_broken_banks_with_their_problems(
    app_engine: sa.Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "questions"
    folder.mkdir()
    (folder / "good.yaml").write_text(
        (ROOT / "tests" / "data" / "tiny_bank.yaml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    (folder / "broken.yaml").write_text("id: x\nversion: one\n", encoding="utf-8")
    monkeypatch.setattr("assessment.service.setup.BANK_FOLDER", folder)
    at = leader_on("assessment/ui/pages/rounds.py")
    assert at.selectbox(key=ROUND_BANK_KEY).options == [at.selectbox(key=ROUND_BANK_KEY).options[0]]
    assert "1 bank file cannot be used" in texts(at)
    assert "broken.yaml" in texts(at)


def test_rounds_page_without_rounds_offers_the_demo(app_engine: sa.Engine) -> None:
    at = leader_on("assessment/ui/pages/rounds.py")
    at.button(key="load_demo").click().run()
    assert not at.exception
    assert len(store.list_rounds(app_engine)) == 2
    assert "Demo loaded" in texts(at)
    assert not [b for b in at.button if b.key == "load_demo"]

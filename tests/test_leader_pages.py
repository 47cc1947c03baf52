"""Leader pages through AppTest: the gate, sign-in and back-off, sign-out, the rounds page."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import sqlalchemy as sa
import streamlit as st
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import Expander, Tab

from assessment import store
from assessment.bank import Bank
from assessment.service import auth
from assessment.ui.common import md_text
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
    assert SECRET_ROUND not in shown and md_text(SECRET_ROUND) not in shown  # raw or escaped
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
    # Markdown shows names escaped (`md_text`); a selectbox shows its options as typed.
    assert md_text(SECRET_ROUND) in shown or any(SECRET_ROUND in option for option in options)


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
        assert f"Signed in as {md_text(email)}" in shown
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
    assert md_text(SECRET_ROUND) in shown and "6 responses" in shown
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
    assert md_text("broken.yaml") in texts(at)  # a file name is shown as typed


def test_rounds_page_without_rounds_offers_the_demo(app_engine: sa.Engine) -> None:
    at = leader_on("assessment/ui/pages/rounds.py")
    at.button(key="load_demo").click().run()
    assert not at.exception
    assert len(store.list_rounds(app_engine)) == 2
    assert "Demo loaded" in texts(at)
    assert not [b for b in at.button if b.key == "load_demo"]


# -- plain text: what people typed never renders as Markdown ------------------------------------

PIXEL = "![x](http://127.0.0.1:9/pixel.png)"
LINK = "[click](http://127.0.0.1:9/)"
FOREIGN = "http://127.0.0.1:9"  # unescaped, this would be an image fetched or a link to click


def _block_labels(block: Any) -> list[str]:
    """Labels of expanders, popovers and tabs: Streamlit renders them as Markdown."""
    labels = []
    for node in getattr(block, "children", {}).values():
        if isinstance(node, Expander | Tab):
            labels.append(node.label)
        proto = getattr(node, "proto", None)
        if type(proto).__name__ == "Block" and proto.WhichOneof("type") == "popover":
            labels.append(proto.popover.label)
        labels += _block_labels(node)
    return labels


def markdown_strings(at: AppTest) -> list[str]:
    """Every string on the page that Streamlit renders as Markdown (not selectbox options,
    code, plain text or st.dataframe, which it shows as typed)."""
    out = [str(e.value) for kind in ("title", "header", "subheader", "markdown", "caption")
           for e in at.get(kind)]  # fmt: skip
    out += [e.body for kind in ("info", "warning", "error", "success") for e in at.get(kind)]
    widgets = ("button", "download_button", "radio", "selectbox", "multiselect", "text_input",
               "text_area", "file_uploader", "number_input", "button_group")  # fmt: skip
    out += [e.proto.label for kind in widgets for e in at.get(kind)]
    out += [str(option) for e in at.get("radio") for option in e.options]
    out += [option for e in at.get("button_group") for option in e.options]
    out += [e.proto.text for e in at.get("progress")]
    out += [caption for e in at.get("image") for caption in e.captions]
    for table in at.get("table"):
        frame = table.value
        out += [str(c) for c in frame.columns] + [str(v) for v in frame.to_numpy().ravel()]
    return out + _block_labels(at._tree)


def assert_plain(at: AppTest, *needles: str) -> None:
    """Nothing unescaped reaches Markdown, and each needle is shown, escaped as typed."""
    strings = markdown_strings(at)
    leaks = [s for s in strings if FOREIGN in s or "](" in s]
    assert not leaks, f"rendered as Markdown: {leaks}"
    for needle in needles:
        assert any(md_text(needle) in s for s in strings), f"{needle!r} is not shown"


@pytest.fixture
def hostile_round(app_engine: sa.Engine, tiny_bank: Bank) -> store.Round:
    """Teams and a round named to fetch a pixel and show a link, with answers and comments."""
    rnd = store.open_round(app_engine, f"Q3 {PIXEL}", [PIXEL, LINK, "R&D #1"], tiny_bank, 3)
    rows = []
    for number in range(12):
        row: dict[str, Any] = {"team": [PIXEL, LINK][number % 2], "role": "engineering"}
        row |= {item: 1 + (number + i) % 5 for i, item in enumerate(tiny_bank.item_ids)}
        row["comment"] = f"See {PIXEL} and {LINK}" if number == 0 else ""
        rows.append(row)
    store.import_responses(app_engine, rnd.token, pd.DataFrame(rows))
    return rnd


def test_rounds_page_shows_names_as_typed(hostile_round: store.Round) -> None:
    at = leader_on("assessment/ui/pages/rounds.py")
    assert_plain(at, PIXEL, LINK, "R&D #1", hostile_round.name)
    at.button(key=f"close_{hostile_round.token}").click().run()
    assert_plain(at, hostile_round.name)  # the notice names the round too


def test_rounds_page_refusal_shows_what_was_typed_as_typed(app_engine: sa.Engine) -> None:
    at = leader_on("assessment/ui/pages/rounds.py")
    at.text_input(key=ROUND_NAME_KEY).input(f"Q4 {LINK}")
    at.text_area(key=ROUND_TEAMS_KEY).input(f"{PIXEL}\n{PIXEL.upper()}")
    at.button(key="open_round").click().run()
    assert not at.exception
    assert "listed twice" in "\n".join(e.body for e in at.error)
    assert_plain(at)


def test_results_page_shows_names_and_comments_as_typed(hostile_round: store.Round) -> None:
    at = leader_on("assessment/ui/pages/results.py")
    assert "Comments (1)" in "\n".join(_block_labels(at._tree))
    assert_plain(at, PIXEL, LINK, f"See {PIXEL} and {LINK}")  # headlines, findings, tables


def test_import_preview_shows_cells_and_headers_as_typed(hostile_round: store.Round) -> None:
    at = leader_on("assessment/ui/pages/data.py")
    bank_items = hostile_round.bank.item_ids
    header = ["team", "role", *bank_items, f"Notes {LINK}"]
    cells = [PIXEL, "engineering", PIXEL, *["3"] * (len(bank_items) - 1), LINK]
    csv = ",".join(header) + "\n" + ",".join(cells) + "\n"
    at.file_uploader(key="data_upload").upload(f"{PIXEL}.csv", csv.encode(), "text/csv").run()
    assert not at.exception
    assert "Nothing can be imported yet" in texts(at)
    assert_plain(at, PIXEL)


def test_survey_page_shows_names_and_bank_texts_as_typed(
    app_engine: sa.Engine, tiny_bank: Bank
) -> None:
    """A respondent's browser must not fetch what a round's or a bank's author put in it."""
    first, *rest = tiny_bank.items
    roles = [
        tiny_bank.roles[0].model_copy(update={"name": f"Engineer {LINK}"}),
        *tiny_bank.roles[1:],
    ]
    bank = tiny_bank.model_copy(
        update={
            "title": f"Survey {PIXEL}",
            "description": f"About {LINK}",
            "items": [first.model_copy(update={"text": f"Statement {PIXEL}"}), *rest],
            "dimensions": [
                tiny_bank.dimensions[0].model_copy(update={"name": f"Purpose {LINK}"}),
                *tiny_bank.dimensions[1:],
            ],
            "roles": roles,
        }
    )
    rnd = store.open_round(app_engine, f"Survey {LINK}", [PIXEL, LINK], bank, 3)
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.query_params["round"] = rnd.token
    at.run()
    assert not at.exception
    assert_plain(at, PIXEL, LINK, rnd.name, bank.title, bank.description, f"Engineer {LINK}")
    at.radio(key="survey_team").set_value(PIXEL)
    at.radio(key="survey_role").set_value(roles[0].id)
    at.run()
    at.button(key="survey_start").click().run()
    assert not at.exception
    assert_plain(at, f"Statement {PIXEL}", f"Purpose {LINK}")
    at.button(key="survey_next").click().run()
    at.button(key="survey_next").click().run()  # the review lists the open statements
    assert_plain(at, f"Statement {PIXEL}", f"Purpose {LINK}")
    assert store.load_draft(app_engine, rnd.token, at.query_params["resume"])["team"] == PIXEL

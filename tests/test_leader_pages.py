"""Leader pages: the gate (AppTest), the sign-in routes (Starlette's TestClient), sign-out.

AppTest sends no cookies, so a test presents the leader cookie through session state
(`tests.support.app.as_leader`); the pages check it against the database like any other.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import sqlalchemy as sa
import streamlit as st
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.testclient import TestClient
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import Expander, Tab

from assessment import store
from assessment.bank import Bank
from assessment.service import auth, demo, limits
from assessment.settings import load_settings
from assessment.store import sessions
from assessment.store.schema import leader_sessions
from assessment.ui import server
from assessment.ui.common import md_text
from assessment.ui.leader import (
    ROUND_BANK_KEY,
    ROUND_NAME_KEY,
    ROUND_SIZE_KEY,
    ROUND_TEAMS_KEY,
    sign_in_problem_text,
)
from assessment.ui.pages.sign_in import PASSCODE_FIELD
from tests.support.app import APP_PASSWORD, TEST_COOKIE_KEY, as_leader, open_numbers

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


def sign_in(at: AppTest) -> AppTest:
    """What the sign-in route and a reload do for a browser: a live session, its cookie sent."""
    as_leader(at).run()
    assert not at.exception
    return at


def signed_in(at: AppTest) -> bool:
    return "Signed in." in texts(at) and bool(at.button(key="sign_out"))


def passcode_form(at: AppTest) -> str:
    """The sign-in page's HTML form (a plain form the browser posts itself), or ''."""
    return "\n".join(str(e.proto.body) for e in at.get("html") if "<form" in e.proto.body)


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


# -- signing in: the page ------------------------------------------------------------------------


def test_sign_in_page_posts_the_passcode_to_the_route(app_engine: sa.Engine) -> None:
    at = start("assessment/ui/pages/sign_in.py")
    form = passcode_form(at)
    assert 'method="post" action="/auth/sign-in"' in form
    assert f'name="{PASSCODE_FIELD}" type="password"' in form and "Leader passcode" in form
    assert not signed_in(at)


def test_signed_in_browser_sees_signed_in_and_leader_navigation(app_engine: sa.Engine) -> None:
    at = sign_in(start("assessment/ui/pages/sign_in.py"))
    assert signed_in(at)
    assert not passcode_form(at)


@pytest.mark.parametrize(
    ("problem", "wait", "said"),
    [
        ("wrong", 0, "That passcode is not right."),
        ("wrong", 30, "That passcode is not right. Too many attempts; try again in 30 s."),
        ("wait", 12, "Too many attempts; try again in 12 s."),
        ("missing", 0, "No leader passcode is set up."),
        ("misconfigured", 0, "Leader sign-in did not work. The server log says why."),
        ("anything else", 0, "Leader sign-in did not work. The server log says why."),
    ],
)
def test_sign_in_problems_in_words(problem: str, wait: int, said: str) -> None:
    assert sign_in_problem_text(problem, wait).startswith(said)


def test_sign_in_page_says_what_the_route_answered_once(round_with_answers: store.Round) -> None:
    at = AppTest.from_file(str(ROOT / "assessment/ui/pages/sign_in.py"), default_timeout=TIMEOUT)
    at.query_params["sign_in"], at.query_params["wait"] = "wrong", "30"
    at.run()
    assert not at.exception
    assert "not right. Too many attempts; try again in 30 s." in texts(at)
    assert passcode_form(at)  # the form is there to try again
    assert_no_leader_data(at)
    assert "sign_in" not in at.query_params and "wait" not in at.query_params  # said once


def test_sign_in_with_malformed_password_hash_explains(
    app_engine: sa.Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ASSESSMENT_LEADER_PASSWORD", "scrypt$not-a-hash")
    st.cache_resource.clear()
    at = start("assessment/ui/pages/sign_in.py")
    assert "misconfigured" in texts(at) and "hash-passcode" in texts(at)
    assert not signed_in(at)


def test_session_state_alone_grants_nothing(round_with_answers: store.Round) -> None:
    """A copied Streamlit session brings its session state along, but not the browser's cookie."""
    at = AppTest.from_file(str(ROOT / LEADER_PAGES[0]), default_timeout=TIMEOUT)
    at.session_state["leader_signed_in"] = True  # what earlier versions trusted
    at.session_state[TEST_COOKIE_KEY] = "a token the server never issued"
    at.run()
    assert "for leaders" in texts(at)
    assert_no_leader_data(at)


def test_expired_session_meets_the_gate(
    round_with_answers: store.Round, app_engine: sa.Engine
) -> None:
    at = sign_in(start())
    with app_engine.begin() as conn:
        conn.execute(leader_sessions.update().values(expires_at=datetime.now(UTC)))
    at.switch_page(LEADER_PAGES[0]).run()
    assert "for leaders" in texts(at)
    assert_no_leader_data(at)


def test_sign_out_ends_the_session_in_every_tab(round_with_answers: store.Round) -> None:
    at = sign_in(start("assessment/ui/pages/sign_in.py"))
    other_tab = AppTest.from_file(APP, default_timeout=TIMEOUT)
    other_tab.session_state[TEST_COOKIE_KEY] = at.session_state[TEST_COOKIE_KEY]  # same cookie
    other_tab.run()
    other_tab.switch_page("assessment/ui/pages/rounds.py").run()
    assert md_text(SECRET_ROUND) in texts(other_tab)
    at.button(key="sign_out").click().run()
    assert not at.exception
    assert passcode_form(at)  # the form is back
    for tab in (at, other_tab):
        tab.switch_page("assessment/ui/pages/rounds.py").run()
        assert "for leaders" in texts(tab)
        assert_no_leader_data(tab)


def test_database_outage_shows_an_apology_not_a_traceback(
    app_engine: sa.Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    def unreachable() -> bool:
        raise sa.exc.OperationalError("SELECT 1", {}, Exception("connection refused"))

    monkeypatch.setattr("assessment.ui.app.is_leader", unreachable)
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    assert not at.exception
    (error,) = at.error
    assert "cannot reach its database" in error.value and "connection refused" not in error.value


# -- signing in: the routes ------------------------------------------------------------------------


@pytest.fixture
def routes(app_engine: sa.Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    """The sign-in routes and headers as the server serves them, with a fresh limiter and clock."""
    now = [1000.0]
    monkeypatch.setattr(limits, "clock", lambda: now[0])
    limiter = limits.SignInLimiter(
        limits.RateLimiter(limits.SIGN_IN_PER_CLIENT_BURST, 30.0), limits.RateLimiter(30, 4.0)
    )
    monkeypatch.setattr(limits, "SIGN_IN", limiter)
    settings = load_settings()
    credential = auth.leader_credential(app_engine, APP_PASSWORD)
    monkeypatch.setattr(server, "_resources", server._Resources(settings, app_engine, credential))
    app = Starlette(routes=server.routes(), middleware=[Middleware(server.FrameGuard)])
    with TestClient(app, follow_redirects=False) as client:
        client.now = now  # type: ignore[attr-defined]
        yield client


def post_passcode(routes: TestClient, passcode: str, **headers: str) -> Any:
    return routes.post("/auth/sign-in", data={PASSCODE_FIELD: passcode}, headers=headers)


def test_route_right_passcode_sets_a_safe_cookie_and_opens_results(
    routes: TestClient, app_engine: sa.Engine
) -> None:
    reply = post_passcode(routes, PASSWORD)
    assert (reply.status_code, reply.headers["location"]) == (303, "/results")
    cookie = reply.headers["set-cookie"]
    token = reply.cookies[server.COOKIE]
    assert sessions.is_active(app_engine, token)
    for attribute in ("HttpOnly", "SameSite=lax", "Path=/", f"Max-Age={12 * 3600}"):
        assert attribute in cookie
    assert "Secure" not in cookie  # plain http here; https below
    assert reply.headers["x-frame-options"] == "DENY"
    assert reply.headers["content-security-policy"] == "frame-ancestors 'none'"


def test_route_cookie_is_secure_over_https(routes: TestClient) -> None:
    reply = routes.post("https://testserver/auth/sign-in", data={PASSCODE_FIELD: PASSWORD})
    assert reply.status_code == 303 and "Secure" in reply.headers["set-cookie"]


def test_route_wrong_passcodes_go_back_then_wait(routes: TestClient) -> None:
    answers = [post_passcode(routes, f"wrong {n}").headers["location"] for n in range(6)]
    assert answers[:4] == ["/sign_in?sign_in=wrong"] * 4
    assert answers[4] == "/sign_in?sign_in=wrong&wait=30"
    assert answers[5] == "/sign_in?sign_in=wait&wait=30"
    refused = post_passcode(routes, PASSWORD)  # even the right passcode waits its turn
    assert refused.headers["location"].startswith("/sign_in?sign_in=wait")
    assert server.COOKIE not in refused.cookies
    routes.now[0] += 30  # type: ignore[attr-defined]
    assert post_passcode(routes, PASSWORD).headers["location"] == "/results"


def test_route_refuses_other_sites_and_oversized_forms(routes: TestClient) -> None:
    assert post_passcode(routes, PASSWORD, origin="https://evil.example").status_code == 403
    assert post_passcode(routes, PASSWORD, origin="http://testserver").status_code == 303
    too_big = routes.post("/auth/sign-in", content=b"passcode=" + b"x" * 5000)
    assert too_big.status_code == 413


def test_route_malformed_hash_goes_back_misconfigured(
    routes: TestClient, app_engine: sa.Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    resources = server._ready()
    broken = auth.LeaderCredential("scrypt$not-a-hash", "environment")
    monkeypatch.setattr(
        server, "_resources", server._Resources(resources.settings, app_engine, broken)
    )
    assert post_passcode(routes, PASSWORD).headers["location"] == "/sign_in?sign_in=misconfigured"


def test_route_sign_out_ends_the_session_and_clears_the_cookie(
    routes: TestClient, app_engine: sa.Engine
) -> None:
    token = post_passcode(routes, PASSWORD).cookies[server.COOKIE]
    assert routes.cookies.get(server.COOKIE) == token  # the client keeps it, as a browser does
    other_site = routes.post("/auth/sign-out", headers={"origin": "https://evil.example"})
    assert other_site.status_code == 403 and sessions.is_active(app_engine, token)
    reply = routes.post("/auth/sign-out")
    assert (reply.status_code, reply.headers["location"]) == (303, "/sign_in")
    cleared = reply.headers["set-cookie"]
    assert cleared.startswith(f'{server.COOKIE}=""') and "Max-Age=0" in cleared
    assert not sessions.is_active(app_engine, token)


def test_session_lasts_as_long_as_configured(
    routes: TestClient, app_engine: sa.Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ASSESSMENT_LEADER_SESSION_HOURS", "2")
    resources = server._ready()
    monkeypatch.setattr(
        server,
        "_resources",
        server._Resources(load_settings(), app_engine, resources.env_credential),
    )
    reply = post_passcode(routes, PASSWORD)
    assert f"Max-Age={2 * 3600}" in reply.headers["set-cookie"]
    token = reply.cookies[server.COOKIE]
    later = datetime.now(UTC) + timedelta(hours=2, seconds=1)
    assert not sessions.is_active(app_engine, token, now=later)


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
    at.user = {"is_logged_in": True, "email": email, "email_verified": True}
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
        assert "not a verified address on the leader list" in shown
        assert passcode_form(at)


def test_single_sign_on_needs_a_verified_email(
    app_engine: sa.Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ASSESSMENT_LEADER_EMAILS", "ana@example.org")
    st.cache_resource.clear()
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.secrets["auth"] = OIDC_SECRETS
    at.user = {"is_logged_in": True, "email": "ana@example.org", "email_verified": False}
    at.run()
    at.switch_page("assessment/ui/pages/sign_in.py").run()
    assert not at.exception
    assert "not a verified address" in texts(at) and not signed_in(at)


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
    assert "Payments: **fewer than" in shown and "Payments: **0**" not in shown
    at.button(key=f"close_{token}").click().run()
    assert not at.exception
    assert "is closed" not in texts(at)  # closing asks first
    at.button(key=f"close_now_{token}").click().run()
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
    assert len(store.list_rounds(app_engine)) == len(demo.demo_round_names())
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
    at = open_numbers(leader_on("assessment/ui/pages/results.py"))
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

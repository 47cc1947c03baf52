"""Leader sign-in in a real browser: it lasts across reloads and tabs, sign-out ends it.

The passcode form is a plain HTML form posted by the browser itself to the server's
sign-in route, which sets an HttpOnly cookie; every leader page checks that cookie
against the database, and without it shows a gate and no leader data. axe-core audits
the pages a visitor passes on the way in (tests/test_accessibility_browser.py).

The test server (`app_server`) trusts X-Forwarded-For from 127.0.0.1, as behind a proxy
on the same host, so the burst of wrong passcodes comes from made-up addresses and
leaves the address of the other browser tests untouched.
"""

from __future__ import annotations

import time
import uuid
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

import pytest

from assessment import store
from assessment.service import limits
from assessment.store.schema import init_db, make_engine
from assessment.ui.leader import GATE
from tests.support.browser import DESKTOP, AppServer, Axe, rerun, wait_idle

try:
    from playwright.sync_api import expect
except ImportError:  # the chromium_browser fixture skips (or fails in CI) with an install hint
    expect = None

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.browser


def round_names(app_server: AppServer) -> list[str]:
    engine = make_engine(app_server.database_url)
    try:
        return [rnd.name for rnd in store.list_rounds(engine)]
    finally:
        engine.dispose()


def assert_no_leader_data(page: Page, secret: str, token: str) -> None:
    """The gate, and nothing a leader would see: no round, no link, no file, no chart, no
    leader navigation. Waits for the page's first run: then nothing more can appear."""
    wait_idle(page)
    expect(page.get_by_text(GATE)).to_be_visible()  # rendered: not a vacuous pass
    html, body = page.content(), page.locator("body").inner_text()
    assert not any(leak in text for leak in (secret, token) for text in (html, body))
    assert "for leaders" in body  # the page is reachable, and its gate answers
    assert page.get_by_test_id("stCode").count() == 0
    assert page.get_by_test_id("stDownloadButton").count() == 0
    assert page.locator(".js-plotly-plot").count() == 0
    expect(page.get_by_test_id("stSidebarNav").get_by_role("link", name="Rounds")).to_have_count(0)


def test_leader_stays_signed_in_across_reloads_and_tabs_until_signing_out(
    app_server: AppServer, desktop_page: Page, tiny_bank: Any, axe: Axe
) -> None:
    """Signed out, a leader page's address shows its gate; the visitor goes on to the front
    page and to sign-in; signed in, a reload and a second tab stay so until signing out."""
    page = desktop_page
    secret = f"Sign-in round {uuid.uuid4().hex[:6]}"
    engine = make_engine(app_server.database_url)
    init_db(engine)  # the server creates the schema on its first page view; this may be first
    rnd = store.open_round(engine, secret, ["Platform"], tiny_bank, 3)
    engine.dispose()

    for path in ("rounds", "results", "data"):  # never signed in: no cookie at all
        page.goto(f"{app_server.url}/{path}")
        assert_no_leader_data(page, secret, rnd.token)
    with rerun(page):  # the sidebar offers a visitor the front page and sign-in, no more
        page.get_by_test_id("stSidebarNav").get_by_role("link", name="Survey").click()
    page.get_by_role("heading", name="Role Radar").wait_for()
    axe.check(page, "landing")
    with rerun(page):
        page.get_by_test_id("stMain").get_by_role("link", name="Leader sign-in").click()
    passcode = page.get_by_label("Leader passcode")
    passcode.wait_for()
    axe.check(page, "sign-in")

    passcode.fill(app_server.leader_password)
    with page.expect_navigation(url=f"{app_server.url}/results"):
        passcode.press("Enter")
    wait_idle(page)
    expect(page.get_by_role("heading", name="Results", exact=True)).to_be_visible()
    (cookie,) = [c for c in page.context.cookies() if c["name"] == "role_radar_leader"]
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax" and not cookie["secure"]
    assert page.evaluate("document.cookie").find("role_radar_leader") < 0  # no script reads it

    page.reload()  # a new websocket, a new Streamlit session: the cookie still signs it in
    wait_idle(page)
    expect(page.get_by_role("heading", name="Results", exact=True)).to_be_visible()
    expect(page.get_by_text(GATE)).to_have_count(0)

    other_tab = page.context.new_page()
    try:
        other_tab.goto(f"{app_server.url}/sign_in")
        wait_idle(other_tab)
        expect(other_tab.get_by_text("Signed in.")).to_be_visible()
        leader_nav = other_tab.get_by_test_id("stSidebarNav").get_by_role("link", name="Rounds")
        expect(leader_nav).to_be_visible()
        axe.check(other_tab, "signed in")

        with rerun(page):  # within the app, as a leader would
            page.get_by_test_id("stSidebarNav").get_by_role("link", name="Leader sign-in").click()
        with rerun(page):
            page.get_by_role("button", name="Sign out").click()
        expect(page.get_by_label("Leader passcode")).to_be_visible()

        for tab, path in ((page, "results"), (other_tab, "rounds")):
            tab.goto(f"{app_server.url}/{path}")  # the cookie is still sent; it counts no more
            assert_no_leader_data(tab, secret, rnd.token)
    finally:
        other_tab.close()
    assert secret in round_names(app_server)


def test_burst_of_wrong_passcodes_from_fresh_browsers_is_slowed(
    app_server: AppServer, chromium_browser: Any, desktop_page: Page
) -> None:
    """Fresh contexts (no cookies, nothing shared) from one address: five tries, then waits.

    Then the right passcode, typed into the page from that address: the desktop tab starts
    every test without cookies, as a fresh browser does.
    """
    address = f"198.51.100.{uuid.uuid4().int % 200 + 1}"  # a made-up client, new every run
    answers: list[tuple[str, float]] = []
    for attempt in range(limits.SIGN_IN_PER_CLIENT_BURST + 2):
        context = chromium_browser.new_context(**DESKTOP)
        try:
            started = time.perf_counter()
            reply = context.request.post(
                f"{app_server.url}/auth/sign-in",
                form={"passcode": f"not the passcode {attempt}"},
                headers={"X-Forwarded-For": address},
                max_redirects=0,
            )
            answers.append((reply.headers["location"], time.perf_counter() - started))
        finally:
            context.close()
    said = [parse_qs(urlsplit(location).query) for location, _ in answers]
    burst = limits.SIGN_IN_PER_CLIENT_BURST
    assert [s["sign_in"] for s in said] == [["wrong"]] * burst + [["wait"]] * 2
    waits = [int(s["wait"][0]) for s in said[burst - 1 :]]
    assert all(25 <= wait <= 30 for wait in waits), waits  # one more try every 30 s
    checked = [seconds for _, seconds in answers[:burst]]
    refused = [seconds for _, seconds in answers[burst:]]
    print(f"\nwrong passcode answered in {[round(s, 3) for s in checked]} s;"
          f" refused without a check in {[round(s, 3) for s in refused]} s")  # fmt: skip

    page = desktop_page
    page.set_extra_http_headers({"X-Forwarded-For": address})
    try:
        page.goto(f"{app_server.url}/sign_in")
        wait_idle(page)
        page.get_by_label("Leader passcode").fill(app_server.leader_password)
        with page.expect_navigation(url=f"{app_server.url}/sign_in?*"):
            page.get_by_role("button", name="Sign in").click()
        wait_idle(page)
        # Even the right passcode waits its turn; the page says how long.
        expect(page.get_by_text("Too many attempts; try again in")).to_be_visible()
        assert "role_radar_leader" not in {c["name"] for c in page.context.cookies()}
    finally:
        page.set_extra_http_headers({})  # the next test's tab speaks for this host again

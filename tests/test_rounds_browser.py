"""A leader's journey in a real browser: sign in, open a round, see its link; and the gate.

The test server has no ASSESSMENT_BASE_URL, as on a fresh install: share links take the
address the leader's browser is on.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

import pytest

from assessment import store
from assessment.bank import Bank
from assessment.store.schema import make_engine
from tests.support.browser import AppServer, rerun, sign_in_leader, wait_idle

try:
    from playwright.sync_api import expect
except ImportError:  # the chromium_browser fixture skips (or fails in CI) with an install hint
    expect = None

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.browser


def open_rounds_page(page: Page) -> None:
    # Session state lives in the browser connection: move within the app, never by a new URL.
    with rerun(page):
        page.get_by_test_id("stMain").get_by_role("link", name="Rounds").click()
    page.get_by_role("heading", name="Rounds", exact=True).wait_for()


def test_leader_signs_in_and_opens_a_round_with_a_share_link(
    app_server: AppServer, desktop_page: Page
) -> None:
    page = desktop_page
    name = f"Browser round {uuid.uuid4().hex[:6]}"
    sign_in_leader(page, app_server)
    open_rounds_page(page)
    engine = make_engine(app_server.database_url)
    has_rounds = bool(store.list_rounds(engine))
    engine.dispose()
    if has_rounds:  # the form is folded away once the database has rounds
        page.get_by_text("Open a new round").click()
    name_box = page.get_by_role("textbox", name="Round name")
    name_box.fill(name)
    page.get_by_role("textbox", name="Teams").fill("Platform\nPayments")
    with rerun(page):
        page.get_by_role("button", name="Open round", exact=True).click()
    page.get_by_text(f"“{name}” is open").wait_for()

    engine = make_engine(app_server.database_url)
    (rnd,) = [r for r in store.list_rounds(engine) if r.name == name]
    engine.dispose()
    assert rnd.teams == ("Platform", "Payments")
    card = page.locator(f".st-key-round_{rnd.token}")
    # `expect` waits: a component drawn for the first time may load its code after the run.
    expect(card.get_by_test_id("stCode")).to_have_text(f"{app_server.url}/?round={rnd.token}")
    # No one has answered yet: the card counts like any round under its minimum, never "0".
    expect(card).to_contain_text("fewer than 5 responses")


def test_leader_page_url_without_sign_in_shows_no_leader_data(
    app_server: AppServer, desktop_page: Page, default_bank: Bank
) -> None:
    secret = f"Unseen round {uuid.uuid4().hex[:6]}"
    engine = make_engine(app_server.database_url)
    rnd = store.open_round(engine, secret, ["Platform"], default_bank, 5)
    engine.dispose()
    page = desktop_page
    for path in ("rounds", "results", "data"):
        page.goto(f"{app_server.url}/{path}")
        wait_idle(page)  # the page's run is over and drawn: nothing more can appear
        page.get_by_text("This page is for leaders").wait_for()  # rendered: not a vacuous pass
        body = page.locator("body").inner_text()
        assert secret not in body and rnd.token not in body
        assert "for leaders" in body  # the page is reachable, and its gate answers
        assert page.get_by_test_id("stCode").count() == 0
        assert page.get_by_test_id("stDownloadButton").count() == 0
        assert page.locator(".js-plotly-plot").count() == 0
        assert page.get_by_test_id("stSidebarNav").get_by_role("link", name="Rounds").count() == 0


def test_a_share_link_from_the_browser_address_opens_the_survey(
    app_server: AppServer, desktop_page: Page, tiny_bank: Bank
) -> None:
    name = f"Link round {uuid.uuid4().hex[:6]}"
    engine = make_engine(app_server.database_url)
    rnd = store.open_round(engine, name, ["Platform"], tiny_bank, 3)
    engine.dispose()
    page = desktop_page
    sign_in_leader(page, app_server)
    assert app_server.url.startswith("http://127.0.0.1:")
    page.goto(f"{app_server.url}/rounds")
    wait_idle(page)
    card = page.locator(f".st-key-round_{rnd.token}")
    link = f"{app_server.url}/?round={rnd.token}"
    expect(card.get_by_test_id("stCode")).to_have_text(link)
    # 127.0.0.1 is this computer only: the page says so, and how to fix it.
    expect(
        page.get_by_test_id("stAlert").filter(has_text="cannot open these links")
    ).to_contain_text("ASSESSMENT_BASE_URL")
    page.goto(card.get_by_test_id("stCode").inner_text())
    wait_idle(page)
    expect(page.get_by_role("heading", name=tiny_bank.title)).to_be_visible()
    expect(page.get_by_text(name)).to_be_visible()

"""A leader's journey in a real browser: sign in, open a round, share its link, follow it.

The test server has no ASSESSMENT_BASE_URL, as on a fresh install: share links take the
address the leader's browser is on. What a leader page shows without sign-in is in
tests/test_sign_in_browser.py, which starts signed out.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

import pytest

from assessment import store
from assessment.bank import Bank
from assessment.store.schema import init_db, make_engine
from tests.support.browser import AppServer, Axe, rerun, sign_in_leader, wait_idle

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


def test_leader_opens_a_round_and_its_share_link_opens_the_survey(
    app_server: AppServer, desktop_page: Page, tiny_bank: Bank, axe: Axe
) -> None:
    """Two rounds: one opened with the page's form, one opened before (through the store)
    whose link the leader follows to the survey."""
    page = desktop_page
    name = f"Browser round {uuid.uuid4().hex[:6]}"
    linked = f"Link round {uuid.uuid4().hex[:6]}"
    engine = make_engine(app_server.database_url)
    init_db(engine)  # the server creates the schema on its first page view; this may be first
    earlier = store.open_round(engine, linked, ["Platform"], tiny_bank, 3)
    engine.dispose()
    sign_in_leader(page, app_server)
    assert app_server.url.startswith("http://127.0.0.1:")
    open_rounds_page(page)
    page.get_by_text("Open a new round").click()  # folded away: the database has rounds
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

    earlier_card = page.locator(f".st-key-round_{earlier.token}")
    link = f"{app_server.url}/?round={earlier.token}"
    expect(earlier_card.get_by_test_id("stCode")).to_have_text(link)
    # 127.0.0.1 is this computer only: the page says so, and how to fix it.
    expect(
        page.get_by_test_id("stAlert").filter(has_text="cannot open these links")
    ).to_contain_text("ASSESSMENT_BASE_URL")
    page.get_by_role("heading", name="Your rounds").first.wait_for()
    axe.check(page, "rounds")

    page.goto(earlier_card.get_by_test_id("stCode").inner_text())
    wait_idle(page)
    expect(page.get_by_role("heading", name=tiny_bank.title)).to_be_visible()
    expect(page.get_by_text(linked)).to_be_visible()

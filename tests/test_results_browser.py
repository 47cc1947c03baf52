"""A leader's journey in a real browser: sign in, open the results of the demo round.

Drives `streamlit run` (the session-scoped `app_server`) with Chromium, at
desktop and at phone width: the radar must be a drawn polar plot and the
findings must be there to read, without the page scrolling sideways.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

try:
    from playwright.sync_api import expect
except ImportError:  # the chromium_browser fixture skips (or fails in CI) with an install hint
    expect = None

from assessment import store
from assessment.bank import load_bank
from assessment.service import demo
from assessment.store.schema import init_db, make_engine
from tests.support.browser import AppServer, rerun, sign_in_leader

pytestmark = pytest.mark.browser


@dataclass(frozen=True)
class DemoRound:
    name: str
    responses: int


@pytest.fixture(scope="module")
def demo_round(app_server: AppServer) -> DemoRound:
    """The demo, loaded once through the demo module into the server's database (newest round).

    Both tests read the same round, so the second finds the server's results cache warm,
    as a leader's second visit does.
    """
    engine = make_engine(app_server.database_url)
    init_db(engine)  # idempotent: the server creates the schema only when a page first runs
    try:
        current = demo.load_demo(engine, load_bank())
        return DemoRound(current.name, store.response_count(engine, current.token))
    finally:
        engine.dispose()


def sign_in_and_open_results(page: Any, app_server: AppServer) -> None:
    sign_in_leader(page, app_server)
    with rerun(page):
        page.get_by_test_id("stPageLink-NavLink").filter(has_text="Results").first.click()


def assert_results_readable(page: Any, demo_round: DemoRound) -> None:
    page.get_by_role("heading", name="At a glance").wait_for()
    page.get_by_text(f"{demo_round.responses} responses ·").wait_for()  # the demo round opened
    radar = page.locator(".js-plotly-plot .polarlayer g.polar").first
    radar.wait_for(state="visible")
    for spoke in ("Purpose", "Scope"):  # the spokes are the dimensions (Plotly draws late)
        expect(radar).to_contain_text(spoke)
    page.get_by_role("heading", name="Findings and retro prompts").wait_for()
    findings = page.locator("[class*='st-key-finding_']")
    findings.first.wait_for()
    assert findings.count() >= 1  # the run is over (`rerun`): every finding is drawn
    expect(findings.first).to_contain_text("respondents")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1, "the page scrolls sideways"


def test_leader_reads_demo_results_on_desktop(
    app_server: AppServer, demo_round: DemoRound, desktop_page: Any
) -> None:
    sign_in_and_open_results(desktop_page, app_server)
    assert_results_readable(desktop_page, demo_round)


def test_leader_reads_demo_results_on_a_phone(
    app_server: AppServer, demo_round: DemoRound, phone_page: Any
) -> None:
    sign_in_and_open_results(phone_page, app_server)
    assert_results_readable(phone_page, demo_round)

"""How sure, and what moved, in a real browser: the demo's results page read as a leader.

On the demo (three quarterly rounds of the same questions, one team with a real change,
cells near a threshold) the page must show, and back with numbers in its "Numbers
behind" tables: the ranked "Start here" list, a borderline finding, a rising or falling
badge against the previous round, and the trend chart across the rounds.

What the demo must give for this to hold: at least two rounds of the same bank with
published responses, one scale of a shown group whose change is significant after Holm's
correction and at least the bank's practical minimum, and one finding whose interval
crosses a threshold.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import pytest

from assessment.bank import load_bank
from assessment.service import demo
from assessment.store.schema import init_db, make_engine
from tests.support.browser import AppServer, sign_in_leader, wait_idle

try:
    from playwright.sync_api import expect
except ImportError:  # the chromium_browser fixture skips (or fails in CI) with an install hint
    expect = None

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page

pytestmark = pytest.mark.browser

MOVED = re.compile(r"(rising|falling) [+-]\d+\.\d \(95% interval [+-]\d+ to [+-]\d+\) since ")


@pytest.fixture(scope="module")
def demo_rounds(app_server: AppServer) -> str:
    """The demo loaded into the server's database just before this module's test: the
    newest rounds, so the page opens on the demo's latest one."""
    engine = make_engine(app_server.database_url)
    init_db(engine)
    try:
        return demo.load_demo(engine, load_bank()).name
    finally:
        engine.dispose()


def numbers_behind(page: Page, what: str) -> Locator:
    """Open the "Numbers behind the <what>" expander and return its table(s)."""
    expander = page.get_by_test_id("stExpander").filter(has_text=f"Numbers behind the {what}")
    expander.locator("summary").click()  # opening an expander runs no script
    tables = expander.get_by_test_id("stTable")
    tables.first.wait_for(state="visible")
    return tables


def test_focus_borderline_change_and_trend_each_with_its_numbers(
    app_server: AppServer, demo_rounds: str, desktop_page: Any
) -> None:
    page: Page = desktop_page
    sign_in_leader(page, app_server)
    page.goto(f"{app_server.url}/results")
    wait_idle(page)
    round_picker = page.get_by_role("combobox", name="Round")
    expect(round_picker).to_have_value(re.compile(rf"^{re.escape(demo_rounds)} \("))

    # A borderline finding, worded as such, and its numbers.
    findings = page.locator("[class*='st-key-finding_']")
    expect(findings.filter(has_text="borderline:").first).to_be_visible()
    behind_findings = numbers_behind(page, "findings")
    expect(behind_findings.first).to_contain_text("borderline:")

    # A change beyond doubt since the previous round: a badge with its difference and
    # interval, and the same change in the findings' numbers.
    expect(findings.filter(has_text=MOVED).first).to_be_visible()
    expect(behind_findings.last).to_contain_text(re.compile(r"(rising|falling)[+-]\d"))

    # The trend across the demo's rounds, drawn, with its numbers.
    trend = page.get_by_test_id("stPlotlyChart").filter(has_text="Blur index over rounds")
    expect(trend.locator(".scatterlayer .trace").first).to_be_attached()
    behind_trend = numbers_behind(page, "trend")
    expect(behind_trend.first).to_contain_text("joined to the round before")
    expect(behind_trend.first).to_contain_text("95% low")

    # Start here: ranked entries, each with its verdict, evidence and prompts.
    page.get_by_role("heading", name="Start here").wait_for()
    focus = page.locator("[class*='st-key-focus_']")
    expect(focus.first).to_contain_text("95% interval")
    expect(numbers_behind(page, "focus list").first).to_contain_text("95% interval")

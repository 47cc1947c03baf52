"""A leader's journey in a real browser: sign in, open the results of the demo, trust them.

Drives `streamlit run` (the session-scoped `app_server`) with Chromium, at
desktop and at phone width: the radar must be a drawn polar plot and the
findings must be there to read, without the page scrolling sideways.

How sure, and what moved: on the demo (three quarterly rounds of the same questions, one
team with a real change, cells near a threshold) the page must show, and back with
numbers in its "Numbers behind" tables, the ranked "Start here" list, a borderline
finding, a rising or falling badge against the previous round, and the trend chart
across the rounds. What the demo must give for this to hold: at least two rounds of the
same bank with published responses, one scale of a shown group whose change is
significant after Holm's correction and at least the bank's practical minimum, and one
finding whose interval crosses a threshold.

Scoring and drawing the demo's results is the most expensive page of the app, so the
desktop tests share one tab (`leader_desktop`) that draws it once, and each reads it;
the last one moves on to the Statements page. axe-core audits both pages
(tests/test_accessibility_browser.py).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pytest

try:
    from playwright.sync_api import expect
except ImportError:  # the chromium_browser fixture skips (or fails in CI) with an install hint
    expect = None

from assessment import store
from assessment.bank import load_bank
from assessment.service import demo
from assessment.store.schema import init_db, make_engine
from tests.support.browser import DESKTOP, AppServer, Axe, rerun, sign_in_leader

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page

pytestmark = pytest.mark.browser

MOVED = re.compile(r"(rising|falling) [+-]\d+\.\d \(95% interval [+-]\d+ to [+-]\d+\) since ")


@dataclass(frozen=True)
class DemoRound:
    name: str
    responses: int


@pytest.fixture(scope="module")
def demo_round(app_server: AppServer) -> DemoRound:
    """The demo, loaded once through the demo module into the server's database: its
    newest round is the newest of all, so the Results page opens on it.

    Every test reads the same rounds, so the phone finds the server's results cache warm,
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
    sign_in_leader(page, app_server, "results")  # where the sign-in form lands too


@pytest.fixture(scope="module")
def leader_desktop(
    request: pytest.FixtureRequest, browser_tabs: Any, app_server: AppServer, demo_round: DemoRound
) -> Iterator[Page]:
    """The desktop tab, signed in and on the demo's results, for all of this module's tests."""
    with browser_tabs.keep("desktop", DESKTOP, request.session) as page:
        sign_in_and_open_results(page, app_server)
        yield page


def on_results(page: Page) -> Page:
    """The shared tab, back on Results should a test before have left it."""
    if not page.get_by_role("heading", name="Results", exact=True).is_visible():
        with rerun(page):
            page.get_by_test_id("stSidebarNav").get_by_role("link", name="Results").click()
    return page


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
    leader_desktop: Page, demo_round: DemoRound, axe: Axe
) -> None:
    page = on_results(leader_desktop)
    assert_results_readable(page, demo_round)
    axe.check(page, "results", widths=(1280,))  # at 390 px: the phone test below


def test_leader_reads_demo_results_on_a_phone(
    app_server: AppServer, demo_round: DemoRound, phone_page: Any, axe: Axe
) -> None:
    sign_in_and_open_results(phone_page, app_server)
    assert_results_readable(phone_page, demo_round)
    axe.check(phone_page, "results", widths=(390,))


def numbers_behind(page: Page, what: str) -> Locator:
    """Open the "Numbers behind the <what>" expander and return its table(s).

    Its tables are drawn only once it is open: opening it reruns the page.
    """
    expander = page.get_by_test_id("stExpander").filter(has_text=f"Numbers behind the {what}")
    expect(expander.get_by_test_id("stTable")).to_have_count(0)
    with rerun(page):
        expander.locator("summary").click()
    tables = expander.get_by_test_id("stTable")
    tables.first.wait_for(state="visible")
    return tables


def test_focus_borderline_change_and_trend_each_with_its_numbers(
    leader_desktop: Page, demo_round: DemoRound
) -> None:
    page = on_results(leader_desktop)
    round_picker = page.get_by_role("combobox", name="Round")
    expect(round_picker).to_have_value(re.compile(rf"^{re.escape(demo_round.name)} \("))

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


def test_statements_page_of_the_demo_passes_axe(leader_desktop: Page, axe: Axe) -> None:
    """The Statements page, reached from the sidebar as a leader would, on the demo's round."""
    page = leader_desktop
    with rerun(page):
        page.get_by_test_id("stSidebarNav").get_by_role("link", name="Statements").click()
    page.get_by_role("heading", name="Scales").first.wait_for()
    axe.check(page, "statements")

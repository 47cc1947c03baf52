"""Accessibility in a real browser: axe-core on every page at 1280 and 390 px, the keyboard.

axe-core (npm; `.ci/run` installs it into tests/support/node_modules from
tests/support/package.json) is injected into a page once it has finished drawing and
reports what breaks WCAG 2.x A/AA and axe's best practices. A serious or critical
violation fails the test, and so does a heading that skips a level, unless it comes from
Streamlit's own markup, which this project cannot change: those are in
`tests.support.browser.ALLOWED`, each with the rule, the element and why.

The audit runs where a journey test already stands (`axe.check`), rather than in a walk
of its own that would load and draw every page a second time. A desktop tab is audited
at 1280 px, narrowed to 390 px (a resize starts no script run) and audited again; where
the phone journey draws a page anyway, the phone audits it at 390 px:

=============================  =============================================  ============
page                           1280 px                                        390 px
=============================  =============================================  ============
landing (no round link)        test_sign_in_browser, signed out               narrowed
leader sign-in                 test_sign_in_browser, before signing in        narrowed
signed in                      test_sign_in_browser, the second tab           narrowed
survey: about you, a section,  test_survey_browser, full survey on a desktop  on a phone
review, thank you
survey: review, still open     test_routing_browser (a phone, widened)        on a phone
results                        test_results_browser, demo on a desktop        on a phone
statements                     test_results_browser, statements page          narrowed
rounds                         test_rounds_browser, a round and its link      narrowed
import & export                test_data_browser, download and import         narrowed
=============================  =============================================  ============

axe does not judge a focus indicator, so the keyboard journey here also measures the ring
on the controls it tabs to, against the page behind them (WCAG 2.2, 2.4.13: at least 3:1,
at least 2 px; `assessment/ui/theme.py` draws it).
"""

from __future__ import annotations

from typing import Any

import pytest

try:
    from playwright.sync_api import expect
except ImportError:  # the chromium_browser fixture skips (or fails in CI) with an install hint
    expect = None

from assessment import store
from assessment.bank import Bank
from assessment.store.schema import init_db, make_engine
from tests.support.browser import AppServer, rerun, wait_idle

pytestmark = pytest.mark.browser

MIN_FOCUS_CONTRAST, MIN_FOCUS_PX = 3.0, 2.0
STEP_TIMEOUT_MS = 15_000

# The keyboard focus ring of the focused control (its label, for a hidden radio input):
# outline width, and its contrast against the first opaque background behind it.
FOCUS_RING = """() => {
  const active = document.activeElement;
  const ring = active.matches("input[type=radio], input[type=checkbox]")
    ? active.closest("label") : active;
  const style = getComputedStyle(ring);
  const rgb = (text) => (text.match(/[\\d.]+/g) || []).map(Number);
  const luminance = ([r, g, b]) => {
    const c = [r, g, b].map((v) => v / 255)
      .map((v) => (v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4));
    return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
  };
  let behind = ring.parentElement, fill = [255, 255, 255];
  for (; behind; behind = behind.parentElement) {
    const value = rgb(getComputedStyle(behind).backgroundColor);
    if (value.length === 3 || (value.length === 4 && value[3] === 1)) {
      fill = value.slice(0, 3); break;
    }
  }
  const [a, b] = [luminance(rgb(style.outlineColor)), luminance(fill)].sort((x, y) => y - x);
  return {
    control: active.tagName + (active.type ? ":" + active.type : ""),
    width: style.outlineStyle === "none" ? 0 : parseFloat(style.outlineWidth),
    contrast: (a + 0.05) / (b + 0.05),
  };
}"""

DESCRIBE_FOCUS = """() => { const e = document.activeElement;
  const group = e.closest('[role=radiogroup]'), button = e.closest('button');
  return group ? group.getAttribute('aria-label') : button ? button.innerText
    : /^H[1-6]$/.test(e.tagName) ? e.textContent : e.tagName; }"""


def focus_ring(page: Any) -> dict[str, Any]:
    return dict(page.evaluate(FOCUS_RING))


def assert_visible_ring(page: Any, control: str) -> None:
    """Focus is on a `control` (CSS); its ring is wide enough and stands out behind it."""
    assert page.evaluate(f"() => document.activeElement.matches({control!r})"), focused(page)
    ring = focus_ring(page)
    assert ring["width"] >= MIN_FOCUS_PX, ring
    assert ring["contrast"] >= MIN_FOCUS_CONTRAST, ring


def focused(page: Any) -> str:
    """What has keyboard focus: a radio group's name, a button's text or a heading's."""
    return str(page.evaluate(DESCRIBE_FOCUS))


def expect_focus(page: Any, name: str) -> None:
    """Wait until focus is on the group, heading (exact name) or button (within its text)."""
    try:
        page.wait_for_function(
            f"""([name]) => {{ const what = ({DESCRIBE_FOCUS})();
                const button = document.activeElement.closest('button');
                return button ? what.includes(name) : what === name; }}""",
            arg=[name],
            timeout=5_000,
        )
    except Exception as exc:  # Playwright's TimeoutError: say where focus went instead
        raise AssertionError(f"focus is on {focused(page)!r}, not on {name!r}") from exc


def group(page: Any, name: str) -> Any:
    return page.get_by_role("radiogroup", name=name, exact=True)


def test_keyboard_alone_reaches_and_answers_everything(
    app_server: AppServer, desktop_page: Any, tiny_bank: Bank
) -> None:
    engine = make_engine(app_server.database_url)
    try:
        init_db(engine)
        rnd = store.open_round(engine, "Keyboard journey", ["Payments", "Search"], tiny_bank, 5)
    finally:
        engine.dispose()
    page = desktop_page
    page.set_default_timeout(STEP_TIMEOUT_MS)
    page.goto(f"{app_server.url}/?round={rnd.token}")
    wait_idle(page)  # the first run has finished and is drawn: the pickers and the button exist
    heading = page.get_by_role("heading", name="About you")
    heading.wait_for()
    heading.click()  # where reading continues; the next Tab goes to the team picker
    for stop, control in (
        ("Your team", "input[type=radio]"),
        ("Your role", "input[type=radio]"),
        ("Start the survey", "button"),
    ):
        page.keyboard.press("Tab")
        expect_focus(page, stop)
        assert_visible_ring(page, control)

    team = group(page, "Your team").get_by_role("radio")
    team.first.focus()
    with rerun(page):
        page.keyboard.press("Space")
    expect(team.first).to_be_checked()  # Payments
    page.keyboard.press("Tab")
    expect_focus(page, "Your role")
    with rerun(page):
        page.keyboard.press("ArrowDown")
    expect(group(page, "Your role").get_by_role("radio").nth(1)).to_be_checked()
    page.keyboard.press("Tab")
    expect_focus(page, "Start the survey")
    with rerun(page):
        page.keyboard.press("Enter")
    page.get_by_role("heading", name="Purpose", exact=True).wait_for()
    expect_focus(page, "Purpose")  # the app moves focus to the new section's heading
    page.keyboard.press("Tab")
    expect_focus(page, "P1")
    with rerun(page):
        page.keyboard.press("ArrowRight")
    page.get_by_text("· 1 of 18 answered").wait_for()
    page.keyboard.press("Tab")
    expect_focus(page, "P2")

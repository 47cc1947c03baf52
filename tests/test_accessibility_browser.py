"""Accessibility in a real browser: axe-core on every page, at desktop and at phone width.

axe-core (npm; `.ci/run` installs it into tests/support/node_modules from
tests/support/package.json) is injected into each page once the page has finished
drawing, and reports what breaks WCAG 2.x A/AA and axe's best practices. A serious
or critical violation fails the test, and so does a heading that skips a level,
unless it comes from Streamlit's own markup, which this project cannot change: those
are in `ALLOWED`, each with the rule, the element and why.

axe does not judge a focus indicator, so the test also moves focus by keyboard and
measures the ring against the page behind it (WCAG 2.2, 2.4.13: at least 3:1, at
least 2 px; `assessment/ui/theme.py` draws it).

One server, one browser tab: a page is checked at 1280 px, then the same tab is
narrowed to 390 px (a resize starts no script run, so there is nothing to wait for
but the layout) and checked again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from assessment import store
from assessment.bank import Bank
from assessment.service import demo
from assessment.store.schema import init_db, make_engine
from tests.support.browser import AppServer, rerun, sign_in_leader, skip_or_fail, wait_idle

pytestmark = pytest.mark.browser

AXE = Path(__file__).resolve().parent / "support" / "node_modules" / "axe-core" / "axe.min.js"
WIDTHS = (1280, 390)
HEIGHT = 900
BLOCKING = ("serious", "critical")
MIN_FOCUS_CONTRAST, MIN_FOCUS_PX = 3.0, 2.0
PAGE_TIMEOUT_MS = 90_000  # the results page scores the whole demo round on its first run


@dataclass(frozen=True)
class Allowed:
    """A violation in Streamlit's own markup: the rule, the element (a data-testid it is
    in or is) and why it cannot be fixed from this project."""

    rule: str
    element: str
    why: str

    def covers(self, finding: Finding) -> bool:
        return finding.rule == self.rule and self.element in finding.within


ALLOWED: tuple[Allowed, ...] = (
    Allowed(
        "list",
        "stSidebarNavItems",
        "Streamlit's sidebar navigation puts each section's <div> straight into the <ul>;"
        " the page list is drawn by st.navigation, not by this app",
    ),
    Allowed(
        "listitem",
        "stSidebarNav",
        "the other half of the same markup: the sidebar's <li> page links sit in those"
        " <div>s, not directly in the <ul>",
    ),
)

# Every serious or critical violation and every skipped heading level, one row per element,
# with the data-testids of the element and its ancestors (to recognise Streamlit's markup).
RUN_AXE = """async () => {
  const result = await axe.run(document, { resultTypes: ["violations"] });
  const within = (selector) => {
    let node = document.querySelector(selector), ids = [];
    for (; node; node = node.parentElement) if (node.dataset?.testid) ids.push(node.dataset.testid);
    return ids.join(" ");
  };
  return result.violations
    .filter((v) => ["serious", "critical"].includes(v.impact) || v.id === "heading-order")
    .flatMap((v) => v.nodes.map((n) => ({
      rule: v.id, impact: v.impact, target: n.target.join(" "),
      within: typeof n.target[0] === "string" ? within(n.target[0]) : "",
      html: n.html.slice(0, 160), summary: (n.failureSummary || "").slice(0, 300),
    })));
}"""

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


@dataclass(frozen=True)
class Finding:
    page: str
    width: int
    rule: str
    impact: str
    target: str
    within: str
    html: str
    summary: str

    def line(self) -> str:
        return (
            f"{self.page} @{self.width}px {self.rule} ({self.impact}) {self.target}\n"
            f"    {self.html}\n    {self.summary}"
        )


def audit(page: Any, name: str, width: int) -> list[Finding]:
    """axe's findings on the page as drawn now (axe is injected once per document)."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    rows = page.evaluate(RUN_AXE)
    return [Finding(page=name, width=width, **row) for row in rows]


def at_both_widths(page: Any, name: str) -> list[Finding]:
    """Audit at 1280 px and at 390 px, and leave the tab at 1280 px again."""
    found: list[Finding] = []
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": HEIGHT})
        page.wait_for_function(f"() => window.innerWidth === {width}")
        found += audit(page, name, width)
    page.set_viewport_size({"width": WIDTHS[0], "height": HEIGHT})
    return found


def blocking(found: list[Finding]) -> list[Finding]:
    """What fails: serious, critical or a skipped heading, and not Streamlit's own."""
    return [
        f
        for f in found
        if (f.impact in BLOCKING or f.rule == "heading-order")
        and not any(allowed.covers(f) for allowed in ALLOWED)
    ]


def tally(found: list[Finding]) -> dict[str, int]:
    """Serious and critical elements per rule (what the before/after record counts)."""
    counts: dict[str, int] = {}
    for f in found:
        if f.impact in BLOCKING:
            counts[f.rule] = counts.get(f.rule, 0) + 1
    return counts


def report(found: list[Finding]) -> str:
    return "\n".join(f.line() for f in found)


def focus_ring(page: Any) -> dict[str, Any]:
    return dict(page.evaluate(FOCUS_RING))


def tab_to(page: Any, selector: str, limit: int = 12) -> dict[str, Any]:
    """Press Tab until focus is on an element matching `selector`; measure its ring."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"() => document.activeElement.matches({selector!r})"):
            return focus_ring(page)
    raise AssertionError(f"Tab never reached {selector}")


@pytest.fixture(scope="module")
def axe_script() -> Path:
    if not AXE.exists():
        skip_or_fail(f"axe-core not found at {AXE}: npm install --prefix tests/support")
    return AXE


@pytest.fixture(scope="module")
def survey_token(app_server: AppServer, tiny_bank: Bank) -> str:
    """An open round of the small bank: the survey has two sections to walk through."""
    engine = make_engine(app_server.database_url)
    try:
        init_db(engine)
        return store.open_round(engine, "Accessibility", ["Payments", "Search"], tiny_bank).token
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def demo_token(app_server: AppServer, tiny_bank: Bank) -> str:
    """A round of the demo's answers to the small bank, newest of all: the leader pages open
    on it with every chart drawn, hidden groups and findings included."""
    engine = make_engine(app_server.database_url)
    try:
        init_db(engine)
        rnd = store.open_round(engine, "Accessibility demo", list(demo.DEMO_TEAMS), tiny_bank)
        store.import_responses(engine, rnd.token, demo.demo_frame(tiny_bank), source="demo")
        return rnd.token
    finally:
        engine.dispose()


def press(page: Any, label: str) -> None:
    with rerun(page):
        page.get_by_role("button", name=re.compile(label)).click()


def choose(page: Any, group: str, option: str) -> None:
    with rerun(page):
        page.get_by_role("radiogroup", name=group, exact=True).get_by_text(
            option, exact=True
        ).click()


def walk_survey(page: Any, app_server: AppServer, token: str) -> tuple[list[Finding], list[Any]]:
    """The respondent's pages: landing, about you, a section, review, thank-you.

    Returns axe's findings and the focus rings measured on the way.
    """
    found: list[Finding] = []
    page.goto(app_server.url)
    wait_idle(page)
    found += at_both_widths(page, "landing")
    page.goto(f"{app_server.url}/?round={token}")
    wait_idle(page)
    heading = page.get_by_role("heading", name="About you")
    heading.wait_for()
    found += at_both_widths(page, "survey: about you")
    heading.click()  # where reading continues; the next Tab goes to the team picker
    rings = [tab_to(page, "input[type=radio]"), tab_to(page, "button")]
    choose(page, "Your team", "Search")
    choose(page, "Your role", "Engineering")
    press(page, "Start the survey")
    page.get_by_role("heading", name="Purpose", exact=True).wait_for()
    choose(page, "P1", "Agree")
    found += at_both_widths(page, "survey: section")
    press(page, "Next section")
    press(page, "Review answers")
    page.get_by_role("heading", name="Review and submit").wait_for()
    found += at_both_widths(page, "survey: review")
    press(page, "Submit my answers")
    page.get_by_role("heading", name="Thank you!").wait_for()
    found += at_both_widths(page, "survey: thank you")
    return found, rings


LEADER_PAGES = (
    ("results", "At a glance"),
    ("items", "Scales"),
    ("rounds", "Your rounds"),
    ("data", "Download"),
)


def walk_leader(page: Any, app_server: AppServer) -> list[Finding]:
    """Sign-in, then results, rounds and Import & export (the sign-in cookie keeps the tab in)."""
    found: list[Finding] = []
    page.goto(f"{app_server.url}/sign_in")
    wait_idle(page)
    found += at_both_widths(page, "sign-in")
    sign_in_leader(page, app_server)
    found += at_both_widths(page, "signed in")
    for path, heading in LEADER_PAGES:
        page.goto(f"{app_server.url}/{path}")
        wait_idle(page, timeout=PAGE_TIMEOUT_MS)
        page.get_by_role("heading", name=heading).first.wait_for()
        found += at_both_widths(page, path)
    return found


def test_respondent_pages_pass_axe_and_show_keyboard_focus(
    app_server: AppServer, desktop_page: Any, axe_script: Path, survey_token: str
) -> None:
    found, rings = walk_survey(desktop_page, app_server, survey_token)
    print("respondent pages, serious+critical:", tally(found))
    assert not blocking(found), report(blocking(found))
    for ring in rings:
        assert ring["width"] >= MIN_FOCUS_PX, ring
        assert ring["contrast"] >= MIN_FOCUS_CONTRAST, ring


def test_leader_pages_pass_axe(
    app_server: AppServer, desktop_page: Any, axe_script: Path, demo_token: str
) -> None:
    found = walk_leader(desktop_page, app_server)
    print("leader pages, serious+critical:", tally(found))
    assert not blocking(found), report(blocking(found))

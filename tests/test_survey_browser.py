"""The respondent journey in a real Chromium: link, team and role, every statement, submit.

Elements are found by role and accessible name (a statement's radio group is
named by the statement), never by position or CSS. Every action that makes the
app rerun waits for that rerun to finish and be drawn (`rerun`), then the test
checks what it shows, e.g. the progress text counting the answer. Where the journey
stands on a step, axe-core audits it: at 1280 px on the desktop, at 390 px on the phone
(tests/test_accessibility_browser.py). The keyboard-only journey is in that file too.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

import pytest

try:
    from playwright.sync_api import expect
except ImportError:  # the chromium_browser fixture skips (or fails in CI) with an install hint
    expect = None

from assessment import store
from assessment.bank import Bank
from assessment.store import Round
from assessment.store.schema import init_db, make_engine
from assessment.survey import DONT_KNOW, answer_options, option_label, sections
from tests.support.browser import AppServer, Axe, rerun, wait_idle

pytestmark = pytest.mark.browser

TEAMS = ["Payments", "Search"]
STEP_TIMEOUT_MS = 15_000


def open_round(app_server: AppServer, bank: Bank, name: str) -> Round:
    engine = make_engine(app_server.database_url)
    try:
        init_db(engine)
        return store.open_round(engine, name, TEAMS, bank, min_group_size=5)
    finally:
        engine.dispose()


def responses(app_server: AppServer, rnd: Round) -> Any:
    engine = make_engine(app_server.database_url)
    try:
        return store.responses_frame(engine, rnd.token)
    finally:
        engine.dispose()


def planned_answers(bank: Bank) -> dict[str, int | str]:
    """A different answer for neighbouring statements, "don't know" included."""
    options = answer_options(bank)
    return {item_id: options[i % len(options)] for i, item_id in enumerate(bank.item_ids)}


def visit(page: Any, app_server: AppServer, rnd: Round) -> None:
    page.set_default_timeout(STEP_TIMEOUT_MS)
    page.goto(f"{app_server.url}/?round={rnd.token}")
    wait_idle(page)  # the first run has finished and is drawn: the whole step is there
    page.get_by_role("heading", name="About you").wait_for()


def group(page: Any, name: str) -> Any:
    return page.get_by_role("radiogroup", name=name, exact=True)


def choose(page: Any, name: str, option: str) -> None:
    """Click an option's visible text, as a person would (the input itself is hidden)."""
    with rerun(page):
        group(page, name).get_by_text(option, exact=True).click()
    expect_checked(page, name, option)


def expect_checked(page: Any, name: str, option: str) -> None:
    expect(group(page, name).get_by_role("radio", name=option, exact=True)).to_be_checked()


def answered(page: Any, count: int, total: int) -> None:
    """Wait until the progress bar counts `count` answers (the '·' keeps 1 apart from 11)."""
    page.get_by_text(f"· {count} of {total} answered").wait_for()


def press(page: Any, label: str) -> None:
    with rerun(page):
        page.get_by_role("button", name=re.compile(label)).click()


def start(page: Any, team: str, role: str) -> None:
    choose(page, "Your team", team)
    choose(page, "Your role", role)
    press(page, "Start the survey")


def answer_everything(
    page: Any, bank: Bank, plan: dict[str, int | str], audit: Callable[[str], None]
) -> None:
    total = len(bank.items)
    done = 0
    for part in sections(bank):
        page.get_by_role("heading", name=part.dimension.name, exact=True).wait_for()
        for item in part.items:
            choose(page, item.text, option_label(bank, plan[item.id]))
            done += 1
            answered(page, done, total)
            if done == 1:
                audit("survey: section")
        press(page, "Next section|Review answers")


def assert_stored(frame: Any, bank: Bank, plan: dict[str, int | str], team: str) -> None:
    assert len(frame) == 1
    row = frame.iloc[0]
    assert row["team"] == team
    for item_id, value in plan.items():
        if value == DONT_KNOW:
            assert math.isnan(row[item_id]), item_id
        else:
            assert row[item_id] == value, item_id


def full_journey(
    page: Any, app_server: AppServer, bank: Bank, name: str, axe: Axe, width: int
) -> None:
    """The whole survey; axe audits each kind of step on the way, at the tab's `width`."""

    def audit(step: str) -> None:
        axe.check(page, step, widths=(width,))

    rnd = open_round(app_server, bank, name)
    plan = planned_answers(bank)
    visit(page, app_server, rnd)
    page.get_by_text("never ask for your name or e-mail").wait_for()
    audit("survey: about you")
    start(page, "Search", "Engineering")
    answer_everything(page, bank, plan, audit)

    page.get_by_role("heading", name="Review and submit").wait_for()
    page.get_by_text("You have answered every statement.").wait_for()
    audit("survey: review")
    page.get_by_role("textbox", name=re.compile("Anything else")).fill("Fewer status meetings.")
    press(page, "Submit my answers")  # also commits the comment (blur): `rerun` waits for both

    page.get_by_role("heading", name="Thank you!").wait_for()
    page.get_by_text("at least 5 responses", exact=False).wait_for()
    audit("survey: thank you")
    assert "done=1" in page.url and "resume=" not in page.url
    assert_stored(responses(app_server, rnd), bank, plan, team="Search")


def test_full_survey_on_a_desktop(
    app_server: AppServer, desktop_page: Any, tiny_bank: Bank, axe: Axe
) -> None:
    # The journey, not the bank: every section of the default bank is checked through
    # AppTest (tests/test_survey_page.py), at a twentieth of a browser's cost per answer.
    full_journey(desktop_page, app_server, tiny_bank, "Desktop journey", axe, 1280)


def test_full_survey_on_a_phone(
    app_server: AppServer, phone_page: Any, tiny_bank: Bank, axe: Axe
) -> None:
    full_journey(phone_page, app_server, tiny_bank, "Phone journey", axe, 390)


def test_refresh_mid_survey_keeps_the_answers(
    app_server: AppServer, desktop_page: Any, tiny_bank: Bank
) -> None:
    page = desktop_page
    rnd = open_round(app_server, tiny_bank, "Refresh journey")
    visit(page, app_server, rnd)
    start(page, "Payments", "Design / research")
    choose(page, "P1", "Agree")
    choose(page, "C2", "Don't know / not applicable")
    answered(page, 2, 18)
    press(page, "Next section")
    choose(page, "SP1", "Strongly disagree")
    answered(page, 3, 18)

    page.reload()
    wait_idle(page)
    answered(page, 3, 18)
    assert "resume=" in page.url
    expect_checked(page, "SP1", "Strongly disagree")
    press(page, "Back")
    page.get_by_role("heading", name="Purpose", exact=True).wait_for()
    expect_checked(page, "P1", "Agree")
    expect_checked(page, "C2", "Don't know / not applicable")
    options = len(answer_options(tiny_bank))
    expect(group(page, "P2").get_by_role("radio")).to_have_count(options)  # not vacuous
    assert group(page, "P2").get_by_role("radio", checked=True).count() == 0

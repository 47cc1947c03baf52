"""The routing question in a real Chromium at phone width: "no" leaves the project statements out.

Elements are found by role and accessible name, and every action that makes the
app rerun waits for that rerun (`rerun`), as in tests/test_survey_browser.py. The review
step, with every statement still open, is the one step the full journeys never show:
axe-core audits it here (tests/test_accessibility_browser.py).
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from assessment import store
from assessment.bank import Bank, bank_from_dict
from assessment.store import Round
from assessment.store.schema import init_db, make_engine
from tests.support.browser import AppServer, Axe, rerun, wait_idle

pytestmark = pytest.mark.browser

GATE = "Does your team's work include projects?"
STEP_TIMEOUT_MS = 15_000


def gated_round(app_server: AppServer, bank: Bank) -> Round:
    data = bank.model_dump()
    data["project_gate"] = {"text": GATE}
    data["scale"] |= {"dont_know_label": "Don't know", "not_applicable": True}
    engine = make_engine(app_server.database_url)
    try:
        init_db(engine)
        return store.open_round(engine, "Routing", ["Payments"], bank_from_dict(data))
    finally:
        engine.dispose()


def choose(page: Any, group: str, option: str) -> None:
    with rerun(page):
        page.get_by_role("radiogroup", name=group, exact=True).get_by_text(
            option, exact=True
        ).click()


def press(page: Any, label: str) -> None:
    with rerun(page):
        page.get_by_role("button", name=re.compile(label)).click()


def statements(page: Any) -> list[str]:
    """The accessible names of the statement radio groups on screen."""
    groups = page.get_by_role("radiogroup").all()
    names = [group.get_attribute("aria-label") or "" for group in groups]
    return [name for name in names if name not in ("Your team", "Your role", GATE)]


def test_no_projects_on_a_phone_shows_no_project_statements(
    app_server: AppServer, phone_page: Any, tiny_bank: Bank, axe: Axe
) -> None:
    page = phone_page
    page.set_default_timeout(STEP_TIMEOUT_MS)
    rnd = gated_round(app_server, tiny_bank)
    page.goto(f"{app_server.url}/?round={rnd.token}")
    wait_idle(page)
    page.get_by_role("heading", name="About you").wait_for()
    choose(page, "Your team", "Payments")
    choose(page, "Your role", "Engineering")
    choose(page, GATE, "No")
    page.get_by_text("Statements about projects will be left out").wait_for()
    press(page, "Start the survey")

    for heading, shown in (("Purpose", ["P", "C"]), ("Scope", ["SP", "SC"])):
        page.get_by_role("heading", name=heading, exact=True).wait_for()
        assert statements(page) == [f"{lens}{k}" for lens in shown for k in (1, 2, 3)]
        page.get_by_text("0 of 12 answered").first.wait_for()
        press(page, "Next section|Review answers")
    page.get_by_role("heading", name="Review and submit").wait_for()
    page.get_by_text("12 statements are still open.").wait_for()
    axe.check(page, "survey: review, statements open", widths=(390, 1280))
    press(page, "Submit my answers")
    page.get_by_role("heading", name="Thank you!").wait_for()

    engine = make_engine(app_server.database_url)
    try:
        row = store.responses_frame(engine, rnd.token, kinds=True).iloc[0]
    finally:
        engine.dispose()
    assert not row["works_in_projects"]
    assert [row[item.id] for item in tiny_bank.items if item.lens == "project"] == [-1] * 6

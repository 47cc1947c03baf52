"""A leader's import & export journey in a real browser: download a file, import a Forms export.

axe-core audits the page as the leader opens it (tests/test_accessibility_browser.py).
"""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from assessment import store
from assessment.bank import Bank
from assessment.interchange import read_responses
from assessment.store.schema import init_db, make_engine
from tests.support.browser import AppServer, Axe, rerun, sign_in_leader

try:
    from playwright.sync_api import expect
except ImportError:  # the chromium_browser fixture skips (or fails in CI) with an install hint
    expect = None

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.browser
DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def default_bank(v1_bank: Bank) -> Bank:
    """The forms files in tests/data were exported with version 1 of the default bank."""
    return v1_bank


def sign_in_and_open_data_page(page: Page, app_server: AppServer, round_name: str) -> None:
    sign_in_leader(page, app_server, "data")  # after this, move within the app (its session)
    page.get_by_role("heading", name="Import & export").wait_for()
    picker = page.get_by_role("combobox", name="Round")
    if round_name not in picker.input_value():  # else chosen already: choosing reruns nothing
        picker.click()
        with rerun(page):
            page.get_by_role("option", name=round_name).click()
    expect(picker).to_have_value(re.compile(re.escape(round_name)))


def test_leader_downloads_scores_and_imports_a_google_forms_export(
    app_server: AppServer, desktop_page: Page, default_bank: Bank, axe: Axe
) -> None:
    name = f"Import journey {uuid.uuid4().hex[:6]}"
    engine = make_engine(app_server.database_url)
    init_db(engine)  # the server creates the schema on its first page view; this test may be first
    rnd = store.open_round(engine, name, ["Payments", "Mobile", "Platform"], default_bank)
    wide = read_responses(DATA / "forms_default_bank_wide.csv", default_bank)
    store.import_responses(engine, rnd.token, wide.iloc[:6])
    page = desktop_page
    sign_in_and_open_data_page(page, app_server, name)
    page.get_by_role("heading", name="Download").first.wait_for()
    axe.check(page, "data")

    with page.expect_download() as download:
        page.get_by_test_id("stDownloadButton").filter(has_text="Scores CSV").click()
    scores = Path(download.value.path()).read_bytes()
    assert download.value.suggested_filename.startswith("role-radar_import-journey-")
    header = b"\xef\xbb\xbfdimension,lens,score,ci_low,ci_high,n,suppressed,reason,"
    assert scores.startswith(header)

    with rerun(page):
        page.locator("input[type=file]").set_input_files(
            str(DATA / "forms_google_default_bank.csv")
        )
    page.get_by_text("Personal columns dropped, never stored: 'Email Address'").wait_for()
    expect(page.locator("body")).to_contain_text(
        "Google Forms export · forms_google_default_bank.csv · 18 rows", use_inner_text=True
    )
    assert store.response_count(engine, rnd.token) == 6  # nothing before the confirm
    with rerun(page):
        page.get_by_role("button", name=f"Import 18 responses into “{name}”").click()
    page.get_by_text(
        f"Imported 18 responses from forms_google_default_bank.csv into “{name}”."
    ).wait_for()
    assert store.response_count(engine, rnd.token) == 24
    engine.dispose()

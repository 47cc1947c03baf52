"""The leader's Import & export page through AppTest: downloads, and imports confirmed first."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa
from streamlit.testing.v1 import AppTest

from assessment import store
from assessment.bank import Bank
from assessment.interchange import read_responses
from assessment.ui.pages.data import (
    CONFIRM_KEY,
    RETRO_BY_KEY,
    ROUND_KEY,
    SCORES_BY_KEY,
    UPLOAD_KEY,
)
from tests.support.app import open_page_script

ROOT = Path(__file__).resolve().parents[1]
PAGE = str(ROOT / "assessment" / "ui" / "pages" / "data.py")
DATA = ROOT / "tests" / "data"
TEAMS = ["Payments", "Mobile", "Platform"]


@pytest.fixture(scope="module")
def default_bank(v1_bank: Bank) -> Bank:
    """The forms files in tests/data were exported with version 1 of the default bank."""
    return v1_bank


@pytest.fixture
def answered_round(app_engine: sa.Engine, default_bank: Bank) -> store.Round:
    rnd = store.open_round(app_engine, "Q1 check-in", TEAMS, default_bank)
    answers = read_responses(DATA / "forms_default_bank_wide.csv", default_bank)
    store.import_responses(app_engine, rnd.token, answers)
    return rnd


def open_page(leader: bool = True) -> AppTest:
    return open_page_script(PAGE, leader=leader)


def texts(at: AppTest) -> str:
    parts = [
        e.value for kind in ("title", "subheader", "markdown", "caption") for e in at.get(kind)
    ]
    parts += [e.body for kind in ("info", "warning", "error", "success") for e in at.get(kind)]
    # As a reader sees it: the Markdown escapes that keep data plain (md_text) taken off.
    return re.sub(r"\\([\\`*_{}\[\]<>()#+\-.!|~$:])", r"\1", "\n".join(str(p) for p in parts))


def upload(at: AppTest, name: str, data: bytes) -> AppTest:
    at.file_uploader(key=UPLOAD_KEY).upload(name, data, "text/csv")
    at.run()
    assert not at.exception, at.exception
    return at


def test_data_page_needs_a_leader(answered_round: store.Round) -> None:
    at = open_page(leader=False)
    assert "for leaders" in texts(at)
    assert not at.get("download_button") and not at.get("file_uploader")


def test_data_page_without_rounds_offers_the_demo(app_engine: sa.Engine) -> None:
    at = open_page()
    assert at.button(key="load_demo")
    assert not at.get("download_button")


def test_data_page_says_why_there_is_no_responses_file(answered_round: store.Round) -> None:
    """The fixture round's teams and roles meet in cells of one or two: scores and retro only."""
    at = open_page()
    assert at.selectbox(key=ROUND_KEY).value == answered_round.token
    keys = {button.key for button in at.get("download_button")}
    assert keys == {"download_scores", "download_retro", "download_codebook"}
    shown = texts(at)
    assert "Nobody has left a comment" in shown  # the file has no comment column
    assert "not offered for this round" in shown
    assert "narrowed down to fewer than 5 people" in shown


def test_data_page_offers_every_download(app_engine: sa.Engine, default_bank: Bank) -> None:
    rnd = store.open_round(app_engine, "One team", ["Payments"], default_bank)
    points = np.random.default_rng(3).integers(1, 6, size=(18, len(default_bank.item_ids)))
    answers = pd.DataFrame(points.astype(float), columns=default_bank.item_ids)
    answers = answers.assign(team="Payments", role="product", comment="Fewer status meetings.")
    store.import_responses(app_engine, rnd.token, answers)
    at = open_page()
    assert at.selectbox(key=ROUND_KEY).value == rnd.token
    keys = {button.key for button in at.get("download_button")}
    assert keys == {
        "download_scores", "download_retro", "download_comments", "download_responses",
        "download_codebook",
    }  # fmt: skip
    shown = texts(at)
    assert "all 18 responses, one row each, in random order" in shown
    assert "with team and role" in shown and "Days, not times" in shown
    assert "group of 10 or more" in shown and "the codebook below names them" in shown
    for key in ("download_responses", "download_comments", "download_codebook"):
        at.get_by_key(key).click().run()  # built on click; must not fail
        assert not at.exception


@pytest.mark.parametrize(
    ("key", "choice", "button"),
    [
        (SCORES_BY_KEY, "By team and role", "download_scores"),
        (RETRO_BY_KEY, "By team", "download_retro"),
    ],
)
def test_data_page_grouping_changes_the_file(
    answered_round: store.Round, key: str, choice: str, button: str
) -> None:
    at = open_page()
    at.segmented_control(key=key).set_value(choice).run()
    assert not at.exception
    at.get_by_key(button).click().run()  # built on click; must not fail
    assert not at.exception


def test_data_page_round_without_responses_offers_only_the_codebook(
    app_engine: sa.Engine, default_bank: Bank
) -> None:
    store.open_round(app_engine, "Empty", TEAMS, default_bank)
    at = open_page()
    assert "no responses yet" in texts(at)
    assert [button.key for button in at.get("download_button")] == ["download_codebook"]
    assert at.file_uploader(key=UPLOAD_KEY)


def test_import_google_forms_shows_mapping_then_imports_on_confirm(
    app_engine: sa.Engine, default_bank: Bank
) -> None:
    rnd = store.open_round(app_engine, "Forms round", TEAMS, default_bank)
    at = upload(open_page(), "answers.csv", (DATA / "forms_google_default_bank.csv").read_bytes())
    shown = texts(at)
    assert "Google Forms export" in shown and "answers.csv · 18 rows" in shown
    assert "Personal columns dropped, never stored: 'Email Address'" in shown
    [table] = at.dataframe  # the page's only table: the mapping
    mapping = table.value
    assert len(mapping) == 48
    assert mapping.loc[1].tolist() == ["Email Address", "dropped: personal data",
                                       "names or e-mail: not stored"]  # fmt: skip
    assert store.response_count(app_engine, rnd.token) == 0  # nothing before the confirm
    at.button(key=CONFIRM_KEY).click().run()
    assert not at.exception
    assert store.response_count(app_engine, rnd.token) == 18
    assert "Imported 18 responses from answers.csv into “Forms round”." in texts(at)
    assert not [b for b in at.button if b.key == CONFIRM_KEY]
    at.run()  # any later rerun: the file stays marked as imported, with nothing to click
    assert "This file has been imported." in texts(at)
    assert not [b for b in at.button if b.key == CONFIRM_KEY]
    assert store.response_count(app_engine, rnd.token) == 18


BAD = [
    ("unknown statement", "forms_google_default_bank.csv", ("solve.]", "decide.]"),
     "statement is not in bank"),
    ("label off the scale", "forms_google_default_bank.csv", (",Agree,", ",Agreed,"),
     "'Agreed' is not an answer on the scale"),
    ("out of range", "forms_default_bank_wide.csv", (",5,", ",6,"), "'6' is not on the 1-5 scale"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "swap", "message"), [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_import_with_problems_lists_them_and_stores_nothing(
    answered_round: store.Round,
    app_engine: sa.Engine,
    name: str,
    swap: tuple[str, str],
    message: str,
) -> None:
    text = (DATA / name).read_text(encoding="utf-8-sig").replace(*swap, 1)
    at = upload(open_page(), name, text.encode())
    assert "Nothing can be imported yet" in texts(at)
    assert message in texts(at)
    assert not [b for b in at.button if b.key == CONFIRM_KEY]
    assert store.response_count(app_engine, answered_round.token) == 18


def test_import_of_an_unreadable_file_says_so(
    answered_round: store.Round, app_engine: sa.Engine
) -> None:
    at = upload(open_page(), "photo.csv", b"\x89PNG\r\n\x1a\n\x00\x00binary")
    assert "This file cannot be imported" in texts(at)
    assert "not a CSV text file" in texts(at)
    assert store.response_count(app_engine, answered_round.token) == 18


def test_import_refused_by_the_store_shows_why(
    answered_round: store.Round, app_engine: sa.Engine
) -> None:
    """The same file twice (e.g. from another session): the store refuses, the page says so."""
    data = (DATA / "forms_microsoft_default_bank.csv").read_bytes()
    at = upload(open_page(), "ms.csv", data)
    at.button(key=CONFIRM_KEY).click().run()
    assert store.response_count(app_engine, answered_round.token) == 36
    again = upload(open_page(), "ms.csv", data)
    again.button(key=CONFIRM_KEY).click().run()
    assert not again.exception
    assert "Nothing was imported" in texts(again) and "already stored" in texts(again)
    assert store.response_count(app_engine, answered_round.token) == 36


def test_import_preview_refuses_what_the_store_would_refuse_with_its_row(
    answered_round: store.Round, app_engine: sa.Engine
) -> None:
    """A 250-character team name: refused in the preview (spreadsheet row 3), not after a click."""
    lines = (DATA / "forms_default_bank_wide.csv").read_text(encoding="utf-8-sig").splitlines()
    lines[2] = "T" * 250 + lines[2][lines[2].index(",") :]
    at = upload(open_page(), "long.csv", ("\n".join(lines) + "\n").encode())
    assert "Nothing can be imported yet" in texts(at)
    assert "long.csv, row 3, column 'team': longer than 200 characters (250)" in texts(at)
    assert not [b for b in at.button if b.key == CONFIRM_KEY]
    assert store.response_count(app_engine, answered_round.token) == 18


def test_import_of_excel_unicode_text_says_how_it_was_read(
    app_engine: sa.Engine, default_bank: Bank
) -> None:
    rnd = store.open_round(app_engine, "Unicode", TEAMS, default_bank)
    text = (DATA / "forms_microsoft_default_bank.csv").read_text(encoding="utf-8-sig")
    at = upload(open_page(), "ms.txt", text.encode("utf-16"))
    assert "Read as UTF-16 text" in texts(at)
    at.button(key=CONFIRM_KEY).click().run()
    assert not at.exception
    assert store.response_count(app_engine, rnd.token) == 18

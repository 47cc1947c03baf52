"""The Statements page through AppTest: leader-only, organisation-level, flags in words."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import sqlalchemy as sa
from streamlit.testing.v1 import AppTest

from assessment import store
from assessment.bank import Bank
from assessment.service.demo import DEMO_TEAMS, demo_scale, load_demo
from tests.support.app import open_page_script

ROOT = Path(__file__).resolve().parents[1]
PAGE = str(ROOT / "assessment" / "ui" / "pages" / "items.py")


def open_page(leader: bool = True) -> AppTest:
    return open_page_script(PAGE, leader=leader)


def words(at: AppTest) -> str:
    parts = [e.value for kind in ("markdown", "caption", "info", "warning", "success", "title")
             for e in getattr(at, kind)]  # fmt: skip
    return "\n".join(str(part) for part in parts)


def small_round(engine: sa.Engine, bank: Bank, responses: int) -> store.Round:
    rnd = store.open_round(engine, "Small", ["A", "B"], bank)
    values = np.full((responses, len(bank.items)), 3.0)
    frame = pd.DataFrame(values, columns=bank.item_ids).assign(team="A", role="other")
    store.import_responses(engine, rnd.token, frame)
    return rnd


def test_statements_page_is_for_leaders_only(app_engine: sa.Engine, tiny_bank: Bank) -> None:
    small_round(app_engine, tiny_bank, 6)
    assert open_page().dataframe  # a leader sees the tables of this round
    at = open_page(leader=False)
    assert "This page is for leaders" in words(at)
    assert not at.dataframe and not at.selectbox


def test_statements_page_shows_the_round_flags_and_tables(
    app_engine: sa.Engine, default_bank: Bank
) -> None:
    current = load_demo(app_engine, default_bank)
    at = open_page()
    text = words(at)
    published = store.response_count(app_engine, current.token)
    assert f"Over all {published} published responses" in text
    hard = default_bank.items_in(*demo_scale(default_bank, "hard"))[0]
    assert hard.text in text.replace("\\", "") and "answered don't know" in text
    scales, statements = (frame.value for frame in at.dataframe)
    assert len(scales) == len(default_bank.scales) and scales["Alpha"].notna().all()
    assert len(statements) == len(default_bank.items)
    assert statements["Flagged"].sum() == 1
    # Organisation level only: no team appears anywhere on the page.
    cells = [*scales.to_numpy().ravel(), *statements.to_numpy().ravel()]
    shown = text + " ".join(map(str, cells))
    assert not any(team in shown for team in DEMO_TEAMS)


def test_statements_page_waits_for_the_minimum(app_engine: sa.Engine, tiny_bank: Bank) -> None:
    rnd = small_round(app_engine, tiny_bank, 2)
    at = open_page()
    assert f"at least {rnd.min_group_size} published responses" in words(at)
    assert not at.dataframe

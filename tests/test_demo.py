"""The demo data: valid, reproducible, and telling the stories it promises."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from assessment import store
from assessment.bank import Bank
from assessment.scoring import dimension_table, group_scores
from assessment.scoring.findings import findings
from assessment.service.demo import DEMO_TEAMS, demo_frame, load_demo

START = datetime(2024, 1, 8, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def frame(default_bank: Bank) -> pd.DataFrame:
    return demo_frame(default_bank, start=START)


def test_demo_frame_is_wide_and_valid(frame: pd.DataFrame, default_bank: Bank) -> None:
    assert list(frame.columns) == [
        "submitted_at",
        "team",
        "role",
        "comment",
        *default_bank.item_ids,
    ]
    values = frame[default_bank.item_ids].to_numpy()
    answered = values[~np.isnan(values)]
    assert set(np.unique(answered)) <= set(range(1, default_bank.scale.points + 1))
    assert 0.03 < np.isnan(values).mean() < 0.07
    assert set(frame["role"]) <= {role.id for role in default_bank.roles}
    assert frame["role"].value_counts().index[0] == "engineering"
    assert store.validate_import(frame, default_bank).values.shape == values.shape


def test_demo_frame_same_seed_same_answers(frame: pd.DataFrame, default_bank: Bank) -> None:
    pd.testing.assert_frame_equal(frame, demo_frame(default_bank, start=START))
    other = demo_frame(default_bank, start=START, seed=8)
    assert not frame[default_bank.item_ids].equals(other[default_bank.item_ids])


def test_demo_frame_team_sizes_vary_and_one_team_is_tiny(frame: pd.DataFrame) -> None:
    sizes = frame["team"].value_counts()
    assert set(sizes.index) == set(DEMO_TEAMS)
    assert sizes.min() == 3 and sizes.max() >= 10 and sizes.nunique() == len(DEMO_TEAMS)


def test_demo_frame_comments_only_in_teams_large_enough(frame: pd.DataFrame) -> None:
    commented = frame[frame["comment"] != ""]
    sizes = frame["team"].value_counts()
    assert 5 <= len(commented) <= 15
    assert (sizes[commented["team"]] >= 10).all()


def test_demo_frame_findings_tell_the_intended_stories(
    frame: pd.DataFrame, default_bank: Bank
) -> None:
    tidy = group_scores(frame, default_bank, by=["team"])
    table = dimension_table(tidy, ["team"]).set_index(["team", "dimension"])
    checkout, payments = table.loc["Checkout"], table.loc["Payments"]
    assert (checkout["project"] - checkout["product"] > 20).all()  # delivery-led
    assert (payments[["product", "project", "clarity"]] > 60).all().all()  # distinct
    assert table.loc[("Search", "success_metrics"), "clarity"] < 40  # blurred on metrics
    assert table.loc["Mobile"]["product"].isna().all()  # 3 respondents: suppressed
    headlines = " ".join(f.headline for f in findings(tidy, default_bank, ["team"]))
    assert "delivery-led in Checkout" in headlines and "plan-light in Platform" in headlines


def test_demo_frame_reverse_items_are_keyed_from_the_latent(tiny_bank: Bank) -> None:
    """A reverse item is answered low where its scale is high, so scored it agrees."""
    frame = demo_frame(tiny_bank, start=START)
    checkout = frame[frame["team"] == "Checkout"]  # delivery-led: the project lens runs high
    plain = ["scope.project.1", "scope.project.3"]
    assert checkout["scope.project.2"].mean() < 2.6 and checkout[plain].mean().min() > 3.4


def test_load_demo_opens_two_rounds_with_answers(
    sqlite_engine: sa.Engine, default_bank: Bank
) -> None:
    current = load_demo(sqlite_engine, default_bank)
    rounds = store.list_rounds(sqlite_engine)
    assert [r.name for r in rounds] == ["Demo round", "Demo round — previous quarter"]
    assert rounds[0] == current and current.is_open and not rounds[1].is_open
    assert current.teams == DEMO_TEAMS
    assert store.response_count(sqlite_engine, current.token) == len(demo_frame(default_bank))
    assert store.response_count(sqlite_engine, rounds[1].token) > 0
    assert not store.comments_frame(sqlite_engine, current.token).empty

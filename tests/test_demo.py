"""The demo data: valid, reproducible, and telling the stories it promises.

The stories are checked through the same code the pages use: findings with
their intervals, `certainty.change_table` for the change between rounds, the
published responses for what a leader sees. The acquiescence test checks the
latent model itself: a tendency to agree cancels in a scale keyed both ways.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from assessment import store
from assessment.bank import Bank, bank_from_dict
from assessment.scoring import dimension_table, group_scores, respondent_scores
from assessment.scoring.certainty import change_table
from assessment.scoring.findings import findings
from assessment.service.demo import (
    DEMO_TEAMS,
    demo_frame,
    demo_round_names,
    demo_scale,
    load_demo,
    simulated_answers,
)
from tests.support.db import make_sqlite_engine

START = datetime(2024, 1, 8, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def frame(default_bank: Bank) -> pd.DataFrame:
    return demo_frame(default_bank, start=START)


@pytest.fixture(scope="module")
def demo_engine(tmp_path_factory: pytest.TempPathFactory, default_bank: Bank) -> Iterator[Any]:
    """The demo loaded once into a fresh database, for the tests that read it back."""
    engine = make_sqlite_engine(tmp_path_factory.mktemp("demo") / "demo.db")
    load_demo(engine, default_bank)
    yield engine
    engine.dispose()


def published(engine: sa.Engine) -> list[tuple[store.Round, pd.DataFrame]]:
    """Each demo round, newest first, with the responses a leader sees."""
    rounds = store.list_rounds(engine)
    for rnd in rounds:
        store.publish(engine, rnd.token)
    return [(rnd, store.responses_frame(engine, rnd.token, published_only=True)) for rnd in rounds]


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
    assert 0.03 < np.isnan(values).mean() < 0.08
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
    change, borderline = demo_scale(default_bank, "change"), demo_scale(default_bank, "borderline")
    checkout = table.loc["Checkout"].drop(index=change[0])  # the change narrows one gap
    assert (checkout["project"] - checkout["product"] > 20).all()  # delivery-led
    payments = table.loc["Payments"]
    assert (payments[["product", "project"]] > 55).all().all()
    assert (payments["clarity"].drop(index=borderline[0]) > 60).all()  # distinct
    assert table.loc[("Search", "success_metrics"), "clarity"] < 40  # blurred on metrics
    assert table.loc["Mobile"]["product"].isna().all()  # 3 respondents: hidden
    headlines = " ".join(f.headline for f in findings(tidy, default_bank, ["team"]))
    assert "delivery-led in Checkout" in headlines and "plan-light in Platform" in headlines


def test_demo_frame_has_a_borderline_clarity_near_50(
    frame: pd.DataFrame, default_bank: Bank
) -> None:
    """Payments' clarity on one dimension: near 50, its 95% interval on both sides of it."""
    dimension, lens = demo_scale(default_bank, "borderline")
    tidy = group_scores(frame, default_bank, by=["team"])
    cell = tidy[(tidy["team"] == "Payments") & (tidy["dimension"] == dimension)]
    cell = cell[cell["lens"] == lens].iloc[0]
    assert abs(cell["score"] - 50) < 5 and cell["ci_low"] < 50 < cell["ci_high"]
    verdicts = findings(tidy, default_bank, ["team"])
    (payments,) = [
        f for f in verdicts if f.group == {"team": "Payments"} and f.dimension == dimension
    ]
    assert not payments.firm and "blurred" in payments.possible


def test_demo_frame_role_gaps_show_who_sees_what(frame: pd.DataFrame, default_bank: Bank) -> None:
    """Product people see more product practice, delivery people more project practice."""
    lenses = respondent_scores(frame, default_bank).T.groupby(level="lens").mean().T
    by_role = lenses.groupby(frame["role"].to_numpy()).mean()
    others = by_role.drop(index=["product", "delivery"]).mean()
    assert by_role.loc["product", "product"] - others["product"] > 4
    assert by_role.loc["delivery", "project"] - others["project"] > 4


def test_demo_frame_reverse_items_are_keyed_from_the_latent(tiny_bank: Bank) -> None:
    """A reverse item is answered low where its scale is high, so scored it agrees."""
    frame = demo_frame(tiny_bank, start=START)
    checkout = frame[frame["team"] == "Checkout"]  # delivery-led: the project lens runs high
    plain = ["scope.project.1", "scope.project.3"]
    assert checkout["scope.project.2"].mean() < 2.6 and checkout[plain].mean().min() > 3.4


def test_load_demo_opens_three_quarterly_rounds_all_published(demo_engine: sa.Engine) -> None:
    rounds = published(demo_engine)
    assert [rnd.name for rnd, _ in rounds] == demo_round_names()
    current = rounds[0][0]
    assert current.is_open and not any(rnd.is_open for rnd, _ in rounds[1:])
    assert all(rnd.teams == DEMO_TEAMS for rnd, _ in rounds)
    for rnd, responses in rounds:  # nothing waits: a leader sees every demo answer
        assert len(responses) == store.response_count(demo_engine, rnd.token) > 50
        sizes = responses["team"].value_counts()
        assert sizes["Mobile"] == 3  # under every threshold, in every round
    assert not store.comments_frame(demo_engine, current.token).empty


def test_load_demo_one_team_really_changes_and_the_rest_is_stable(
    demo_engine: sa.Engine,
) -> None:
    """Latest vs previous: Checkout rises on the change scale, every other cell is stable.

    Holm runs over every visible team x scale cell at once, the strictest family
    a page could show; the earlier pair of rounds has no change at all. (The
    rounds share one bank, so every item compares: `change_table` on their
    team scores is what `round_change` computes, without its slower audit.)
    """
    rounds = published(demo_engine)
    bank = rounds[0][0].bank
    scores = [group_scores(frame, bank, by=["team"]) for _, frame in rounds]
    minimum = bank.findings.practical_minimum
    latest = change_table(scores[0], scores[1], ["team"], minimum)
    dimension, lens = demo_scale(bank, "change")
    is_change = (latest["team"] == "Checkout") & (latest["dimension"] == dimension)
    is_change &= latest["lens"] == lens
    (row,) = latest[is_change].to_dict("records")
    assert row["change"] == "rising" and row["difference"] >= 10
    assert (latest.loc[~is_change, "change"] == "stable").all()
    assert "Mobile" not in set(latest["team"])  # hidden: no change at all
    earlier = change_table(scores[1], scores[2], ["team"], minimum)
    assert (earlier["change"] == "stable").all()


def balanced_bank(reverse_per_scale: int) -> Bank:
    """Two dimensions x three lenses x four items, `reverse_per_scale` of each scale reversed.

    With 0, only one clarity item per dimension is reversed (a bank needs one per
    dimension): the product and project scales are keyed one way only.
    """
    items = []
    for dimension in ("purpose", "scope"):
        for lens in ("product", "project", "clarity"):
            reversed_here = reverse_per_scale or (1 if lens == "clarity" else 0)
            items += [
                {"id": f"{dimension}.{lens}.{k}", "dimension": dimension, "lens": lens,
                 "text": f"Statement {k}", "reverse": k < reversed_here}
                for k in range(4)
            ]  # fmt: skip
    return bank_from_dict(
        {
            "id": "simulated", "version": 1, "title": "Simulated",
            "scale": {"points": 5, "labels": ["1", "2", "3", "4", "5"]},
            "dimensions": [
                {"id": d, "name": d.title(), "retro_prompts": ["Why?", "How?"]}
                for d in ("purpose", "scope")
            ],
            "items": items,
        }
    )  # fmt: skip


def acquiescence_correlations(bank: Bank, n: int = 4000, seed: int = 3) -> pd.Series:
    """Correlation of each respondent's tendency to agree with their score, per lens."""
    rng = np.random.default_rng(seed)
    true_scales = rng.normal(55.0, 12.0, size=(n, len(bank.scales)))
    acquiescence = rng.normal(0.0, 8.0, size=n)
    scale_of_item = [bank.scales.index((item.dimension, item.lens)) for item in bank.items]
    answers = simulated_answers(bank, true_scales[:, scale_of_item], acquiescence, rng)
    scores = respondent_scores(pd.DataFrame(answers, columns=bank.item_ids), bank)
    lens_scores = scores.T.groupby(level="lens").mean().T
    return lens_scores.apply(lambda column: np.corrcoef(column, acquiescence)[0, 1])


def test_balanced_keying_removes_acquiescence_from_the_lens_scores() -> None:
    balanced = acquiescence_correlations(balanced_bank(reverse_per_scale=2))
    one_way = acquiescence_correlations(balanced_bank(reverse_per_scale=0))
    assert (balanced.abs() < 0.05).all(), balanced
    assert (one_way[["product", "project"]] > 0.3).all(), one_way
    # One clarity item of four reversed: the tendency half cancels there.
    assert 0.05 < one_way["clarity"] < one_way["product"]

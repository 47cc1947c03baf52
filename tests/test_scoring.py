"""Known-answer tests: scores worked out by hand in tests/data/README.md."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from assessment.bank import Bank
from assessment.scoring.levels import published_scores
from assessment.scoring.scores import (
    INTERNAL_COLUMNS,
    dimension_table,
    group_scores,
    item_scores,
    respondent_scores,
)
from assessment.vocabulary import round_half_up
from tests.support.banks import DATA


@pytest.fixture
def golden(tiny_bank: Bank) -> pd.DataFrame:
    dtypes = {item: "float64" for item in tiny_bank.item_ids}
    return pd.read_csv(DATA / "golden_responses.csv", dtype={**dtypes, "team": str, "role": str})


def _expected(name: str) -> pd.DataFrame:
    frame = pd.read_csv(DATA / name, dtype={"team": str, "reason": str}, keep_default_na=True)
    return frame.assign(reason=frame["reason"].fillna(""))


def _rounded(tidy: pd.DataFrame) -> pd.DataFrame:
    """What a file shows: one decimal, and no internal sd."""
    numbers = {col: round_half_up(tidy[col]) for col in ("score", "ci_low", "ci_high")}
    return tidy.drop(columns=INTERNAL_COLUMNS).assign(**numbers)


@pytest.mark.parametrize(
    ("by", "expected"),
    [([], "golden_scores_all.csv"), (["team"], "golden_scores_by_team.csv")],
)
def test_published_scores_match_hand_worked_golden(golden, tiny_bank, by, expected) -> None:
    tidy = _rounded(published_scores(golden, tiny_bank, by, tiny_bank.min_group_size))
    want = _expected(expected)
    assert list(tidy.columns) == list(want.columns)
    pd.testing.assert_frame_equal(tidy, want, check_dtype=False)


def test_item_scores_reverse_and_missing(tiny_bank) -> None:
    answers = pd.DataFrame([[5.0] * 18, [np.nan] * 18], columns=tiny_bank.item_ids)
    scores = item_scores(answers, tiny_bank)
    reversed_cols = [i for i, item in enumerate(tiny_bank.items) if item.reverse]
    assert scores[0, reversed_cols].tolist() == [0.0, 0.0]
    assert np.nansum(scores[0]) == 100.0 * 16
    assert np.isnan(scores[1]).all()


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        ([5, 3, 1], 50.0),  # all answered
        ([5, None, 2], 62.5),  # two of three: enough
        ([5, None, None], None),  # one of three: fewer than ceil(3/2)
        ([None, None, None], None),
    ],
)
def test_respondent_scores_half_answered_rule(tiny_bank, answers, expected) -> None:
    row = dict.fromkeys(tiny_bank.item_ids, 3.0)
    for k, value in enumerate(answers, start=1):
        row[f"purpose.product.{k}"] = np.nan if value is None else float(value)
    score = respondent_scores(pd.DataFrame([row]), tiny_bank)[("purpose", "product")].iloc[0]
    if expected is None:
        assert np.isnan(score)
    else:
        assert score == pytest.approx(expected)


def test_group_scores_averages_respondents_not_team_averages(tiny_bank) -> None:
    # Team X: 4 respondents at 100; team Y: 1 respondent at 0. Respondent mean 80, team mean 50.
    rows = [dict.fromkeys(tiny_bank.item_ids, 5.0) | {"team": "X"} for _ in range(4)]
    rows.append(dict.fromkeys(tiny_bank.item_ids, 1.0) | {"team": "Y"})
    tidy = group_scores(pd.DataFrame(rows), tiny_bank, min_group_size=3)
    product = tidy.set_index(["dimension", "lens"]).loc[("purpose", "product")]
    assert product["score"] == pytest.approx(80.0)
    assert product["n"] == 5


def test_group_scores_exact_threshold_is_shown(tiny_bank) -> None:
    rows = [dict.fromkeys(tiny_bank.item_ids, 4.0) | {"team": "T"} for _ in range(3)]
    tidy = group_scores(pd.DataFrame(rows), tiny_bank, by=["team"], min_group_size=3)
    assert not tidy["suppressed"].any()
    assert (tidy["n"] == 3).all()


def test_group_scores_two_way_protection_hides_across_both_columns(tiny_bank) -> None:
    # team x role cells: (A,pm)=1 hidden; protecting it must hide another cell in team A
    # AND another cell in role pm, or subtraction along the other margin recovers it.
    cells = {("A", "pm"): 1, ("A", "eng"): 6, ("B", "pm"): 6, ("B", "eng"): 6}
    rows = [
        dict.fromkeys(tiny_bank.item_ids, 4.0) | {"team": team, "role": role}
        for (team, role), count in cells.items()
        for _ in range(count)
    ]
    tidy = group_scores(pd.DataFrame(rows), tiny_bank, by=["team", "role"], min_group_size=3)
    hidden = set(tidy.loc[tidy["suppressed"], ["team", "role"]].itertuples(index=False))
    assert ("A", "pm") in hidden
    assert any(team == "A" and role != "pm" for team, role in hidden)
    assert any(role == "pm" and team != "A" for team, role in hidden)
    assert tidy.loc[tidy["suppressed"], "score"].isna().all()


def test_dimension_table_blur_and_balance(golden, tiny_bank) -> None:
    table = dimension_table(group_scores(golden, tiny_bank), [])
    purpose = table.set_index("dimension").loc["purpose"]
    assert purpose["blur_index"] == pytest.approx(100 - 433.3333 / 8, abs=1e-3)
    assert purpose["balance"] == pytest.approx(566.6667 / 9 - 533.3333 / 9, abs=1e-3)


def test_dimension_table_hidden_lens_propagates(golden, tiny_bank) -> None:
    table = dimension_table(group_scores(golden, tiny_bank, by=["team"]), ["team"])
    b_scope = table.set_index(["team", "dimension"]).loc[("B", "scope")]
    assert np.isnan(b_scope["balance"])
    assert b_scope["blur_index"] == pytest.approx(50.0)


@pytest.mark.parametrize(("value", "expected"), [(62.25, 62.3), (72.9166, 72.9), (54.15, 54.2)])
def test_round_half_up(value, expected) -> None:
    assert float(round_half_up(np.array([value]))[0]) == pytest.approx(expected)


def test_group_scores_empty_table_has_no_groups(tiny_bank) -> None:
    empty = pd.DataFrame(columns=["team", *tiny_bank.item_ids]).astype(
        dict.fromkeys(tiny_bank.item_ids, "float64")
    )
    assert group_scores(empty, tiny_bank, by=["team"]).empty
    whole = group_scores(empty, tiny_bank)
    assert whole["suppressed"].all() and (whole["n"] == 0).all()

"""Invariants of scoring, checked on generated response tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assessment.bank import Bank, load_bank
from assessment.scoring import group_scores
from tests.support.banks import DATA

BANK: Bank = load_bank(DATA / "tiny_bank.yaml")
POINTS = BANK.scale.points
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _answers(raw: bytes) -> dict[str, float]:
    """One byte per statement: half of them no answer (NaN), the rest spread over the scale.

    Drawing a respondent's answers as one byte string instead of a choice per statement
    keeps the same tables (any team, any answer or none) about three times cheaper to
    generate, which is most of these tests' time.
    """
    return {
        item: np.nan if byte < 128 else float(1 + (byte - 128) % POINTS)
        for item, byte in zip(BANK.item_ids, raw, strict=True)
    }


n_items = len(BANK.item_ids)
respondent = st.builds(
    lambda team, answers: {"team": team, **answers},
    st.sampled_from(["A", "B", "C"]),
    st.binary(min_size=n_items, max_size=n_items).map(_answers),
)
tables = st.lists(respondent, min_size=1, max_size=40).map(
    lambda rows: pd.DataFrame(rows).astype({item: "float64" for item in BANK.item_ids})
)


@SETTINGS
@given(tables)
def test_group_scores_stay_within_0_and_100(table) -> None:
    scores = group_scores(table, BANK, by=["team"], min_group_size=3)["score"].dropna()
    assert ((scores >= 0) & (scores <= 100)).all()


@SETTINGS
@given(tables, st.randoms(use_true_random=False))
def test_group_scores_ignore_row_order(table, random) -> None:
    order = list(range(len(table)))
    random.shuffle(order)
    before = group_scores(table, BANK, by=["team"], min_group_size=3)
    after = group_scores(table.iloc[order], BANK, by=["team"], min_group_size=3)
    pd.testing.assert_frame_equal(before, after)


@SETTINGS
@given(tables, st.sampled_from(BANK.item_ids))
def test_flipping_keying_and_answers_keeps_scores(table, item_id) -> None:
    data = BANK.model_dump()
    for item in data["items"]:
        if item["id"] == item_id:
            item["reverse"] = not item["reverse"]
    flipped_bank = Bank.model_validate(data)
    flipped = table.assign(**{item_id: POINTS + 1 - table[item_id]})
    before = group_scores(table, BANK, by=["team"], min_group_size=3)
    after = group_scores(flipped, flipped_bank, by=["team"], min_group_size=3)
    np.testing.assert_allclose(before["score"], after["score"], atol=1e-9)


@SETTINGS
@given(tables, respondent)
def test_adding_a_respondent_elsewhere_keeps_a_group_score(table, extra) -> None:
    extra = extra | {"team": "B"}
    grown = pd.concat([table, pd.DataFrame([extra]).astype(table.dtypes.to_dict())])
    before = group_scores(table, BANK, by=["team"], min_group_size=3)
    after = group_scores(grown, BANK, by=["team"], min_group_size=3)
    a_before = before[before["team"] == "A"].reset_index(drop=True)
    a_after = after[after["team"] == "A"].reset_index(drop=True)
    pd.testing.assert_series_equal(a_before["n"], a_after["n"])
    both_visible = ~a_before["suppressed"] & ~a_after["suppressed"]
    np.testing.assert_allclose(a_before["score"][both_visible], a_after["score"][both_visible])


@SETTINGS
@given(tables)
def test_suppressed_rows_never_carry_a_score(table) -> None:
    tidy = group_scores(table, BANK, by=["team"], min_group_size=3)
    assert tidy.loc[tidy["suppressed"], "score"].isna().all()
    assert tidy.loc[tidy["n"] < 3, "suppressed"].all()


@SETTINGS
@given(tables)
def test_hidden_groups_cannot_be_recovered_by_subtraction(table) -> None:
    tidy = group_scores(table, BANK, by=["team"], min_group_size=3)
    for _, scale in tidy.groupby(["dimension", "lens"]):
        hidden_n = scale.loc[scale["suppressed"], "n"].sum()
        assert hidden_n == 0 or hidden_n >= 3 or scale["suppressed"].all()

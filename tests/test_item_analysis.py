"""Item analysis against a table worked by hand, a keying error, and the non-answer kinds.

The hand-worked scale (tiny bank, purpose x product, items a, b, c) has four
complete respondents:

    a: 1 2 3 4      rest b+c: 3 4 6 7   r(a, rest) = 7 / sqrt(5 * 10)  = 0.98995
    b: 2 1 4 3      rest a+c: 2 5 5 8   r(b, rest) = 3 / sqrt(5 * 18)  = 0.31623
    c: 1 3 2 4      rest a+b: 3 3 7 7   r(c, rest) = 4 / sqrt(5 * 16)  = 0.44721

(centred sums of products over centred sums of squares). Every item has
variance 5/3, the total a+b+c = 4 6 9 11 has 29/3, so alpha = 3/2 * (1 -
5 / (29/3)) = 21/29. Dropping a leaves b, c with covariance 0: alpha 0;
dropping b: 2 * (1 - (10/3) / 6) = 8/9; dropping c: 2 * (1 - (10/3) / (16/3))
= 3/4. Feldt, n = 4, k = 3: F(0.975; 3, 6) = 6.5988 and F(0.025; 3, 6) =
1 / F(0.975; 6, 3) = 1 / 14.735, so the interval is 1 - (8/29) * 6.5988 =
-0.8204 to 1 - (8/29) / 14.735 = 0.98128.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from assessment.bank import Bank
from assessment.scoring.item_analysis import DONT_KNOW_FLAG_RATE, item_analysis, item_columns
from assessment.scoring.reliability import alpha_interval, cronbach_alpha
from assessment.service.demo import demo_frame, demo_scale

A, B, C = [1, 2, 3, 4], [2, 1, 4, 3], [1, 3, 2, 4]
SCALE = ["purpose.product.1", "purpose.product.2", "purpose.product.3"]
REVERSED = ["scope.project.1", "scope.project.2", "scope.project.3"]  # the second reverse-keyed


def hand_worked(bank: Bank, extra: list[dict[str, float]] | None = None) -> pd.DataFrame:
    """The four respondents (also on the reversed scale, b answered reversed), plus `extra` rows."""
    frame = pd.DataFrame(np.nan, index=range(4), columns=bank.item_ids)
    frame[SCALE] = np.column_stack([A, B, C])
    frame[REVERSED] = np.column_stack([A, 6 - np.array(B), C])  # keyed back it is b again
    if extra:
        frame = pd.concat([frame, pd.DataFrame(extra, columns=bank.item_ids)], ignore_index=True)
    return frame


def rows(table: pd.DataFrame, items: list[str]) -> pd.DataFrame:
    return table.set_index("item").loc[items]


def test_item_rest_and_alpha_if_dropped_match_the_hand_worked_table(tiny_bank: Bank) -> None:
    result = item_analysis(hand_worked(tiny_bank), tiny_bank, min_n=3)
    expected_rest = [7 / np.sqrt(50), 3 / np.sqrt(90), 4 / np.sqrt(80)]
    expected_dropped = [0.0, 8 / 9, 3 / 4]
    for items in (SCALE, REVERSED):  # reverse keying is undone before correlating
        got = rows(result.items, items)
        np.testing.assert_allclose(got["item_rest"], expected_rest, atol=1e-9)
        np.testing.assert_allclose(got["alpha_if_dropped"], expected_dropped, atol=1e-9)
        assert not got["flag_keying"].any()
    scales = result.scales.set_index(["dimension", "lens"])
    for scale in (("purpose", "product"), ("scope", "project")):
        row = scales.loc[scale]
        assert row["n"] == 4 and row["items"] == 3
        assert row["alpha"] == pytest.approx(21 / 29)
        assert row["alpha_low"] == pytest.approx(-0.8204, abs=1e-4)
        assert row["alpha_high"] == pytest.approx(0.98128, abs=1e-4)
    assert np.isnan(scales.loc[("purpose", "clarity"), "alpha"])  # nobody answered it


def test_counts_mean_and_sd_are_of_the_answers_as_given(tiny_bank: Bank) -> None:
    got = rows(item_analysis(hand_worked(tiny_bank), tiny_bank).items, ["scope.project.2"])
    row = got.iloc[0]  # answered 4 5 2 3 (reverse-keyed; not reversed for this table)
    assert row["n"] == 4 and row["mean"] == 3.5 and row["sd"] == pytest.approx(np.sqrt(5 / 3))
    assert [row[f"answer_{p}"] for p in range(1, 6)] == [0, 1, 1, 1, 1]
    assert row["dont_know_rate"] == 0


def test_below_the_minimum_of_complete_respondents_nothing_is_estimated(tiny_bank: Bank) -> None:
    result = item_analysis(hand_worked(tiny_bank), tiny_bank)  # 4 < 10 complete respondents
    assert result.items["item_rest"].isna().all() and result.items["alpha_if_dropped"].isna().all()
    assert result.scales["alpha"].isna().all() and result.scales["alpha_low"].isna().all()
    assert not result.items["flag_keying"].any()


def test_a_statement_keyed_the_wrong_way_is_flagged(tiny_bank: Bank) -> None:
    """Answers that agree with their scale while the bank says reverse: negative item-rest."""
    frame = hand_worked(tiny_bank)
    frame["scope.project.2"] = B  # answered like a plain item, scored reversed
    got = rows(item_analysis(frame, tiny_bank, min_n=3).items, REVERSED)
    assert got.loc["scope.project.2", "item_rest"] < 0
    assert got["flag_keying"].tolist() == [False, True, False]


def test_dont_know_and_not_applicable_are_counted_apart(tiny_bank: Bank) -> None:
    """A coded frame (0 don't know, -1 not applicable, NaN skipped): one rate per kind."""
    first = SCALE[0]
    extra = [{first: 0.0}, {first: 0.0}, {first: -1.0}, {first: np.nan}, {first: 0.0}, {first: 0.0}]
    frame = hand_worked(tiny_bank, extra)  # 10 responses: 4 answers, 4 DK, 1 NA, 1 skipped
    kinds = {"dont_know": 0.0, "not_applicable": -1.0}
    result = item_analysis(frame, tiny_bank, kinds=kinds, min_n=3)
    assert list(result.items.columns) == item_columns(tiny_bank, kinds)
    row = rows(result.items, [first]).iloc[0]
    assert (row["n"], row["dont_know_rate"], row["not_applicable_rate"]) == (4, 0.4, 0.1)
    assert row["skipped_rate"] == 0.1 and row["flag_dont_know"]  # 40% > 30%
    assert row["mean"] == 2.5  # the codes are not answers
    ordinary = rows(item_analysis(frame.replace([0.0, -1.0], np.nan), tiny_bank).items, [first])
    assert ordinary.iloc[0]["dont_know_rate"] == 0.6  # an ordinary frame: every empty cell
    assert "not_applicable_rate" not in ordinary and "skipped_rate" not in ordinary
    assert DONT_KNOW_FLAG_RATE == 0.30


def test_item_analysis_agrees_with_the_direct_computation_on_the_demo(default_bank: Bank) -> None:
    """A realistic table: item-rest and alpha-if-dropped as pandas computes them one by one."""
    frame = demo_frame(default_bank)
    result = item_analysis(frame, default_bank)
    scale = default_bank.items_in(*demo_scale(default_bank, "borderline"))
    ids = [item.id for item in scale]
    keyed = frame[ids].astype(float)
    for item in scale:
        if item.reverse:
            keyed[item.id] = default_bank.scale.points + 1 - keyed[item.id]
    complete = keyed.dropna()
    got = rows(result.items, ids)
    for item_id in ids:
        rest = complete.drop(columns=item_id).sum(axis=1)
        assert got.loc[item_id, "item_rest"] == pytest.approx(complete[item_id].corr(rest))
        dropped = cronbach_alpha(complete.drop(columns=item_id))
        assert got.loc[item_id, "alpha_if_dropped"] == pytest.approx(dropped)
    row = result.scales.set_index(["dimension", "lens"]).loc[demo_scale(default_bank, "borderline")]
    assert row["alpha"] == pytest.approx(cronbach_alpha(complete))
    low, high = alpha_interval(row["alpha"], len(complete), len(ids))
    assert row["alpha_low"] == pytest.approx(float(low)) and low < row["alpha"] < high
    hard = default_bank.items_in(*demo_scale(default_bank, "hard"))[0].id
    flagged = result.items.loc[result.items["flag_dont_know"], "item"].tolist()
    assert flagged == [hard]  # the demo's statement that many cannot answer
    assert not result.items["flag_keying"].any()

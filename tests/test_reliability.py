"""Cronbach's alpha: hand-worked values, Feldt's interval, the n >= 10 and n >= 20 rules."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from assessment.scoring.reliability import (
    FLAG_LOW_ALPHA,
    FLAG_SMALL_N,
    alpha_interval,
    cronbach_alpha,
    reliability,
)


def test_cronbach_alpha_hand_worked() -> None:
    # var(a) = 5/3, var(b) = 35/12, var(a + b) = 107/12
    # alpha = 2 * (1 - (5/3 + 35/12) / (107/12)) = 2 * (1 - 55/107) = 104/107
    items = pd.DataFrame({"a": [1, 2, 3, 4], "b": [1, 2, 3, 5]})
    assert cronbach_alpha(items) == pytest.approx(104 / 107)


def test_cronbach_alpha_ignores_incomplete_rows() -> None:
    items = pd.DataFrame({"a": [1, 2, 3, 4, np.nan], "b": [1, 2, 3, 5, 1]})
    assert cronbach_alpha(items) == pytest.approx(104 / 107)


@pytest.mark.parametrize(
    "items",
    [pd.DataFrame({"a": [1, 2]}), pd.DataFrame({"a": [3, 3], "b": [3, 3]})],
    ids=["one-item", "no-variance"],
)
def test_cronbach_alpha_undefined(items) -> None:
    assert np.isnan(cronbach_alpha(items))


def _respondents(bank, n: int, team: str, rng) -> pd.DataFrame:
    latent = rng.integers(1, 6, size=(n, 1)).astype(float)
    answers = np.clip(latent + rng.integers(-1, 2, size=(n, len(bank.items))), 1, 5)
    reverse = np.array([item.reverse for item in bank.items])
    answers[:, reverse] = 6 - answers[:, reverse]
    return pd.DataFrame(answers, columns=bank.item_ids).assign(team=team)


def test_reliability_needs_ten_complete_respondents(tiny_bank) -> None:
    rng = np.random.default_rng(3)
    table = pd.concat([_respondents(tiny_bank, 12, "A", rng), _respondents(tiny_bank, 9, "B", rng)])
    result = reliability(table, tiny_bank, by=["team"]).set_index(["team", "dimension", "lens"])
    assert result.loc[("A", "purpose", "product"), "n"] == 12
    assert result.loc[("A", "purpose", "product"), "alpha"] > 0.6
    assert np.isnan(result.loc[("B", "purpose", "product"), "alpha"])


def test_reliability_matches_cronbach_alpha_per_scale(tiny_bank) -> None:
    table = _respondents(tiny_bank, 30, "A", np.random.default_rng(5))
    result = reliability(table, tiny_bank).set_index(["dimension", "lens"])
    ids = [item.id for item in tiny_bank.items_in("scope", "project")]
    scores = (table[ids] - 1) * 25
    scores["scope.project.2"] = 100 - scores["scope.project.2"]
    assert result.loc[("scope", "project"), "alpha"] == pytest.approx(cronbach_alpha(scores))
    assert result.loc[("scope", "project"), "items"] == 3


@pytest.mark.parametrize(
    ("alpha", "n", "k", "low", "high"),
    [
        # F(0.975; 7, 14) = 3.38, F(0.975; 14, 7) = 4.60 (printed F tables):
        # 1 - 0.5 * 3.38 = -0.69 and 1 - 0.5 / 4.60 = 0.891.
        (0.5, 8, 3, -0.690, 0.891),
        # 11 people, 2 items: F(0.975; 10, 10) = 3.72, so 1 - 0.3 * 3.72 = -0.116 and
        # 1 - 0.3 / 3.72 = 0.919.
        (0.7, 11, 2, -0.116, 0.919),
        # Bonett's published example (statpsych ci.cronbach): 0.85, 7 items, n 89 -> 0.797, 0.893.
        (0.85, 89, 7, 0.797, 0.893),
    ],
)
def test_alpha_interval_matches_hand_worked_table(alpha, n, k, low, high) -> None:
    got_low, got_high = alpha_interval(alpha, n, k)
    assert float(got_low) == pytest.approx(low, abs=0.002)
    assert float(got_high) == pytest.approx(high, abs=0.002)


def test_alpha_interval_undefined_without_alpha_or_people() -> None:
    low, high = alpha_interval(np.array([np.nan, 0.7]), np.array([30, 1]), 3)
    assert np.isnan(low).all() and np.isnan(high).all()


def test_reliability_flags_small_groups_and_uncertain_alphas(tiny_bank) -> None:
    rng = np.random.default_rng(3)
    table = pd.concat(
        [_respondents(tiny_bank, 12, "A", rng), _respondents(tiny_bank, 200, "B", rng)]
    )
    result = reliability(table, tiny_bank, by=["team"]).set_index(["team", "dimension", "lens"])
    small = result.loc[("A", "purpose", "product")]
    assert small["alpha"] > 0.6 and small["flagged"] and small["flag"] == FLAG_SMALL_N
    large = result.loc["B"]
    assert (large["alpha_low"] < large["alpha"]).all() and (
        large["alpha"] < large["alpha_high"]
    ).all()
    assert (large["flagged"] == (large["alpha_low"] < tiny_bank.findings.alpha_min)).all()
    assert set(large["flag"]) <= {"", FLAG_LOW_ALPHA}

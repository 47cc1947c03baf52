"""Cronbach's alpha: hand-worked values, and the n >= 10 rule."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from assessment.scoring.reliability import cronbach_alpha, reliability


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

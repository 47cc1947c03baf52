"""Findings: the decision list, its thresholds from the bank, and the evidence it states."""

from __future__ import annotations

import pandas as pd
import pytest

from assessment.bank import FindingRules
from assessment.scoring import group_scores
from assessment.scoring.findings import classify, findings
from tests.support.banks import DATA

RULES = FindingRules(blurred_below=50, low_below=50, gap=15, alpha_min=0.6)
NAN = float("nan")


@pytest.mark.parametrize(
    ("product", "project", "clarity", "expected"),
    [
        (80, 80, 49.9, "blurred"),
        (80, 80, 50, "distinct"),  # the threshold itself is not blurred
        (30, 40, 70, "under-managed"),
        (45, 80, 70, "delivery-led"),
        (65, 80, 70, "delivery-led"),  # exactly the gap
        (66, 80, 70, "distinct"),  # under the gap
        (90, 60, 70, "plan-light"),
        (20, 90, 30, "blurred"),  # blurring outranks balance
        (NAN, 80, 40, "blurred"),  # clarity alone can show blurring
        (NAN, 80, 70, None),  # nothing else can be judged without both sides
        (70, 70, NAN, None),  # "distinct" needs clarity
        (40, 80, NAN, "delivery-led"),
    ],
)
def test_classify_decision_list(product, project, clarity, expected) -> None:
    assert classify(product, project, clarity, RULES) == expected


def test_classify_uses_the_bank_thresholds() -> None:
    strict = FindingRules(blurred_below=75, low_below=50, gap=15, alpha_min=0.6)
    assert classify(80, 80, 70, RULES) == "distinct"
    assert classify(80, 80, 70, strict) == "blurred"


@pytest.fixture
def golden_tidy(tiny_bank):
    responses = pd.read_csv(DATA / "golden_responses.csv", dtype={"team": str, "role": str})
    return group_scores(responses, tiny_bank, by=["team"])


def test_findings_for_golden_teams(golden_tidy, tiny_bank) -> None:
    result = {(f.group["team"], f.dimension): f for f in findings(golden_tidy, tiny_bank, ["team"])}
    # Team A: purpose 72.9 / 62.5 / 62.5 -> distinct; scope 75 / 25 / 50 -> plan-light.
    assert result[("A", "purpose")].classification == "distinct"
    assert result[("A", "scope")].classification == "plan-light"
    # B's scope clarity (n = 3, exactly the threshold) is visible but product/project are not,
    # and clarity 50 is not blurred, so no verdict; C is hidden everywhere.
    assert set(result) == {("A", "purpose"), ("A", "scope")}


def test_findings_state_evidence_and_prompts(golden_tidy, tiny_bank) -> None:
    finding = next(f for f in findings(golden_tidy, tiny_bank, ["team"]) if f.dimension == "scope")
    assert finding.evidence == (
        "Product 75.0, project 25.0, clarity 50.0 (blur index 50.0), from 4 respondents."
    )
    assert finding.headline.startswith("Scope is plan-light in A")
    assert finding.prompts == tiny_bank.dimension("scope").retro_prompts
    assert finding.scores == {
        "product": 75.0, "project": 25.0, "clarity": 50.0, "blur_index": 50.0,
        "balance": 50.0, "n": 4,
    }  # fmt: skip


def test_findings_never_judge_hidden_groups(golden_tidy, tiny_bank) -> None:
    teams = {f.group["team"] for f in findings(golden_tidy, tiny_bank, ["team"])}
    assert "C" not in teams and "B" not in teams

"""Findings: the decision list, its thresholds from the bank, and the evidence it states."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from assessment.bank import Bank, FindingRules
from assessment.scoring import group_scores
from assessment.scoring.findings import classify, findings, possible_verdicts, verdict_counts
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
    # All four of A answered scope alike, so every interval is a point and the verdict is firm.
    assert finding.evidence == (
        "Product 75.0 (95% interval 75–75), project 25.0 (25–25), clarity 50.0 (50–50);"
        " blur index 50.0; from 4 respondents."
    )
    assert finding.firm and finding.possible == ("plan-light",)
    assert finding.headline.startswith("Scope is plan-light in A")
    assert finding.prompts == tiny_bank.dimension("scope").retro_prompts
    assert finding.scores == {
        "product": 75.0, "project": 25.0, "clarity": 50.0, "blur_index": 50.0,
        "balance": 50.0, "n": 4,
    }  # fmt: skip


def test_findings_never_judge_hidden_groups(golden_tidy, tiny_bank) -> None:
    teams = {f.group["team"] for f in findings(golden_tidy, tiny_bank, ["team"])}
    assert "C" not in teams and "B" not in teams


# --- how sure a verdict is --------------------------------------------------------------


def _scope_group(tiny_bank, clarity_answers) -> pd.DataFrame:
    """One team: everyone at 75 on scope product and project, clarity as given (None: skipped)."""
    rows = []
    for answers in clarity_answers:
        row = dict.fromkeys(tiny_bank.item_ids, 3.0)
        row |= {f"scope.product.{k}": 4.0 for k in (1, 2, 3)}
        row |= {"scope.project.1": 4.0, "scope.project.2": 2.0, "scope.project.3": 4.0}
        row |= {f"scope.clarity.{k}": (np.nan if a is None else float(a))
                for k, a in enumerate(answers, start=1)}  # fmt: skip
        rows.append(row | {"team": "A"})
    return pd.DataFrame(rows)


def _scope(frame, tiny_bank):
    tidy = group_scores(frame, tiny_bank, by=["team"], min_group_size=5)
    return next(f for f in findings(tidy, tiny_bank, ["team"]) if f.dimension == "scope")


def test_a_verdict_on_the_threshold_reads_borderline_both_ways(tiny_bank) -> None:
    # 30 responses: 14 x (2,2,2) = 25, 14 x (4,4,4) = 75, one (3,3,4) = 58.3, one (2,3,-) = 37.5:
    # clarity (350 + 1050 + 58.33 + 37.5) / 30 = 49.86 -> 49.9, blurred by its score alone.
    answers = [(2, 2, 2)] * 14 + [(4, 4, 4)] * 14 + [(3, 3, 4), (2, 3, None)]
    before = _scope(_scope_group(tiny_bank, answers), tiny_bank)
    # One more ordinary response (3, 4, -) = 62.5: (1495.83 + 62.5) / 31 = 50.27 -> 50.3.
    after = _scope(_scope_group(tiny_bank, [*answers, (3, 4, None)]), tiny_bank)
    assert (before.scores["clarity"], after.scores["clarity"]) == (49.9, 50.3)
    assert (before.classification, after.classification) == ("blurred", "distinct")
    assert not before.firm and not after.firm
    assert before.possible == ("blurred", "distinct") and after.possible == ("distinct", "blurred")
    assert before.evidence.startswith(
        "blurred or distinct: clarity 49.9, 95% interval 41–59, n = 30."
    )
    assert after.evidence.startswith(
        "distinct or blurred: clarity 50.3, 95% interval 41–59, n = 31."
    )
    assert before.headline == (
        "Scope is borderline blurred in A: the 95% intervals also allow distinct."
    )
    firm, borderline = verdict_counts([before, after])
    assert sum(firm.values()) == 0 and (borderline["blurred"], borderline["distinct"]) == (1, 1)


def test_one_more_response_never_turns_a_firm_verdict_into_another(tiny_bank) -> None:
    """300 simulated teams near the thresholds, each before and after one more response."""
    rng = np.random.default_rng(20)
    teams = 300
    sizes = rng.integers(5, 31, teams)
    team = np.repeat(np.arange(teams), sizes)
    centre = rng.uniform(2.0, 4.2, (teams, len(tiny_bank.items)))  # per team and item
    centre = np.repeat(centre[:, :3], 6, axis=1)[:, : len(tiny_bank.items)]  # a lens shares it

    def draw(which: np.ndarray) -> pd.DataFrame:
        noise = rng.normal(0, 1.0, (len(which), len(tiny_bank.items)))
        answers = np.clip(np.rint(centre[which] + noise), 1, 5)
        return pd.DataFrame(answers, columns=tiny_bank.item_ids).assign(team=which.astype(str))

    before = draw(team)
    after = pd.concat([before, draw(np.arange(teams))], ignore_index=True)
    verdicts = []
    for frame in (before, after):
        tidy = group_scores(frame, tiny_bank, by=["team"], min_group_size=5)
        found = findings(tidy, tiny_bank, ["team"])
        verdicts.append({(f.group["team"], f.dimension): (f.classification, f.firm) for f in found})
    flips = firm_flips = firm = 0  # measured: 156 firm of 600; 26 move
    for key, (label, is_firm) in verdicts[0].items():
        later, later_firm = verdicts[1].get(key, (None, False))
        flips += label != later
        firm += is_firm
        firm_flips += is_firm and later_firm and label != later
    assert firm > 80 and flips > 0  # the simulation has firm verdicts and verdicts that move
    assert firm_flips == 0


def test_findings_offer_the_prompts_of_their_verdict(tiny_bank) -> None:
    data = tiny_bank.model_dump()
    data["dimensions"][1]["verdict_prompts"] = {"plan-light": ["Who plans the delivery?"]}
    bank = Bank.model_validate(data)
    responses = pd.read_csv(DATA / "golden_responses.csv", dtype={"team": str, "role": str})
    by_dimension = {
        f.dimension: f for f in findings(group_scores(responses, bank, ["team"]), bank, ["team"])
    }
    assert by_dimension["scope"].prompts == ["Who plans the delivery?"]
    assert by_dimension["purpose"].prompts == bank.dimension("purpose").retro_prompts  # fallback


def _boxes(product, project, clarity):
    return {"product": product, "project": project, "clarity": clarity}


def test_possible_verdicts_follow_the_decision_list() -> None:
    wide = possible_verdicts(_boxes((40, 60), (40, 60), (60, 80)), RULES)
    assert wide == {"under-managed", "distinct", "delivery-led", "plan-light"}
    # product at least 70, project at most 52: the gap is at least 18 -> plan-light only
    assert possible_verdicts(_boxes((70, 75), (40, 52), (60, 80)), RULES) == {"plan-light"}
    # product hidden: only clarity can speak, and it allows blurring
    assert possible_verdicts(_boxes(None, (40, 52), (30, 55)), RULES) == {"blurred"}


def test_banks_without_the_new_fields_load_and_bad_verdict_keys_are_named(tiny_bank) -> None:
    from assessment.bank import bank_from_dict
    from assessment.errors import BankError

    assert tiny_bank.findings.practical_minimum == 5.0
    assert tiny_bank.dimension("purpose").verdict_prompts == {}
    assert tiny_bank.items[0].unchanged_since is None
    data = tiny_bank.model_dump()
    data["dimensions"][0]["verdict_prompts"] = {"blurry": ["Who decides?"]}
    with pytest.raises(BankError, match=r"dimension 'purpose'.*verdict_prompts.*got 'blurry'"):
        bank_from_dict(data, "bank.yaml")

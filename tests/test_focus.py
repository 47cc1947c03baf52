"""The focus list: firm problems, then borderline ones; by gap to the organisation, then fall."""

from __future__ import annotations

import pandas as pd

from assessment.bank import Bank
from assessment.scoring.certainty import CHANGE_COLUMNS
from assessment.scoring.findings import findings
from assessment.scoring.focus import focus_list

# team: (product, project, clarity) as (score, half-width of its interval)
TEAMS = {
    "T1": ((70, 5), (70, 5), (30, 5)),  # firm blurred, 30 below the organisation
    "T2": ((70, 5), (70, 5), (40, 5)),  # firm blurred, 20 below, fell 10
    "T3": ((70, 5), (70, 5), (48, 8)),  # borderline blurred, 12 below
    "T4": ((70, 5), (70, 5), (70, 5)),  # firm distinct: not a problem
    "T5": ((70, 5), (70, 5), (52, 8)),  # borderline distinct that may be blurred, 8 below
    "T6": ((70, 5), (70, 5), (40, 5)),  # firm blurred, 20 below, no change known
}


def _tidy(rows: dict[str, tuple[tuple[float, float], ...]]) -> pd.DataFrame:
    records = [
        {"team": team, "dimension": "purpose", "lens": lens, "score": score,
         "ci_low": score - half, "ci_high": score + half, "n": 20, "suppressed": False}
        for team, lenses in rows.items()
        for lens, (score, half) in zip(("product", "project", "clarity"), lenses, strict=True)
    ]  # fmt: skip
    return pd.DataFrame(records)


ORG = pd.DataFrame(
    {"dimension": "purpose", "lens": ["product", "project", "clarity"], "score": [70.0, 70.0, 60.0]}
)
CHANGES = pd.DataFrame(
    [["T2", "purpose", "clarity", 40.0, 50.0, -10.0, -16.0, -4.0, 0.001, 0.004, "falling"],
     ["T1", "purpose", "clarity", 30.0, 28.0, 2.0, -4.0, 8.0, 0.5, 1.0, "stable"]],
    columns=["team", *CHANGE_COLUMNS],
)  # fmt: skip


def test_focus_list_order_and_evidence(tiny_bank: Bank) -> None:
    found = findings(_tidy(TEAMS), tiny_bank, ["team"])
    items = focus_list(found, ORG, CHANGES, tiny_bank)
    assert [item.group["team"] for item in items] == ["T1", "T2", "T6", "T3", "T5"]
    assert [item.firm for item in items] == [True, True, True, False, False]
    assert all(item.verdict == "blurred" and item.lenses == ("clarity",) for item in items)
    t2 = items[1]
    assert (t2.gap, t2.difference, t2.change) == (20.0, -10.0, "falling")
    assert t2.evidence.endswith(
        "20.0 points below the organisation on clarity. Falling since the last round on clarity"
        " (-10.0)."
    )
    assert items[2].difference is None and items[2].change is None
    assert items[0].prompts == tiny_bank.dimension("purpose").retro_prompts


def test_focus_list_prompts_follow_the_problem_verdict(tiny_bank: Bank) -> None:
    data = tiny_bank.model_dump()
    data["dimensions"][0]["verdict_prompts"] = {"blurred": ["Who decides what, and who when?"]}
    bank = Bank.model_validate(data)
    t5 = focus_list(findings(_tidy({"T5": TEAMS["T5"]}), bank, ["team"]), ORG, None, bank)[0]
    assert t5.finding.classification == "distinct" and t5.verdict == "blurred"
    assert t5.prompts == ["Who decides what, and who when?"]


def test_focus_list_without_problems_or_organisation(tiny_bank: Bank) -> None:
    assert focus_list(findings(_tidy({"T4": TEAMS["T4"]}), tiny_bank, ["team"])) == []
    items = focus_list(findings(_tidy({"T1": TEAMS["T1"]}), tiny_bank, ["team"]))
    assert items[0].gap is None and "organisation" not in items[0].evidence

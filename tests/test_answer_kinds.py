"""Answer counts that keep don't know and not applicable apart, and the routing answer's counts."""

from __future__ import annotations

import numpy as np
import pandas as pd

from assessment.bank import Bank, bank_from_dict
from assessment.scoring.levels import (
    DONT_KNOW,
    NOT_APPLICABLE,
    answer_counts,
    without_projects_counts,
)
from assessment.survey import GATE_COLUMN


def apart(bank: Bank) -> Bank:
    data = bank.model_dump()
    data["project_gate"] = {"text": "Does your team's work include projects?"}
    data["scale"] |= {"dont_know_label": "Don't know", "not_applicable": True}
    return bank_from_dict(data)


def frame(bank: Bank, first_item: list[float], teams: list[str]) -> pd.DataFrame:
    values = np.full((len(first_item), len(bank.items)), 3.0)
    values[:, 0] = first_item
    answers = pd.DataFrame(values, columns=bank.item_ids)
    return answers.assign(team=teams, role="engineering")


def counted(table: pd.DataFrame, item: str) -> dict[int, int]:
    rows = table[table["item"] == item]
    return dict(zip(rows["answer"].astype(int), rows["count"].astype(int), strict=True))


def test_answer_counts_keep_not_applicable_apart_in_a_coded_frame(tiny_bank: Bank) -> None:
    bank = apart(tiny_bank)
    # Worked by hand: 2 x not applicable, 1 x don't know, 1 skipped, a 5 and a 1.
    coded = frame(bank, [-1, -1, 0, np.nan, 5, 1], ["A"] * 6)
    org = answer_counts(coded, bank)["org"]
    assert counted(org, "purpose.product.1") == {
        NOT_APPLICABLE: 2, DONT_KNOW: 2, 1: 1, 2: 0, 3: 0, 4: 0, 5: 1,
    }  # fmt: skip
    assert counted(org, "purpose.product.2") == {-1: 0, 0: 0, 1: 0, 2: 0, 3: 6, 4: 0, 5: 0}


def test_answer_counts_of_a_combined_choice_bank_are_as_before(tiny_bank: Bank) -> None:
    plain = frame(tiny_bank, [np.nan, 2, 2], ["A"] * 3)
    org = answer_counts(plain, tiny_bank)["org"]
    assert counted(org, "purpose.product.1") == {0: 1, 1: 0, 2: 2, 3: 0, 4: 0, 5: 0}


def test_without_projects_counts_hide_what_a_hidden_group_holds(tiny_bank: Bank) -> None:
    bank = apart(tiny_bank)
    teams = ["A"] * 5 + ["B"] * 3 + ["C"] * 2
    gate = [False, False, True, None, True, False, True, True, False, False]
    data = frame(bank, [3.0] * 10, teams).assign(**{GATE_COLUMN: pd.array(gate, "boolean")})
    tables = without_projects_counts(data, minimum=3, teams=["A", "B", "C"])
    org = tables["org"].iloc[0]
    assert (org["without_projects"], org["asked"], org["hidden"]) == (5, 9, False)
    team = tables["team"].set_index("team")
    assert team.loc["A", ["without_projects", "asked"]].tolist() == [2, 4]
    # C (2) is too small; B (3) then protects it, since org - A - B would give C away.
    assert team.loc[["B", "C"], "reason"].tolist() == ["protects_another", "too_small"]
    assert team.loc[["B", "C"], ["without_projects", "asked"]].isna().all(axis=None)
    assert tables["team_role"]["hidden"].tolist() == [False, True, True]


def test_without_projects_counts_nobody_without_the_question(tiny_bank: Bank) -> None:
    tables = without_projects_counts(frame(tiny_bank, [3.0] * 3, ["A"] * 3), minimum=3)
    assert tables["org"][["without_projects", "asked"]].iloc[0].tolist() == [0, 0]


def test_the_results_say_how_many_work_without_projects_and_never_for_a_hidden_team(
    tiny_bank: Bank,
) -> None:
    from assessment.results.text import without_projects_line
    from assessment.results.view import Selection, build_results

    bank = apart(tiny_bank)
    teams = ["A"] * 5 + ["B"] * 3 + ["C"] * 2
    gate = [False, False, True, None, True, False, True, True, False, False]
    data = frame(bank, [3.0] * 10, teams).assign(**{GATE_COLUMN: pd.array(gate, "boolean")})
    results = build_results(
        data, bank, token="t", name="R", min_group_size=3, teams=["A", "B", "C"]
    )
    line = without_projects_line(results, Selection())
    assert line is not None and line.startswith("5 of 9 respondents answered")
    assert without_projects_line(results, Selection(team="A")).startswith("2 of 4 respondents")
    assert without_projects_line(results, Selection(team="B")) is None  # hidden: no count
    plain = build_results(
        frame(tiny_bank, [3.0] * 3, ["A"] * 3), tiny_bank, token="t", name="R", min_group_size=3
    )
    assert without_projects_line(plain, Selection()) is None  # no routing question asked

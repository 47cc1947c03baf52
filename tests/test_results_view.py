"""What the results page shows, computed without Streamlit from small hand-made rounds.

The tiny bank's minimum group size is 3. Respondents answer every item of a
lens with one value, so the expected scores are easy to work out: an answer of
4 scores 75 (25 on a reverse-keyed item), 1 scores 0 (100 reversed).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
import pytest

from assessment.bank import Bank
from assessment.policy import COMMENT_MIN_GROUP_SIZE
from assessment.results.text import (
    borderline_words,
    compare_table,
    count_table,
    dimension_findings,
    distinct_note,
    headlines,
    heatmap_detail_table,
    heatmap_table,
    hidden_groups,
    interval_table,
    reliability_table,
    round_axis_labels,
    score_table,
    trend_table,
    verdict_summary,
    visible_comments,
)
from assessment.results.view import (
    RoundChange,
    RoundResults,
    Selection,
    answers_frame,
    build_change,
    build_results,
    change_rows,
    compare_roles,
    compare_rounds,
    compare_team,
    default_compare_roles,
    default_round,
    earlier_rounds,
    finding_change,
    group_visible,
    heatmap_changes,
    heatmap_rows,
    radar_rows,
    rounds_comparable,
    selection_findings,
    team_findings,
    trend_rows,
)
from assessment.scoring.findings import Finding
from assessment.store import Round

HIDDEN = "fewer than 3 responses — hidden"
PROTECTING = "hidden so that a smaller group cannot be worked out"
MINIMUM = 3
# Every respondent of a group answers alike, so a hidden group's value is easy to look for.
SECRET = 1  # answer of the hidden team: it scores 0 (100 reversed), and its n is 2


def respondents(
    bank: Bank, team: str, role: str, count: int, *, product: int = 4, project: int = 4,
    clarity: int = 4, scope_clarity: int | None = None,
) -> pd.DataFrame:  # fmt: skip
    """`count` identical respondents: one answer per lens (scope clarity optionally apart)."""
    answer = {"product": product, "project": project, "clarity": clarity}
    row = {
        item.id: float(
            scope_clarity
            if scope_clarity is not None and item.dimension == "scope" and item.lens == "clarity"
            else answer[item.lens]
        )
        for item in bank.items
    }
    frame = pd.DataFrame([row] * count)
    frame.insert(0, "role", role)
    frame.insert(0, "team", team)
    return frame


def round_of(bank: Bank, *parts: pd.DataFrame, **kwargs: object) -> RoundResults:
    frame = pd.concat(parts, ignore_index=True)
    options = {"token": "tok", "name": "Q3", "min_group_size": bank.min_group_size, **kwargs}
    return build_results(frame, bank, **options)  # type: ignore[arg-type]


@pytest.fixture
def with_hidden_team(tiny_bank: Bank) -> RoundResults:
    """Alpha 9, Beta 4, Gamma 2: Gamma is small, Beta is hidden with it to protect it.

    By role: engineering 10, design 3, product 2: design is hidden to protect product.
    """
    return round_of(
        tiny_bank,
        respondents(tiny_bank, "Alpha", "engineering", 4),
        respondents(tiny_bank, "Alpha", "product", 2),
        respondents(tiny_bank, "Alpha", "design", 3),
        respondents(tiny_bank, "Beta", "engineering", 4, clarity=1),
        respondents(tiny_bank, "Gamma", "engineering", 2, product=SECRET, project=SECRET,
                    clarity=SECRET),
        teams=["Alpha", "Beta", "Gamma", "Delta"],
    )  # fmt: skip


def _numbers_in(frame: pd.DataFrame) -> set[float]:
    values = frame.select_dtypes("number").to_numpy(dtype=float).ravel()
    return {round(v, 1) for v in values if not math.isnan(v)}


def test_small_team_has_no_number_in_any_view_data(with_hidden_team, tiny_bank) -> None:
    results, gamma = with_hidden_team, Selection("Gamma")
    rows = radar_rows(results, gamma)
    assert rows[["product", "project", "clarity", "blur_index", "balance"]].isna().all().all()
    assert rows[["n_product", "n_project", "n_clarity"]].isna().all().all()
    tidy = results.tidy["team"]
    assert tidy.loc[tidy["team"] == "Gamma", ["score", "n"]].isna().all().all()
    assert not group_visible(results, gamma)
    assert answers_frame(results, gamma) is None
    assert reliability_table(results, gamma) is None
    assert visible_comments(results, gamma) is None
    assert not [f for f in results.findings["team"] if f.group["team"] == "Gamma"]
    assert set(score_table(rows, tiny_bank, MINIMUM).drop(columns="Dimension").stack()) == {HIDDEN}
    counts = count_table(results, "team").set_index("Team")["Responses"]
    assert counts["Gamma"] == HIDDEN
    heat = heatmap_table(heatmap_rows(results), tiny_bank, MINIMUM).set_index("Team")
    assert set(heat.loc["Gamma"]) == {HIDDEN}
    assert "Gamma" in hidden_groups(results, Selection())


def test_complementary_suppression_hides_the_next_smallest_team(with_hidden_team) -> None:
    """Org minus Alpha minus Beta would give Gamma: Beta (4) is hidden with it."""
    results = with_hidden_team
    counts = results.counts["team"].set_index("team")
    # Delta, a round team with no responses yet, is listed and hidden as too small.
    assert counts["hidden"].to_dict() == {
        "Alpha": False,
        "Beta": True,
        "Gamma": True,
        "Delta": True,
    }
    assert counts["reason"].to_dict() == {
        "Alpha": "", "Beta": "protects_another", "Gamma": "too_small", "Delta": "too_small"
    }  # fmt: skip
    assert counts.loc["Beta", "responses"] != counts.loc["Beta", "responses"]  # NaN
    assert radar_rows(results, Selection("Beta"))["clarity"].isna().all()
    assert radar_rows(results, Selection("Alpha"))["clarity"].notna().all()
    assert hidden_groups(results, Selection()) == ["Beta", "Gamma", "Delta"]
    assert count_table(results, "team")["Responses"].tolist() == [
        "9",
        PROTECTING,  # Beta has 4, enough on its own: the page says why it is hidden
        HIDDEN,
        HIDDEN,  # Delta has none: the same words as a small team, so its first answer is not news
    ]


def test_team_by_role_cells_hidden_with_their_team_or_role(with_hidden_team) -> None:
    """Cells of hidden teams (Beta, Gamma) and hidden roles (product, design) are hidden;
    Alpha's 4 engineers stay visible: Alpha's 9 minus them leaves 5 hidden respondents."""
    counts = with_hidden_team.counts["team_role"].set_index(["team", "role"])["hidden"]
    assert counts.to_dict() == {
        ("Alpha", "design"): True,
        ("Alpha", "engineering"): False,
        ("Alpha", "product"): True,
        ("Beta", "engineering"): True,
        ("Gamma", "engineering"): True,
    }
    dims = with_hidden_team.dimensions["team_role"].set_index(["team", "role"])
    assert dims.loc[("Alpha", "engineering"), "clarity"].notna().all()
    assert dims.loc[("Beta", "engineering"), "clarity"].isna().all()
    roles = with_hidden_team.counts["role"].set_index("role")["hidden"].to_dict()
    assert roles == {"design": True, "engineering": False, "product": True}


def test_role_table_protects_a_small_role(tiny_bank) -> None:
    """10 engineers and 2 product managers: the organisation's 12 minus the engineers
    would give the product managers, so the engineers are hidden too."""
    results = round_of(
        tiny_bank,
        respondents(tiny_bank, "Alpha", "engineering", 10),
        respondents(tiny_bank, "Alpha", "product", 2),
    )
    assert group_visible(results, Selection())
    assert not group_visible(results, Selection(None, "engineering"))
    assert radar_rows(results, Selection(None, "engineering"))["product"].isna().all()


def test_cell_of_a_hidden_team_stays_hidden_even_when_large_enough(tiny_bank) -> None:
    """Beta (4) is hidden to protect Gamma (2); Beta's only cell, Beta x engineering (4),
    would otherwise show Beta's scores and, by subtraction, Gamma's."""
    results = round_of(
        tiny_bank,
        respondents(tiny_bank, "Alpha", "engineering", 6),
        respondents(tiny_bank, "Beta", "engineering", 4),
        respondents(tiny_bank, "Gamma", "engineering", 2),
    )
    assert not group_visible(results, Selection("Beta"))
    assert not group_visible(results, Selection("Beta", "engineering"))
    cells = results.dimensions["team_role"].set_index("team")
    assert cells.loc["Beta", "clarity"].isna().all()
    assert cells.loc["Alpha", "clarity"].notna().all()


def test_hidden_values_appear_nowhere_in_visible_tables(with_hidden_team, tiny_bank) -> None:
    """Gamma alone scores 0 on product, from n = 2: no visible table may hold either."""
    results = with_hidden_team
    secret = {0.0, 2.0}
    selections = [Selection(), Selection("Alpha"), Selection(None, "engineering"),
                  Selection("Alpha", "engineering")]  # fmt: skip
    visible = [radar_rows(results, s) for s in selections] + [heatmap_rows(results)]
    for frame in visible:
        assert not (_numbers_in(frame.drop(columns=["balance"])) & secret)
    counts = pd.concat(list(results.counts.values()))
    assert not (_numbers_in(counts[["responses"]]) & secret)


def test_org_scores_are_respondent_means(with_hidden_team) -> None:
    """Product: 13 respondents at 75, 2 at 0 -> 65.0 for the organisation."""
    rows = radar_rows(with_hidden_team, Selection()).set_index("dimension")
    assert rows.loc["purpose", "product"] == pytest.approx(65.0)
    assert rows.loc["purpose", "n_product"] == 15


def test_overlay_team_vs_organisation(with_hidden_team) -> None:
    groups = compare_team(with_hidden_team, "Alpha")
    assert [label for label, _ in groups] == ["Alpha", "Whole organisation"]
    alpha, org = (rows.set_index("dimension") for _, rows in groups)
    assert alpha.loc["purpose", "product"] == 75.0
    assert org.loc["purpose", "product"] == pytest.approx(65.0)
    hidden = compare_team(with_hidden_team, "Gamma")[0][1]
    assert hidden["product"].isna().all()


def test_overlay_role_vs_role_within_a_team_uses_team_by_role_suppression(
    with_hidden_team, tiny_bank
) -> None:
    assert default_compare_roles(with_hidden_team) == ["product", "engineering"]
    across = dict(compare_roles(with_hidden_team, ["engineering", "product"]))
    assert across["Engineering"]["clarity"].notna().all()
    assert across["Product manager / owner"]["clarity"].isna().all()  # 2 respondents
    within = dict(compare_roles(with_hidden_team, ["engineering", "product"], team="Alpha"))
    assert within["Engineering"]["product"].tolist() == [75.0, 75.0]
    assert within["Product manager / owner"]["product"].isna().all()
    table = compare_table(list(across.items()), tiny_bank, "product", MINIMUM)
    assert table["Product manager / owner"].tolist() == [HIDDEN, HIDDEN]
    assert table["Engineering"].tolist() == ["60.0", "60.0"]  # (8 x 75 + 2 x 0) / 10


def test_overlay_this_round_vs_earlier(with_hidden_team, tiny_bank) -> None:
    earlier = round_of(
        tiny_bank,
        respondents(tiny_bank, "Alpha", "engineering", 3, clarity=1),
        name="Q2",
    )
    groups = compare_rounds(with_hidden_team, earlier, Selection("Alpha"))
    assert [label for label, _ in groups] == ["Q3", "Q2"]
    now, before = (rows.set_index("dimension") for _, rows in groups)
    assert now.loc["purpose", "clarity"] == pytest.approx(175 / 3)
    assert before.loc["purpose", "clarity"] == pytest.approx(100 / 3)
    same_name = compare_rounds(with_hidden_team, with_hidden_team, Selection())
    assert [label for label, _ in same_name] == ["Q3 (this round)", "Q3 (earlier)"]


@pytest.mark.parametrize(
    ("size", "shown"), [(COMMENT_MIN_GROUP_SIZE - 1, False), (COMMENT_MIN_GROUP_SIZE, True)]
)
def test_comments_need_a_group_of_ten(tiny_bank, size, shown) -> None:
    comments = pd.DataFrame(
        {"team": ["Alpha", "Alpha"], "role": ["engineering"] * 2, "comment": ["b", "a"]},
        dtype="str",
    )
    results = round_of(
        tiny_bank, respondents(tiny_bank, "Alpha", "engineering", size), comments=comments
    )
    for selection in (Selection(), Selection("Alpha"), Selection("Alpha", "engineering")):
        got = visible_comments(results, selection)
        assert got == (["a", "b"] if shown else None)


def test_comments_of_a_large_team_hidden_when_they_would_reveal_a_small_one(tiny_bank) -> None:
    """Alpha 12, Beta 9: the org's comments minus Alpha's would be Beta's."""
    comments = pd.DataFrame(
        {"team": ["Alpha", "Beta"], "role": ["engineering"] * 2, "comment": ["from A", "from B"]},
        dtype="str",
    )
    results = round_of(
        tiny_bank,
        respondents(tiny_bank, "Alpha", "engineering", 12),
        respondents(tiny_bank, "Beta", "engineering", 9),
        comments=comments,
    )
    assert visible_comments(results, Selection()) == ["from A", "from B"]
    assert visible_comments(results, Selection("Alpha")) is None
    assert visible_comments(results, Selection("Beta")) is None


def test_headlines_count_blurred_teams(tiny_bank) -> None:
    """Scope clarity answered 1 scores 0 -> blurred in Alpha and Beta. Gamma's scope is
    plan-light: product 75 against project 58.3 (its reverse-keyed item scores 25)."""
    results = round_of(
        tiny_bank,
        respondents(tiny_bank, "Alpha", "engineering", 3, scope_clarity=1),
        respondents(tiny_bank, "Beta", "engineering", 3, scope_clarity=1),
        respondents(tiny_bank, "Gamma", "engineering", 3, clarity=5),
    )
    texts = [h.text for h in headlines(results, Selection())]
    assert texts == [
        "Scope is blurred in 2 of 3 teams (Alpha, Beta); plan-light in Gamma.",
        "Purpose is distinct in all 3 teams.",
    ]
    one = [h.text for h in headlines(results, Selection("Alpha"))]
    assert one[0] == "Scope is blurred in Alpha."


def test_headline_names_every_problem_of_a_dimension(tiny_bank) -> None:
    """Alpha and Beta blur scope; Gamma's is delivery-led (product 25 vs project 58.3),
    Delta's plan-light (75 vs 58.3)."""
    results = round_of(
        tiny_bank,
        respondents(tiny_bank, "Alpha", "engineering", 3, scope_clarity=1),
        respondents(tiny_bank, "Beta", "engineering", 3, scope_clarity=1),
        respondents(tiny_bank, "Gamma", "engineering", 3, product=2, clarity=5),
        respondents(tiny_bank, "Delta", "engineering", 3, clarity=5),
    )
    lines = {h.dimension: h for h in headlines(results, Selection())}
    assert lines["scope"].text == (
        "Scope is blurred in 2 of 4 teams (Alpha, Beta); delivery-led in Gamma;"
        " plan-light in Delta."
    )
    assert lines["scope"].classification == "blurred"


def test_findings_only_for_visible_teams(with_hidden_team, tiny_bank) -> None:
    found = team_findings(with_hidden_team, Selection())
    assert {f.group["team"] for f in found} == {"Alpha"}
    blocks = dimension_findings(
        found + selection_findings(with_hidden_team, Selection()), tiny_bank
    )
    assert [b.dimension for b in blocks] == ["purpose", "scope"]
    assert all(b.prompts == list(tiny_bank.dimension(b.dimension).retro_prompts) for b in blocks)
    assert all("respondents" in f.evidence for b in blocks for f in b.findings)
    assert all(not b.findings[0].group for b in blocks)  # the organisation leads, as reference
    assert distinct_note(blocks[0].distinct, tiny_bank) == "Distinct in Alpha (blur index 41.7)."


def test_distinct_note_names_the_organisation_first(tiny_bank) -> None:
    results = round_of(
        tiny_bank,
        respondents(tiny_bank, "Alpha", "engineering", 3),
        respondents(tiny_bank, "Beta", "engineering", 3, clarity=5),
    )
    found = selection_findings(results, Selection()) + team_findings(results, Selection())
    purpose = next(b for b in dimension_findings(found, tiny_bank) if b.dimension == "purpose")
    assert distinct_note(purpose.distinct, tiny_bank) == (
        "Distinct in the whole organisation (blur index 37.5), Alpha (41.7) and Beta (33.3)."
    )
    assert distinct_note([], tiny_bank) == ""


def test_answers_frame_keeps_each_items_answer_counts(with_hidden_team, tiny_bank) -> None:
    answers = answers_frame(with_hidden_team, Selection())
    assert answers is not None and len(answers) == 15
    assert answers["purpose.product.1"].value_counts().to_dict() == {4.0: 13, 1.0: 2}
    engineers = answers_frame(with_hidden_team, Selection(None, "engineering"))
    assert engineers is not None and len(engineers) == 10
    scope = answers_frame(with_hidden_team, Selection(), "scope")
    assert scope is not None
    assert list(scope.columns) == [item.id for item in tiny_bank.items_in("scope")]


def test_reliability_table_flags_low_alpha(tiny_bank) -> None:
    rng = np.random.default_rng(7)
    frame = respondents(tiny_bank, "Alpha", "engineering", 30)
    frame[tiny_bank.item_ids] = rng.integers(1, 6, size=(30, len(tiny_bank.item_ids)))
    table = reliability_table(round_of(tiny_bank, frame), Selection())
    assert table is not None and len(table) == 6
    assert (table["Complete answers"] == "30").all()
    assert table["Reading"].str.startswith("below 0.6").any()  # random answers do not cohere


def test_whole_round_below_minimum_is_hidden(tiny_bank) -> None:
    results = round_of(tiny_bank, respondents(tiny_bank, "Alpha", "engineering", 2))
    assert not group_visible(results, Selection())
    assert radar_rows(results, Selection())["product"].isna().all()
    assert headlines(results, Selection()) == []


def _round(token: str, days: int, bank: Bank) -> Round:
    return Round(
        token=token, name=token, teams=("A",), min_group_size=3, is_open=True, bank=bank,
        created_at=datetime(2025, 1, 1, tzinfo=UTC) + timedelta(days=days), closed_at=None,
    )  # fmt: skip


def test_default_round_is_the_newest_with_responses(tiny_bank, default_bank) -> None:
    rounds = [_round("new", 30, tiny_bank), _round("mid", 20, default_bank),
              _round("old", 10, tiny_bank)]  # fmt: skip
    assert default_round(rounds, {"new": 0, "mid": 5, "old": 3}) == "mid"
    assert default_round(rounds, {}) == "new"
    assert default_round([], {}) is None
    assert [r.token for r in earlier_rounds(rounds, {"mid": 5, "old": 3}, rounds[0])] == ["old"]
    assert earlier_rounds(rounds, {"mid": 5, "old": 0}, rounds[0]) == []


def test_selection_labels_use_role_names(tiny_bank) -> None:
    assert Selection().label(tiny_bank) == "Whole organisation"
    assert Selection("Alpha", "product").label(tiny_bank) == "Alpha · Product manager / owner"
    assert Selection(None, "engineering").level == "role"


# -- how sure, and how things moved ------------------------------------------------------
# Scope clarity has no reverse-keyed item in the tiny bank: answers 2, 3, 4, 5 score 25, 50,
# 75, 100 on it, so a group's scope clarity is easy to work out by hand.


def _scope_clarity_round(
    bank: Bank, name: str, alpha: tuple[int, int], **teams: int
) -> tuple[pd.DataFrame, RoundResults]:
    """Alpha: two respondents answering alpha[0] on scope clarity, two answering alpha[1];
    every other team (name=count) answers 4 everywhere."""
    parts = [
        respondents(bank, "Alpha", "engineering", 2, scope_clarity=alpha[0]),
        respondents(bank, "Alpha", "engineering", 2, scope_clarity=alpha[1]),
        *(respondents(bank, team, "engineering", count) for team, count in teams.items()),
    ]
    frame = pd.concat(parts, ignore_index=True)
    return frame, build_results(frame, bank, token=name.lower(), name=name, min_group_size=MINIMUM)


@dataclass(frozen=True)
class TwoRounds:
    q1: RoundResults
    q2: RoundResults
    change: RoundChange


@pytest.fixture(scope="module")
def two_rounds(tiny_bank: Bank) -> TwoRounds:
    """Q1: Alpha 4, Beta 5, Gamma 2 (too small), Delta 3 (hidden to protect Gamma).
    Q2: the same teams with Gamma at 4, so nobody is hidden; Alpha's scope clarity rose."""
    q1_frame, q1 = _scope_clarity_round(tiny_bank, "Q1", (2, 3), Beta=5, Gamma=2, Delta=3)
    q2_frame, q2 = _scope_clarity_round(tiny_bank, "Q2", (4, 5), Beta=5, Gamma=4, Delta=3)
    return TwoRounds(q1, q2, build_change(q2_frame, q2, q1_frame, q1))


def test_change_since_an_earlier_round_worked_by_hand(two_rounds, tiny_bank) -> None:
    """Alpha's scope clarity: 25, 25, 50, 50 (mean 37.5) then 75, 75, 100, 100 (mean 87.5).

    Both sd = 12.5 * sqrt(4/3) = 14.43; se = sqrt(2 * 14.43² / 4) = 10.21; Welch df = 6;
    t(0.975, 6) = 2.447, so the difference 50 has the interval 50 ± 24.97 = 25.0 to 75.0.
    p = 0.0027; Holm over the 12 team cells shown in both rounds (Alpha's and Beta's):
    0.033 < 0.05, and 50 >= 5 points: rising. Every other cell is unchanged: stable.
    """
    change = two_rounds.change
    assert change.since == "Q1" and change.items == len(tiny_bank.items)
    alpha = change_rows(change, "team", {"team": "Alpha"}).set_index(["dimension", "lens"])
    moved = alpha.loc[("scope", "clarity")]
    assert (moved["score"], moved["previous_score"]) == (87.5, 37.5)
    assert moved["difference"] == pytest.approx(50.0)
    assert (moved["diff_low"], moved["diff_high"]) == (pytest.approx(25.03, abs=0.01),
                                                       pytest.approx(74.97, abs=0.01))  # fmt: skip
    assert moved["p"] == pytest.approx(0.0027, abs=0.0002)
    assert moved["p_holm"] == pytest.approx(12 * moved["p"])
    assert moved["change"] == "rising"
    others = alpha.drop(index=("scope", "clarity"))
    assert set(others["change"]) == {"stable"} and set(others["difference"]) == {0.0}
    heat = heatmap_changes(change).set_index(["team", "dimension"])
    assert set(heat["lens"]) == {"clarity"} and heat.loc[("Alpha", "scope"), "change"] == "rising"
    finding = next(
        f
        for f in two_rounds.q2.findings["team"]
        if f.group == {"team": "Alpha"} and f.dimension == "scope"
    )
    assert list(finding_change(change, finding)["lens"]) == ["product", "project", "clarity"]


def test_a_group_hidden_in_either_round_has_no_change(two_rounds) -> None:
    q1, q2, change = two_rounds.q1, two_rounds.q2, two_rounds.change
    for team in ("Gamma", "Delta"):  # hidden in Q1 (too small; protecting Gamma), shown in Q2
        assert group_visible(q2, Selection(team)) and not group_visible(q1, Selection(team))
        for level in ("team", "team_role"):
            assert team not in set(change.tables[level]["team"])
        assert change_rows(change, "team", {"team": team}).empty
        assert team not in set(heatmap_changes(change)["team"])
    assert not change_rows(change, "team", {"team": "Beta"}).empty
    assert change_rows(None, "team", {"team": "Alpha"}).empty


def test_trend_breaks_where_the_questions_changed(two_rounds, tiny_bank) -> None:
    """Q1 and Q2 ask the same; Q3 rewords one statement (not declared unchanged)."""
    reworded = Bank.model_validate(
        {
            **tiny_bank.model_dump(),
            "version": 2,
            "items": [
                {**item.model_dump(), "text": "SC1, reworded"}
                if item.id == "scope.clarity.1"
                else item.model_dump()
                for item in tiny_bank.items
            ],
        }
    )
    assert rounds_comparable(tiny_bank, tiny_bank) and not rounds_comparable(reworded, tiny_bank)
    _, q3 = _scope_clarity_round(reworded, "Q3", (4, 5), Beta=5)
    history = [("Q1", two_rounds.q1), ("Q2", two_rounds.q2), ("Q3", q3)]
    rows = trend_rows(history, Selection("Alpha"))
    assert rows.drop_duplicates("round")["segment"].tolist() == [0, 0, 1]
    scope = rows[rows["dimension"] == "scope"].set_index("round")
    assert scope["clarity"].tolist() == [37.5, 87.5, 87.5]
    table = trend_table(rows, tiny_bank, MINIMUM)
    assert table.drop_duplicates("Round")["Line"].tolist() == [
        "first round", "joined to the round before", "line breaks: the questions changed",
    ]  # fmt: skip


def test_trend_of_a_group_hidden_in_one_round_has_a_gap_there(two_rounds, tiny_bank) -> None:
    rows = trend_rows([("Q1", two_rounds.q1), ("Q2", two_rounds.q2)], Selection("Gamma"))
    first = rows[rows["round"] == "Q1"]
    assert first[["clarity", "n_clarity", "ci_low_clarity", "ci_high_clarity"]].isna().all().all()
    assert rows.loc[rows["round"] == "Q2", "clarity"].notna().all()
    table = trend_table(rows, tiny_bank, MINIMUM).set_index("Round")
    assert set(table.loc["Q1", "Blur index"]) == {HIDDEN}
    assert set(table.loc["Q1", "Respondents"]) == {"—"} and set(table.loc["Q1", "95% low"]) == {"—"}


def test_interval_table_beside_every_score_and_none_for_a_hidden_one(two_rounds, tiny_bank) -> None:
    """Beta's 5 respondents answer alike: sd 0, so every interval is the score itself."""
    beta = interval_table(radar_rows(two_rounds.q1, Selection("Beta")), tiny_bank, MINIMUM)
    assert list(beta.columns) == ["Dimension", "Lens", "Score", "95% low", "95% high",
                                  "Respondents"]  # fmt: skip
    assert (beta["Score"] == beta["95% low"]).all() and (beta["Score"] == beta["95% high"]).all()
    assert set(beta["Respondents"]) == {"5"}
    gamma = interval_table(radar_rows(two_rounds.q1, Selection("Gamma")), tiny_bank, MINIMUM)
    assert set(gamma["Score"]) == {HIDDEN}
    assert set(gamma[["95% low", "95% high", "Respondents"]].stack()) == {"—"}


def _finding(team: str, label: str, firm: bool, possible: tuple[str, ...] = ()) -> Finding:
    return Finding(
        group={"team": team}, dimension="scope", dimension_name="Scope",
        classification=label, headline="", evidence="", prompts=[],  # type: ignore[arg-type]
        firm=firm, possible=possible or (label,),  # type: ignore[arg-type]
    )  # fmt: skip


def test_headlines_count_firm_and_borderline_apart(two_rounds) -> None:
    found = [
        _finding("Alpha", "blurred", True),
        _finding("Beta", "blurred", True),
        _finding("Gamma", "blurred", False, ("blurred", "distinct")),
        _finding("Delta", "plan-light", False, ("plan-light", "distinct")),
        _finding("Omega", "distinct", True),
    ]
    results = replace(two_rounds.q2, findings={**two_rounds.q2.findings, "team": found})
    (line,) = headlines(results, Selection())
    assert line.text == (
        "Scope is blurred in 2 of 5 teams (Alpha, Beta), borderline in 1 more (Gamma);"
        " borderline plan-light in Delta."
    )
    assert (line.classification, line.groups, line.firm) == ("blurred", 3, True)
    only_unsure = replace(results, findings={**results.findings, "team": found[2:]})
    assert headlines(only_unsure, Selection())[0].text.startswith(
        "Scope is borderline blurred in 1 of 3 teams (Gamma)"
    )
    assert not headlines(only_unsure, Selection())[0].firm
    assert verdict_summary(found) == (
        "3 findings firm, 2 borderline (their 95% intervals allow another verdict)."
    )
    assert borderline_words(found[2]) == "borderline: blurred or distinct"


def test_heatmap_detail_turns_a_clarity_change_into_a_blur_change(two_rounds, tiny_bank) -> None:
    moves = heatmap_changes(two_rounds.change)
    table = heatmap_detail_table(heatmap_rows(two_rounds.q2), tiny_bank, MINIMUM, moves, "Q1")
    table = table.set_index(["Team", "Dimension"])
    alpha = table.loc[("Alpha", "Scope")]
    assert alpha["Blur index"] == "12.5"  # 100 - 87.5
    assert alpha["Change"] == "falling -50.0 (95% interval -75 to -25)"
    assert table.loc[("Beta", "Scope"), "Change"] == "stable +0.0 (95% interval +0 to +0)"
    assert table.loc[("Gamma", "Scope"), "Change"] == "not compared"


def test_round_axis_labels_name_each_round_once(tiny_bank) -> None:
    """The demo loaded twice: the trend still draws one point per round."""
    rounds = [_round("Q1", 10, tiny_bank), _round("Q2", 20, tiny_bank), _round("Q3", 30, tiny_bank)]
    rounds = [replace(rounds[0], name="Demo"), replace(rounds[1], name="Demo"), rounds[2],
              replace(rounds[2], token="Q3b", name="Q3")]  # fmt: skip
    assert round_axis_labels(rounds) == [
        "Demo (11 Jan 2025)", "Demo (21 Jan 2025)", "Q3 (31 Jan 2025) #1", "Q3 (31 Jan 2025) #2",
    ]  # fmt: skip

"""The results page through AppTest: what a leader sees, and what nobody ever sees.

The round has four teams in the tiny bank (minimum group size 3): Alpha and
Delta with 5 respondents each, Beta with 4 and Gamma with 2. Gamma is hidden
for being small and Beta to protect it. Gamma answers so that its product
score is 8.3 (8.333...) on both dimensions, a value no other group produces,
so finding it anywhere -- figure data, hover text, tables, prose -- is a leak.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa
from streamlit.testing.v1 import AppTest

from assessment import store
from assessment.bank import Bank
from assessment.ui import results_cache
from assessment.ui.common import md_text
from tests.support.app import as_leader, open_numbers

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "streamlit_app.py")
RESULTS = "assessment/ui/pages/results.py"
ROUND_NAME = "Suppression check"
HIDDEN = "fewer than 3 responses — hidden"
TIMEOUT = 60  # the machine is shared; a normal run takes about a second
GAMMA_PRODUCT = 25 / 3  # (25 + 0 + 0) / 3: answers 2, 1, 1 on each product scale
LEAK = re.compile(r"(?<![\d.])8\.3(?!\d)")


def respondents(bank: Bank, team: str, count: int, values: dict[str, int]) -> pd.DataFrame:
    row = {item.id: float(values.get(item.id, values[item.lens])) for item in bank.items}
    frame = pd.DataFrame([row] * count)
    frame.insert(0, "role", "engineering")
    frame.insert(0, "team", team)
    return frame


@pytest.fixture
def suppression_round(app_engine: sa.Engine, tiny_bank: Bank) -> store.Round:
    teams = ["Alpha", "Delta", "Beta", "Gamma"]
    rnd = store.open_round(app_engine, ROUND_NAME, teams, tiny_bank, 3)
    usual = {"product": 4, "project": 4, "clarity": 4}
    gamma = {"product": 1, "project": 5, "clarity": 2, "purpose.product.1": 2,
             "scope.product.1": 2}  # fmt: skip
    frame = pd.concat(
        [
            respondents(tiny_bank, "Alpha", 5, {**usual, "clarity": 1}),  # blurred
            respondents(tiny_bank, "Delta", 5, usual),
            respondents(tiny_bank, "Beta", 4, usual),
            respondents(tiny_bank, "Gamma", 2, gamma),
        ],
        ignore_index=True,
    )
    frame["comment"] = ""
    store.import_responses(app_engine, rnd.token, frame)
    return rnd


def open_results(*, leader: bool = True) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    if leader:
        as_leader(at)
    at.run()
    assert not at.exception
    at.switch_page(RESULTS).run()
    assert not at.exception, at.exception
    return at


def _decode(node: Any) -> Any:
    """Plotly's JSON with its base64 `{"dtype", "bdata"}` arrays turned into lists."""
    if isinstance(node, dict):
        if "bdata" in node and "dtype" in node:
            return np.frombuffer(base64.b64decode(node["bdata"]), dtype=node["dtype"]).tolist()
        return {key: _decode(value) for key, value in node.items()}
    if isinstance(node, list):
        return [_decode(value) for value in node]
    return node


def _leaves(node: Any) -> Iterator[Any]:
    if isinstance(node, dict):
        for value in node.values():
            yield from _leaves(value)
    elif isinstance(node, list):
        for value in node:
            yield from _leaves(value)
    else:
        yield node


def figure_leaves(at: AppTest) -> list[Any]:
    charts = at.get("plotly_chart")
    assert charts, "the page shows no chart"
    return [leaf for c in charts for leaf in _leaves(_decode(json.loads(c.proto.spec)))]


def tables(at: AppTest) -> list[pd.DataFrame]:
    """Every table of the page, the "Numbers behind" ones opened first."""
    open_numbers(at)
    return [element.value for kind in ("table", "dataframe") for element in at.get(kind)]


UNESCAPE = re.compile(r"\\([\\`*_{}\[\]<>()#+\-.!|~$:])")


def table_cells(at: AppTest) -> list[str]:
    return [str(v) for frame in tables(at) for v in frame.astype(str).to_numpy().ravel()]


def prose(at: AppTest) -> str:
    """The page's words as a reader sees them: Markdown escapes of data (md_text) taken off."""
    parts = [e.value for kind in ("markdown", "caption", "subheader") for e in at.get(kind)]
    parts += [e.body for kind in ("info", "warning", "error") for e in at.get(kind)]
    return UNESCAPE.sub(r"\1", "\n".join(str(p) for p in parts))


def assert_gamma_never_shown(at: AppTest) -> None:
    leaves = figure_leaves(at)
    numbers = [v for v in leaves if isinstance(v, int | float) and not isinstance(v, bool)]
    assert not [v for v in numbers if abs(v - GAMMA_PRODUCT) < 0.05], "Gamma's score in a figure"
    strings = [v for v in leaves if isinstance(v, str)]
    assert not [s for s in strings if LEAK.search(s)], "Gamma's score in figure text"
    for text in (s for s in strings if "Gamma" in s and re.search(r"\d", s)):  # not a label
        assert "hidden" in text and "n =" not in text, text
    assert not [c for c in table_cells(at) if LEAK.search(c)], "Gamma's score in a table"
    assert not LEAK.search(prose(at)), "Gamma's score in the text"


def test_small_team_appears_nowhere_as_a_number(suppression_round: store.Round) -> None:
    at = open_results()
    assert_gamma_never_shown(at)
    heat = [frame for frame in tables(at) if "Team" in frame.columns]
    gamma_rows = [row for frame in heat for row in frame.to_dict("records")
                  if row["Team"] == "Gamma"]  # fmt: skip
    assert gamma_rows, "Gamma is listed, as hidden"
    for row in gamma_rows:  # the heatmap's cells, and its per-cell detail (no interval, no n)
        assert set(row.values()) - {"Gamma", "Purpose", "Scope"} <= {HIDDEN, "—"}
        assert HIDDEN in row.values()
    # One round only: nothing to compare with, and a trend needs a second round.
    assert "The trend needs 2 rounds of these questions" in prose(at)
    assert not [s for s in at.selectbox if s.key == "results_compare_round"]


@pytest.mark.parametrize("overlay", ["team", "roles", "lenses"])
def test_overlays_show_no_hidden_number(suppression_round: store.Round, overlay: str) -> None:
    at = open_results()
    at.segmented_control(key="results_overlay").set_value(overlay).run()
    if overlay == "team":
        at.selectbox(key="results_compare_team").select("Gamma").run()
    assert not at.exception
    assert_gamma_never_shown(at)


def test_choosing_the_hidden_team_shows_the_hidden_wording_only(
    suppression_round: store.Round,
) -> None:
    at = open_results()
    at.selectbox(key="results_team").select("Gamma").run()
    assert not at.exception
    assert any(HIDDEN in w.body for w in at.warning)
    assert not at.get("plotly_chart")
    assert not LEAK.search(prose(at))


def test_findings_only_for_visible_teams(suppression_round: store.Round) -> None:
    at = open_results()
    text = prose(at)
    assert "- **Alpha** :red[**blurred**] — Product 75.0 (" in text
    assert "Delta (" in text  # among the distinct, with its blur index
    not_shown = "Not shown: Beta, Gamma. Groups with fewer than"
    assert "Beta" not in text.replace(not_shown, "")
    assert "Gamma" not in text.replace(not_shown, "")
    assert "Purpose is blurred in 1 of 2 teams (Alpha)." in text
    assert not_shown in text
    assert "1. Who decides why we build this?" in text  # the blurred dimension's retro prompts


def test_team_filter_narrows_findings_and_radar(suppression_round: store.Round) -> None:
    at = open_results()
    at.selectbox(key="results_team").select("Delta").run()
    assert not at.exception
    text = prose(at)
    assert "Purpose is distinct in Delta." in text
    assert "**Alpha**" not in text
    titles = [json.loads(c.proto.spec)["layout"]["title"]["text"] for c in at.get("plotly_chart")]
    assert "Delta" in titles  # the radar of the chosen team


def test_counts_show_hidden_wording_for_small_teams(suppression_round: store.Round) -> None:
    at = open_results()
    counts = next(f for f in tables(at) if list(f.columns) == ["Team", "Responses"])
    assert counts.set_index("Team")["Responses"].to_dict() == {
        "Alpha": "5", "Delta": "5", "Gamma": HIDDEN,
        "Beta": "hidden so that a smaller group cannot be worked out",  # its true reason
    }  # fmt: skip


def test_without_leader_access_no_data(suppression_round: store.Round) -> None:
    at = AppTest.from_file(str(ROOT / RESULTS), default_timeout=TIMEOUT).run()
    assert not at.exception
    assert any("for leaders" in w.body for w in at.warning)
    assert ROUND_NAME not in prose(at)
    for kind in ("dataframe", "table", "plotly_chart", "selectbox"):
        assert not at.get(kind), kind


def test_scores_are_read_once_per_data_change(
    app_engine: sa.Engine,
    suppression_round: store.Round,
    tiny_bank: Bank,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    reads = []
    original = store.responses_frame
    monkeypatch.setattr(
        store, "responses_frame", lambda *a, **k: reads.append(1) or original(*a, **k)
    )
    at = open_results()
    at.selectbox(key="results_team").select("Delta").run()
    at.segmented_control(key="results_overlay").set_value("roles").run()
    assert not at.exception
    assert len(reads) == 1
    one = respondents(tiny_bank, "Delta", 1, {"product": 4, "project": 4, "clarity": 4})
    store.import_responses(app_engine, suppression_round.token, one)
    at.run()
    assert len(reads) == 1  # one more answer waits: the published view has not moved
    more = respondents(tiny_bank, "Delta", 2, {"product": 4, "project": 4, "clarity": 4})
    store.import_responses(app_engine, suppression_round.token, more)
    at.run()
    assert len(reads) == 2  # Delta grew by the minimum (3): a new step, read once


def test_empty_database_offers_the_demo_and_shows_it(app_engine: sa.Engine) -> None:
    at = open_results()
    assert not at.get("plotly_chart")
    at.button(key="load_demo").click().run()
    assert not at.exception
    newest = store.list_rounds(app_engine)[0]
    assert f"{store.response_count(app_engine, newest.token)} responses ·" in prose(at)
    assert len(at.get("plotly_chart")) >= 2  # heatmap and radar


def test_switching_round_starts_from_the_whole_organisation(
    app_engine: sa.Engine, suppression_round: store.Round, tiny_bank: Bank
) -> None:
    other = store.open_round(app_engine, "Other teams", ["Omega", "Sigma"], tiny_bank, 3)
    usual = {"product": 4, "project": 4, "clarity": 4}
    store.import_responses(
        app_engine,
        other.token,
        pd.concat([respondents(tiny_bank, team, 4, usual) for team in ("Omega", "Sigma")]),
    )
    at = open_results()
    assert at.selectbox(key="results_round").value == other.token  # newest with responses
    at.selectbox(key="results_team").select("Omega").run()
    at.selectbox(key="results_role").select("engineering").run()
    at.selectbox(key="results_round").select(suppression_round.token).run()
    assert not at.exception
    assert at.selectbox(key="results_team").value is None
    assert at.selectbox(key="results_role").value is None
    assert "Purpose is blurred in 1 of 2 teams (Alpha)." in prose(at)


def test_comments_show_as_plain_text_for_groups_of_ten(
    app_engine: sa.Engine, tiny_bank: Bank
) -> None:
    rnd = store.open_round(app_engine, "Comments", ["Big", "Small"], tiny_bank, 3)
    usual = {"product": 4, "project": 4, "clarity": 4}
    frame = pd.concat(
        [respondents(tiny_bank, "Big", 10, usual), respondents(tiny_bank, "Small", 3, usual)]
    )
    frame["comment"] = ["![x](http://example.invalid/x.png) **loud**"] + [""] * 12
    store.import_responses(app_engine, rnd.token, frame)
    at = open_results()
    assert "![x]" not in prose(at)  # never rendered as markdown
    # Shown, escaped: a table renders Markdown in its cells, so the page escapes the text.
    assert md_text("![x](http://example.invalid/x.png) **loud**") in table_cells(at)  # org: 13
    at.selectbox(key="results_team").select("Small").run()
    assert md_text("![x](http://example.invalid/x.png) **loud**") not in table_cells(at)
    assert "Comments appear only for groups of at least 10 respondents." in prose(at)


# -- designed states: every empty or hidden view says what is missing and what to do ----------
# Leader access is stubbed here (signing in is tested in test_leader_pages.py), and the page
# runs on its own, one script run per look.


@pytest.fixture
def leader_view(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("assessment.ui.leader.is_leader", lambda: True)


def results_page() -> AppTest:
    at = AppTest.from_file(str(ROOT / RESULTS), default_timeout=TIMEOUT)
    at.run()
    assert not at.exception, at.exception
    return at


def test_states_of_one_selection_hide_counts_and_say_what_to_do(
    suppression_round: store.Round, leader_view: None
) -> None:
    at = results_page()
    captions = [c.value for c in at.caption]
    assert any(c.startswith("16 responses · 2 of 4 teams shown") for c in captions)
    team_options = at.selectbox(key="results_team").options
    assert "Gamma — hidden" in team_options and "Beta — hidden" in team_options
    assert "Alpha" in team_options

    at.selectbox(key="results_team").set_value("Alpha").run()
    captions = [c.value for c in at.caption]
    assert any(c.startswith("5 responses in Alpha ·") for c in captions)
    assert not any("16 responses" in c or "4 teams" in c for c in captions)

    at.selectbox(key="results_team").set_value("Gamma").run()
    (warning,) = at.warning
    assert "needs at least 3 responses" in warning.body and "choose a larger group" in warning.body
    assert not re.search(r"\b[12] of 3\b", warning.body)  # Gamma's count, never said


@pytest.fixture
def leadership_round(app_engine: sa.Engine, tiny_bank: Bank) -> store.Round:
    """Three teams of five engineers and one leader each: Leadership shows, no team of it does."""
    rnd = store.open_round(app_engine, "Leaders spread", ["Alpha", "Beta", "Gamma"], tiny_bank, 3)
    usual = {"product": 4, "project": 4, "clarity": 4}
    parts = []
    for team in ("Alpha", "Beta", "Gamma"):
        parts.append(respondents(tiny_bank, team, 5, usual))
        parts.append(respondents(tiny_bank, team, 1, usual).assign(role="leadership"))
    frame = pd.concat(parts, ignore_index=True)
    frame["comment"] = ""
    store.import_responses(app_engine, rnd.token, frame)
    return rnd


def test_a_role_hidden_in_every_team_says_so_instead_of_a_grey_heatmap(
    leadership_round: store.Round, leader_view: None
) -> None:
    at = results_page()
    at.selectbox(key="results_role").set_value("leadership").run()
    assert not at.exception
    notes = [i.body for i in at.info]
    assert any("Every team is hidden for Leadership" in n and "All roles" in n for n in notes)
    captions = [c.value for c in at.caption]
    assert any(c.startswith("3 responses from Leadership · 0 of 3 teams shown") for c in captions)


def test_results_open_on_the_latest_round_with_visible_results(tiny_bank: Bank) -> None:
    """A fresh round under its minimum shows nothing yet: the page opens on the one before."""
    from datetime import UTC, datetime, timedelta

    from assessment.results.view import default_round

    def made(token: str, days: int) -> store.Round:
        opened = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(days=days)
        return store.Round(token=token, name=token, teams=("A",), min_group_size=3, is_open=True,
                           bank=tiny_bank, created_at=opened, closed_at=None)  # fmt: skip

    rounds = [made("fresh", 30), made("last", 20), made("old", 10)]
    assert default_round(rounds, {"fresh": 2, "last": 3, "old": 40}) == "last"
    assert default_round(rounds, {"fresh": 2, "last": 1}) == "fresh"  # none visible: the newest


# -- how sure, and how things moved: intervals, borderline, change badges, the trend --------
# Two rounds of the tiny bank. Alpha's scope clarity (no reverse-keyed item) rose from 25, 25,
# 50, 50 to 75, 75, 100, 100: +50, interval +25 to +75, rising. Beta answers 2, 2, 4, 4, 4 on
# scope clarity in both rounds (mean 55, 95% interval 21-89: it may lie below 50), and 4
# elsewhere: plan-light (product 75 against project 58.3) but borderline blurred.


def _scope_clarity(bank: Bank, team: str, answers: list[int]) -> pd.DataFrame:
    scope = [i.id for i in bank.items if i.dimension == "scope" and i.lens == "clarity"]
    parts = [respondents(bank, team, 1, {"product": 4, "project": 4, "clarity": 4,
                                         **dict.fromkeys(scope, a)}) for a in answers]  # fmt: skip
    return pd.concat(parts, ignore_index=True)


@pytest.fixture
def two_rounds_page(
    app_engine: sa.Engine, tiny_bank: Bank, monkeypatch: pytest.MonkeyPatch
) -> tuple[store.Round, store.Round]:
    monkeypatch.setattr("assessment.ui.leader.is_leader", lambda: True)
    rounds = []
    for name, alpha in (("Q1", [2, 2, 3, 3]), ("Q2", [4, 4, 5, 5])):
        rnd = store.open_round(app_engine, name, ["Alpha", "Beta"], tiny_bank, 3)
        frame = pd.concat(
            [_scope_clarity(tiny_bank, "Alpha", alpha),
             _scope_clarity(tiny_bank, "Beta", [2, 2, 4, 4, 4])], ignore_index=True,
        )  # fmt: skip
        frame["comment"] = ""
        store.import_responses(app_engine, rnd.token, frame)
        rounds.append(rnd)
    return rounds[0], rounds[1]


def plain_tables(at: AppTest) -> list[pd.DataFrame]:
    """The page's tables as a reader sees them: the Markdown escapes of `plain_table` off."""

    def plain(value: object) -> str:
        return UNESCAPE.sub(r"\1", str(value))

    return [frame.map(plain).rename(columns=plain) for frame in tables(at)]


def trust_page() -> AppTest:
    at = AppTest.from_file(str(ROOT / RESULTS), default_timeout=TIMEOUT)
    at.run()
    assert not at.exception, at.exception
    return at


def chart_titles(at: AppTest) -> list[str]:
    return [json.loads(c.proto.spec)["layout"]["title"]["text"] for c in at.get("plotly_chart")]


def check_change_badges_heatmap_and_tables(at: AppTest, q1: store.Round, q2: store.Round) -> None:
    """Alpha's scope clarity rose: a badge on its finding, ▼ in the heatmap, the numbers."""
    assert at.selectbox(key="results_round").value == q2.token
    assert at.selectbox(key="results_compare_round").value == q1.token  # the latest earlier
    text = prose(at)
    rising = ":blue-badge[:material/arrow_upward: clarity rising] +50.0 (95% interval +25 to +75)"
    assert rising + " since Q1" in text  # on Alpha's scope finding
    heat = json.loads(at.get("plotly_chart")[0].proto.spec)["data"][0]
    assert "12.5 ▼" in [cell for row in heat["text"] for cell in row]  # blur 100 - 87.5 fell
    assert any("blur index falling since Q1: -50.0" in c for row in heat["hovertext"] for c in row)
    changes = next(f for f in plain_tables(at) if "Before" in f.columns)
    alpha = changes[(changes["Group"] == "Alpha") & (changes["Lens"] == "Clarity")]
    row = alpha[alpha["Dimension"] == "Scope"].iloc[0]
    assert (row["Now"], row["Before"], row["Change"]) == ("87.5", "37.5", "rising")
    detail = next(f for f in plain_tables(at) if "Change" in f.columns and "Team" in f.columns)
    assert "falling -50.0 (95% interval -75 to -25)" in set(detail["Change"])


def check_borderline_finding_and_headline_counted_apart(at: AppTest) -> None:
    text = prose(at)
    assert "- **Beta** :gray-badge[:material/contrast: borderline: plan-light or blurred]" in text
    assert "- **Alpha** :blue[**plan-light**]" in text  # firm: its clarity is far above 50
    assert "Scope is plan-light in 1 of 2 teams (Alpha), borderline in 1 more (Beta)." in text
    assert "findings firm," in text and "borderline (their 95% intervals allow" in text
    found = next(f for f in plain_tables(at) if {"Verdict", "Group"} <= set(f.columns))
    beta = found[(found["Group"] == "Beta") & (found["Dimension"] == "Scope")].iloc[0]
    assert beta["Verdict"] == "borderline: plan-light or blurred"
    assert beta["Clarity"] == "55.0 (21–89)" and beta["Respondents"] == "5"


def check_trend_of_a_team_with_its_numbers_and_intervals(at: AppTest) -> None:
    at.selectbox(key="results_team").set_value("Alpha").run()
    assert not at.exception
    assert any(t.startswith("Blur index over rounds") for t in chart_titles(at))
    trend = next(f for f in plain_tables(at) if "Line" in f.columns)
    scope = trend[trend["Dimension"] == "Scope"]
    assert list(scope["Round"]) == ["Q1", "Q2"]
    assert list(scope["Blur index"]) == ["62.5", "12.5"]
    assert list(scope["Line"]) == ["first round", "joined to the round before"]
    intervals = next(f for f in plain_tables(at) if "95% low" in f.columns and "Lens" in f.columns)
    assert set(intervals["Respondents"]) == {"4"}


def check_start_here_ranks_firm_before_borderline(at: AppTest) -> None:
    """Scope is plan-light in both teams (product 75 against project 58.3): Alpha firmly,
    Beta only borderline, so Alpha comes first. Neither lies below the organisation."""
    assert "Start here" in [s.value for s in at.subheader]
    text = prose(at)
    first = text.index("**1. Alpha · Scope** :blue-badge[:material/lightbulb: plan-light]")
    second = text.index(
        "**2. Beta · Scope** :gray-badge[:material/contrast: borderline: plan-light or blurred]"
    )
    assert first < second
    assert "Who owns the product after the project ends?" in text  # the verdict's prompts
    focus = next(f for f in plain_tables(at) if "Rank" in f.columns)
    alpha = focus[focus["Rank"] == "1"].iloc[0]
    assert (alpha["Where"], alpha["Verdict"], alpha["Lens"]) == ("Alpha · Scope", "plan-light",
                                                                 "Project")  # fmt: skip
    assert (alpha["Score (95% interval)"], alpha["Respondents"]) == ("58.3 (58–58)", "4")
    assert alpha["Below the organisation"] == "0.0"
    assert alpha["Change (95% interval)"] == "stable +0.0 (+0 to +0)"


def test_two_rounds_show_change_borderline_focus_and_trend_each_with_its_numbers(
    two_rounds_page: tuple[store.Round, store.Round], monkeypatch: pytest.MonkeyPatch
) -> None:
    """One page, read in turn (a run costs seconds on a shared machine). The change is
    computed once for the pair of rounds: a filter click reuses it."""
    compared = []
    original = results_cache.build_change
    monkeypatch.setattr(
        results_cache, "build_change", lambda *a: compared.append(1) or original(*a)
    )
    at = trust_page()
    check_change_badges_heatmap_and_tables(at, *two_rounds_page)
    check_borderline_finding_and_headline_counted_apart(at)
    check_start_here_ranks_firm_before_borderline(at)
    check_trend_of_a_team_with_its_numbers_and_intervals(at)  # last: it picks a team
    assert len(compared) == 1


def test_numbers_behind_a_chart_are_drawn_once_opened(
    two_rounds_page: tuple[store.Round, store.Round],
) -> None:
    """Closed, a "Numbers behind" expander sends no table; opened, it shows its own."""
    at = trust_page()
    numbers = [e for e in at.expander if e.label.startswith("Numbers behind")]
    assert {e.label for e in numbers} >= {
        "Numbers behind the focus list", "Numbers behind the heatmap", "Numbers behind the radar",
        "Numbers behind the trend", "Numbers behind the findings",
    }  # fmt: skip
    assert all(not e.get("table") for e in numbers)
    shown = len(at.get("table"))  # the response counts, which are not behind a chart
    at.session_state["numbers_heatmap"] = True
    at.run()
    heatmap = next(e for e in at.expander if e.label == "Numbers behind the heatmap")
    assert {"Team", "Change"} <= set(heatmap.get("table")[-1].value.columns)
    assert len(at.get("table")) == shown + len(heatmap.get("table"))
    assert all(not e.get("table") for e in at.expander if e.key == "numbers_trend")

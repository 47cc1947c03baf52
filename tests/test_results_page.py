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
from assessment.ui.common import md_text
from assessment.ui.leader import LEADER_KEY

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
        at.session_state[LEADER_KEY] = True
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
    for row in gamma_rows:
        assert set(row.values()) - {"Gamma"} == {HIDDEN}


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
    assert "- **Alpha** :red[**blurred**] — Product 75.0, project" in text
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

"""Figure tests for assessment.charts: read `fig.data` directly (never to_json, which
base64-encodes arrays), with small hand-made tables whose numbers are easy to follow.

The central property: a hidden (suppressed) value appears nowhere in a figure --
not in r/z/x/y, text, hover text, customdata, templates, annotations or alt text.
`assert_nowhere` walks every trace and layout attribute to check it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest
from numpy.testing import assert_allclose

from assessment import charts
from assessment.bank import Bank, bank_from_dict

MIN = 5
NOTE = "fewer than 5 responses — hidden"
# Values that occur nowhere else in the fixtures, so finding them means a leak.
SECRET_SCORE, SECRET_N = 61.7, 3
SECRET_BLUR = 100 - SECRET_SCORE  # 38.3

LONG_TEXT = (
    "When a deadline and a customer need pull in different directions, "
    "we discuss the trade-off openly with everyone involved."
)


def _items(dimension: str) -> list[dict[str, Any]]:
    items = []
    for lens in ("product", "project", "clarity"):
        for k in (1, 2, 3):
            text = f"{dimension} {lens} statement {k}"
            if (dimension, lens, k) == ("purpose", "clarity", 1):
                text = LONG_TEXT
            items.append(
                {
                    "id": f"{dimension}.{lens}.{k}",
                    "dimension": dimension,
                    "lens": lens,
                    "text": text,
                    "reverse": lens == "clarity" and k == 2,
                }
            )
    return items


@pytest.fixture(scope="module")
def two_dimension_bank() -> Bank:
    """Purpose then Success metrics (a two-word name), 3 items a scale, one reverse each."""
    prompts = ["What went well?", "What would we change?"]
    return bank_from_dict(
        {
            "id": "charts-test",
            "version": 1,
            "title": "Charts test bank",
            "scale": {
                "points": 5,
                "labels": [
                    "Strongly disagree",
                    "Disagree",
                    "Neither agree nor disagree",
                    "Agree",
                    "Strongly agree",
                ],
            },
            "min_group_size": MIN,
            "dimensions": [
                {"id": "purpose", "name": "Purpose", "retro_prompts": prompts},
                {"id": "success_metrics", "name": "Success metrics", "retro_prompts": prompts},
            ],
            "items": _items("purpose") + _items("success_metrics"),
        }
    )


def dim_rows(
    scores: dict[str, tuple[float, float, float]],
    n: dict[str, tuple[int, int, int]] | None = None,
    **by: str,
) -> pd.DataFrame:
    """A `dimension_table` shaped frame: {dimension: (product, project, clarity)}."""
    rows = []
    for dimension, (product, project, clarity) in scores.items():
        counts = (n or {}).get(dimension, (14, 12, 10))
        rows.append(
            {
                **by,
                "dimension": dimension,
                "product": product,
                "project": project,
                "clarity": clarity,
                "n_product": counts[0],
                "n_project": counts[1],
                "n_clarity": counts[2],
                "blur_index": 100 - clarity,
                "balance": product - project,
            }
        )
    return pd.DataFrame(rows)


VISIBLE = {"purpose": (72.5, 60.0, 41.25), "success_metrics": (55.0, 80.0, 30.0)}
NAN = float("nan")


# -- the leak detector ------------------------------------------------------------------


def _leaves(value: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _leaves(item, f"{path}.{key}")
    elif isinstance(value, np.ndarray):
        for i, item in enumerate(value.ravel().tolist()):
            yield from _leaves(item, f"{path}[{i}]")
    elif isinstance(value, list | tuple):
        for i, item in enumerate(value):
            yield from _leaves(item, f"{path}[{i}]")
    else:
        yield path, value


def figure_leaves(fig: go.Figure) -> Iterator[tuple[str, Any]]:
    """Every scalar in every trace and in the layout (annotations, meta/alt text, titles).

    Colours and the template (constant styling, full of digits) are left out.
    """
    layout = {k: v for k, v in fig.layout.to_plotly_json().items() if k != "template"}
    for i, trace in enumerate(fig.data):
        yield from _leaves(trace.to_plotly_json(), f"data[{i}]")
    yield from _leaves(layout, "layout")


def text_leaves(fig: go.Figure) -> list[str]:
    return [
        leaf
        for _, leaf in figure_leaves(fig)
        if isinstance(leaf, str) and not re.match(r"#|rgb", leaf)
    ]


DATA_PATH = re.compile(r"data\[\d+\]\.(r|theta|x|y|z|customdata|text|hovertext|meta)\b")


def assert_nowhere(fig: go.Figure, *numbers: float, n: int | None = None) -> None:
    """No leaf equals a hidden number, no string shows it (any rounding), nor its n."""
    patterns = [re.compile(rf"(?<![\d.]){re.escape(f'{x:.1f}')}") for x in numbers]
    patterns += [re.compile(rf"(?<![\d.]){re.escape(f'{x:.0f}')}(?![\d])") for x in numbers]
    if n is not None:
        patterns.append(re.compile(rf"n\s*=\s*{n}\b"))
    for path, leaf in figure_leaves(fig):
        if isinstance(leaf, int | float) and not isinstance(leaf, bool):
            for x in numbers:
                assert not math.isclose(leaf, x, abs_tol=0.051), f"{x} leaks at {path}"
            # n as a bare number would clash with styling (gaps, sizes): look in data only
            if n is not None and DATA_PATH.match(path):
                assert leaf != n, f"n = {n} leaks at {path}"
    for leaf in text_leaves(fig):
        for pattern in patterns:
            assert not pattern.search(leaf), f"{pattern.pattern} leaks in {leaf!r}"


def hover_of(trace: Any) -> list[str]:
    return list(np.asarray(trace.hovertext, dtype=object).ravel())


def test_assert_nowhere_catches_a_leak_in_hover_text() -> None:
    fig = go.Figure(go.Scatter(x=[1], y=[2], hovertext=["Purpose: 61.7 (n = 3)"]))
    with pytest.raises(AssertionError):
        assert_nowhere(fig, SECRET_SCORE)
    with pytest.raises(AssertionError):
        assert_nowhere(fig, 99.0, n=SECRET_N)


def test_assert_nowhere_catches_a_leak_in_numeric_arrays() -> None:
    fig = go.Figure(go.Scatterpolar(r=np.array([10.0, SECRET_SCORE]), theta=["a", "b"]))
    with pytest.raises(AssertionError):
        assert_nowhere(fig, SECRET_SCORE)


# -- radar ------------------------------------------------------------------------------


def test_radar_traces_are_the_three_lenses(two_dimension_bank: Bank) -> None:
    fig = charts.radar(dim_rows(VISIBLE), two_dimension_bank, min_group_size=MIN)
    assert [t.name for t in fig.data] == ["Product", "Project", "Clarity"]


@pytest.mark.parametrize(
    ("index", "lens"), [(0, "product"), (1, "project"), (2, "clarity")], ids=str
)
def test_radar_r_values_are_closed_polygons(
    two_dimension_bank: Bank, index: int, lens: str
) -> None:
    fig = charts.radar(dim_rows(VISIBLE), two_dimension_bank, min_group_size=MIN)
    position = {"product": 0, "project": 1, "clarity": 2}[lens]
    expected = [VISIBLE["purpose"][position], VISIBLE["success_metrics"][position]]
    trace = fig.data[index]
    assert_allclose(np.asarray(trace.r, dtype=float), [*expected, expected[0]])
    assert trace.theta[0] == trace.theta[-1] == "Purpose"
    assert trace.r[0] == trace.r[-1]


def test_radar_spokes_follow_bank_order_whatever_the_row_order(two_dimension_bank: Bank) -> None:
    rows = dim_rows(VISIBLE).iloc[::-1]
    fig = charts.radar(rows, two_dimension_bank, min_group_size=MIN)
    assert list(fig.data[0].theta) == ["Purpose", "Success<br>metrics", "Purpose"]
    assert_allclose(np.asarray(fig.data[0].r, dtype=float), [72.5, 55.0, 72.5])


def test_radar_radial_axis_is_fixed_0_to_100(two_dimension_bank: Bank) -> None:
    fig = charts.radar(dim_rows(VISIBLE), two_dimension_bank, min_group_size=MIN)
    assert tuple(fig.layout.polar.radialaxis.range) == (0, 100)


def test_radar_hover_reads_dimension_lens_score_and_n(two_dimension_bank: Bank) -> None:
    fig = charts.radar(dim_rows(VISIBLE), two_dimension_bank, min_group_size=MIN)
    assert hover_of(fig.data[0])[0] == "Purpose · Product: 72.5 (n = 14)"
    # one decimal, rounded half up like the exports
    assert hover_of(fig.data[2])[0] == "Purpose · Clarity: 41.3 (n = 10)"
    assert fig.data[0].hovertemplate == "%{hovertext}<extra></extra>"


def test_radar_series_differ_by_colour_dash_and_marker(two_dimension_bank: Bank) -> None:
    fig = charts.radar(dim_rows(VISIBLE), two_dimension_bank, min_group_size=MIN)
    for attribute in ("line.color", "line.dash", "marker.symbol"):
        first, second = attribute.split(".")
        values = [getattr(getattr(t, first), second) for t in fig.data]
        assert len(set(values)) == 3, attribute


SUPPRESSED = {  # name: (rows, why the clarity score of success_metrics is hidden)
    "suppressed by scoring (NaN)": ({"success_metrics": (55.0, 80.0, NAN)}, (14, 12, SECRET_N)),
    "n below the minimum": ({"success_metrics": (55.0, 80.0, SECRET_SCORE)}, (14, 12, SECRET_N)),
}


def _suppressed_rows(case: str) -> pd.DataFrame:
    scores, counts = SUPPRESSED[case]
    return dim_rows({"purpose": VISIBLE["purpose"], **scores}, {"success_metrics": counts})


@pytest.mark.parametrize("case", list(SUPPRESSED))
def test_radar_hidden_value_appears_nowhere(two_dimension_bank: Bank, case: str) -> None:
    fig = charts.radar(_suppressed_rows(case), two_dimension_bank, min_group_size=MIN)
    clarity = fig.data[2]
    assert clarity.r[1] is None
    assert hover_of(clarity)[1] == f"Success metrics · Clarity: {NOTE}"
    assert_nowhere(fig, SECRET_SCORE, SECRET_BLUR, n=SECRET_N)


def test_radar_hidden_spoke_gets_a_hoverable_rim_marker(two_dimension_bank: Bank) -> None:
    rows = _suppressed_rows("suppressed by scoring (NaN)")
    fig = charts.radar(rows, two_dimension_bank, min_group_size=MIN)
    rim = fig.data[-1]
    assert rim.name == "Hidden: fewer than 5"
    assert list(rim.theta) == ["Success<br>metrics"]
    assert hover_of(rim) == [f"Success metrics · Clarity: {NOTE}"]


def test_radar_without_hidden_values_has_no_rim_marker(two_dimension_bank: Bank) -> None:
    fig = charts.radar(dim_rows(VISIBLE), two_dimension_bank, min_group_size=MIN)
    assert len(fig.data) == 3


def test_radar_missing_dimension_row_is_hidden_not_zero(two_dimension_bank: Bank) -> None:
    rows = dim_rows({"purpose": VISIBLE["purpose"]})
    fig = charts.radar(rows, two_dimension_bank, min_group_size=MIN)
    assert [t.r[1] for t in fig.data[:3]] == [None, None, None]


def test_radar_all_hidden_says_so_in_legend_and_centre(two_dimension_bank: Bank) -> None:
    rows = dim_rows({d: (NAN, NAN, NAN) for d in VISIBLE}, {d: (2, 2, 2) for d in VISIBLE})
    fig = charts.radar(rows, two_dimension_bank, min_group_size=MIN)
    assert fig.data[0].name == "Product (hidden)"
    assert "All scores hidden" in fig.layout.annotations[0].text
    assert_nowhere(fig, n=2)


def test_radar_rejects_rows_of_several_groups(two_dimension_bank: Bank) -> None:
    rows = pd.concat([dim_rows(VISIBLE, team="A"), dim_rows(VISIBLE, team="B")])
    with pytest.raises(ValueError, match="one group"):
        charts.radar(rows, two_dimension_bank, min_group_size=MIN)


@pytest.mark.parametrize("bad", [0, -1, 2.5, None])
def test_radar_rejects_bad_min_group_size(two_dimension_bank: Bank, bad: Any) -> None:
    with pytest.raises(ValueError, match="min_group_size"):
        charts.radar(dim_rows(VISIBLE), two_dimension_bank, min_group_size=bad)


# -- radar_compare ----------------------------------------------------------------------


def test_radar_compare_one_trace_per_group_with_that_lens(two_dimension_bank: Bank) -> None:
    other = {"purpose": (10.0, 20.0, 90.0), "success_metrics": (15.0, 25.0, 85.0)}
    groups = [("Team Checkout", dim_rows(VISIBLE)), ("Whole organisation", dim_rows(other))]
    fig = charts.radar_compare(groups, two_dimension_bank, lens="clarity", min_group_size=MIN)
    assert [t.name for t in fig.data] == ["Team Checkout", "Whole organisation"]
    assert_allclose(np.asarray(fig.data[0].r, dtype=float), [41.25, 30.0, 41.25])
    assert_allclose(np.asarray(fig.data[1].r, dtype=float), [90.0, 85.0, 90.0])
    assert hover_of(fig.data[1])[0] == "Purpose · Whole organisation: 90.0 (n = 10)"
    assert tuple(fig.layout.polar.radialaxis.range) == (0, 100)
    assert fig.data[0].line.dash != fig.data[1].line.dash


@pytest.mark.parametrize("case", list(SUPPRESSED))
def test_radar_compare_hidden_group_appears_nowhere(two_dimension_bank: Bank, case: str) -> None:
    groups = [("Organisation", dim_rows(VISIBLE)), ("Team Small", _suppressed_rows(case))]
    fig = charts.radar_compare(groups, two_dimension_bank, lens="clarity", min_group_size=MIN)
    assert fig.data[1].r[1] is None
    assert hover_of(fig.data[-1]) == [f"Success metrics · Team Small: {NOTE}"]
    assert_nowhere(fig, SECRET_SCORE, SECRET_BLUR, n=SECRET_N)


def test_radar_compare_accepts_the_maximum(two_dimension_bank: Bank) -> None:
    groups = [(f"Team {i}", dim_rows(VISIBLE)) for i in range(charts.MAX_COMPARE)]
    fig = charts.radar_compare(groups, two_dimension_bank, lens="product", min_group_size=MIN)
    assert len(fig.data) == charts.MAX_COMPARE
    assert len({t.line.color for t in fig.data}) == charts.MAX_COMPARE


@pytest.mark.parametrize(
    ("count", "lens", "message"),
    [
        (charts.MAX_COMPARE + 1, "clarity", "at most 8"),
        (0, "clarity", "at least one"),
        (2, "blur", "lens must be one of"),
    ],
)
def test_radar_compare_rejects_bad_requests(
    two_dimension_bank: Bank, count: int, lens: str, message: str
) -> None:
    groups = [(f"Team {i}", dim_rows(VISIBLE)) for i in range(count)]
    with pytest.raises(ValueError, match=message):
        charts.radar_compare(groups, two_dimension_bank, lens=lens, min_group_size=MIN)


def test_radar_compare_escapes_group_names(two_dimension_bank: Bank) -> None:
    groups = [("R&D <core>", dim_rows(VISIBLE))]
    fig = charts.radar_compare(groups, two_dimension_bank, lens="product", min_group_size=MIN)
    assert fig.data[0].name == "R&amp;D &lt;core&gt;"


# -- blur_heatmap -----------------------------------------------------------------------


def _team_rows() -> pd.DataFrame:
    return pd.concat(
        [
            dim_rows(VISIBLE, team="Checkout"),
            dim_rows(
                {"purpose": (50.0, 50.0, NAN), "success_metrics": (50.0, 50.0, 57.75)},
                {"purpose": (9, 9, SECRET_N)},
                team="Search",
            ),
        ],
        ignore_index=True,
    )


def test_blur_heatmap_rows_are_groups_columns_dimensions(two_dimension_bank: Bank) -> None:
    fig = charts.blur_heatmap(_team_rows(), two_dimension_bank, min_group_size=MIN)
    heat = fig.data[0]
    assert list(heat.y) == ["Checkout", "Search"]
    assert list(heat.x) == ["Purpose", "Success<br>metrics"]
    assert_allclose(np.asarray(heat.z[0], dtype=float), [58.75, 70.0])
    assert (heat.zmin, heat.zmax) == (0, 100)
    assert heat.colorscale[-1][1] != heat.colorscale[0][1]


def test_blur_heatmap_cell_text_has_one_decimal(two_dimension_bank: Bank) -> None:
    fig = charts.blur_heatmap(_team_rows(), two_dimension_bank, min_group_size=MIN)
    assert [list(row) for row in fig.data[0].text] == [["58.8", "70.0"], ["hidden", "42.3"]]
    assert hover_of(fig.data[0])[0] == "Checkout · Purpose: blur index 58.8 (n = 10)"


def test_blur_heatmap_high_blur_is_the_dark_alarming_end(two_dimension_bank: Bank) -> None:
    fig = charts.blur_heatmap(_team_rows(), two_dimension_bank, min_group_size=MIN)
    scale = fig.data[0].colorscale
    low, high = (np.array(re.findall(r"\d+", scale[i][1]), dtype=int)[:3] for i in (0, -1))
    assert high.sum() < low.sum()  # darker at 100


@pytest.mark.parametrize("secret", [NAN, SECRET_SCORE], ids=["NaN", "n below minimum"])
def test_blur_heatmap_hidden_cell_is_none_and_says_hidden(
    two_dimension_bank: Bank, secret: float
) -> None:
    rows = _team_rows()
    rows.loc[3, ["clarity", "blur_index"]] = [secret, 100 - secret]
    rows.loc[3, "n_clarity"] = SECRET_N
    fig = charts.blur_heatmap(rows, two_dimension_bank, min_group_size=MIN)
    heat = fig.data[0]
    assert heat.z[1][0] is None and heat.z[1][1] is None
    assert heat.text[1][1] == "hidden"
    assert heat.hovertext[1][1] == f"Search · Success metrics: {NOTE}"
    assert_nowhere(fig, SECRET_SCORE, SECRET_BLUR, n=SECRET_N)


def test_blur_heatmap_names_roles_from_the_bank(two_dimension_bank: Bank) -> None:
    rows = dim_rows(VISIBLE, role="engineering")
    fig = charts.blur_heatmap(rows, two_dimension_bank, group_col="role", min_group_size=MIN)
    assert list(fig.data[0].y) == ["Engineering"]


def test_blur_heatmap_rejects_duplicate_cells(two_dimension_bank: Bank) -> None:
    rows = pd.concat([dim_rows(VISIBLE, team="A"), dim_rows(VISIBLE, team="A")])
    with pytest.raises(ValueError, match="several rows"):
        charts.blur_heatmap(rows, two_dimension_bank, min_group_size=MIN)


# -- trend ------------------------------------------------------------------------------


def _rounds() -> pd.DataFrame:
    q3 = {"purpose": (50.0, 50.0, NAN), "success_metrics": (50.0, 50.0, 45.0)}
    return pd.concat(
        [
            dim_rows(VISIBLE, round="Q2"),
            dim_rows(q3, {"purpose": (9, 9, SECRET_N)}, round="Q3"),
            dim_rows(VISIBLE, round="Q4"),
        ],
        ignore_index=True,
    )


def test_trend_one_line_per_dimension_across_rounds(two_dimension_bank: Bank) -> None:
    fig = charts.trend(_rounds(), two_dimension_bank, min_group_size=MIN)
    purpose, metrics = fig.data[0], fig.data[1]
    assert [purpose.name, metrics.name] == ["Purpose", "Success metrics"]
    # rounds at 0, 1, 2 on the axis; two dimensions sit 0.035 either side of each
    assert_allclose(np.asarray(purpose.x, dtype=float), [-0.035, 0.965, 1.965])
    assert_allclose(np.asarray(metrics.x, dtype=float), [0.035, 1.035, 2.035])
    assert_allclose(np.asarray(metrics.y, dtype=float), [70.0, 55.0, 70.0])
    assert tuple(fig.layout.yaxis.range) == (0, 100)
    assert list(fig.layout.xaxis.ticktext) == ["Q2", "Q3", "Q4"]
    assert list(fig.layout.xaxis.tickvals) == [0, 1, 2]


def test_trend_hidden_point_is_a_gap_and_appears_nowhere(two_dimension_bank: Bank) -> None:
    fig = charts.trend(_rounds(), two_dimension_bank, min_group_size=MIN)
    purpose = fig.data[0]
    assert purpose.y[1] is None and purpose.connectgaps is False
    assert hover_of(purpose)[1] == f"Q3 · Purpose: {NOTE}"
    strip = fig.data[-1]
    assert list(strip.x) == [1] and strip.yaxis == "y2"
    assert hover_of(strip) == [f"Q3 · Purpose: {NOTE}"]
    assert_nowhere(fig, n=SECRET_N)


# -- item_distribution ------------------------------------------------------------------

# purpose.product.1 answered by 10 people: SD SD D N N A SA SA SA and one don't know.
HAND = [1, 1, 2, 3, 3, 4, 5, 5, 5, NAN]
HAND_PERCENT = {
    "Strongly disagree": 20.0,
    "Disagree": 10.0,
    "Neither agree nor disagree": 20.0,
    "Agree": 10.0,
    "Strongly agree": 30.0,
    "Don't know / not applicable": 10.0,
}


def answers(bank: Bank, count: int = 10, seed: int = 7) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        rng.integers(1, 6, size=(count, len(bank.item_ids))).astype(float),
        columns=bank.item_ids,
    )
    frame.iloc[::4, 1] = np.nan
    if count == len(HAND):
        frame["purpose.product.1"] = HAND
    return frame


LEGEND_GROUPS = ("forward", "reverse")  # the legend-only swatches, not bars


def _bars(fig: go.Figure) -> list[Any]:
    """The traces that draw bars (the legends' swatches are traces without data)."""
    return [trace for trace in fig.data if trace.legendgroup not in LEGEND_GROUPS]


def _keys(fig: go.Figure, legend: str) -> dict[str, str]:
    """The swatches of one legend: answer label -> colour."""
    return {
        trace.name.replace("<br>", " "): trace.marker.color
        for trace in fig.data
        if trace.legendgroup in LEGEND_GROUPS and (trace.legend or "legend") == legend
    }


def _by_label(fig: go.Figure) -> dict[str, list[Any]]:
    """Segment traces by answer label (the two neutral halves under one label)."""
    out: dict[str, list[Any]] = {}
    for trace in _bars(fig):
        out.setdefault(trace.legendgroup, []).append(trace)
    return out


def test_item_distribution_matches_hand_counted_percentages(two_dimension_bank: Bank) -> None:
    fig = charts.item_distribution(
        answers(two_dimension_bank), two_dimension_bank, min_group_size=MIN
    )
    segments = _by_label(fig)
    for label, percent in HAND_PERCENT.items():
        widths = sum(abs(float(t.x[0])) for t in segments[label])
        assert widths == pytest.approx(percent), label


def test_item_distribution_segments_sum_to_100_per_item(two_dimension_bank: Bank) -> None:
    fig = charts.item_distribution(
        answers(two_dimension_bank, count=13), two_dimension_bank, min_group_size=MIN
    )
    totals = np.sum([np.abs(np.asarray(t.x, dtype=float)) for t in _bars(fig)], axis=0)
    assert_allclose(totals, 100.0)
    assert len(totals) == len(two_dimension_bank.items)


def test_item_distribution_disagree_left_agree_right(two_dimension_bank: Bank) -> None:
    fig = charts.item_distribution(
        answers(two_dimension_bank), two_dimension_bank, min_group_size=MIN
    )
    segments = _by_label(fig)
    for label in ("Strongly disagree", "Disagree"):
        assert (np.asarray(segments[label][0].x) <= 0).all(), label
    for label in ("Agree", "Strongly agree"):
        assert (np.asarray(segments[label][0].x) >= 0).all(), label
    left, right = (np.asarray(t.x) for t in segments["Neither agree nor disagree"])
    assert_allclose(left, -right)  # neutral split half and half across zero


def test_item_distribution_stacks_outwards_from_the_centre(two_dimension_bank: Bank) -> None:
    fig = charts.item_distribution(
        answers(two_dimension_bank), two_dimension_bank, min_group_size=MIN
    )
    negative = [t.legendgroup for t in _bars(fig) if t.xaxis in (None, "x") and t.x[0] < 0]
    assert negative == ["Neither agree nor disagree", "Disagree", "Strongly disagree"]
    assert fig.layout.barmode == "relative"
    assert tuple(fig.layout.xaxis.range) == (-100, 100)


def test_item_distribution_dont_know_sits_apart(two_dimension_bank: Bank) -> None:
    fig = charts.item_distribution(
        answers(two_dimension_bank), two_dimension_bank, min_group_size=MIN
    )
    dont_know = _by_label(fig)["Don't know / not applicable"][0]
    assert dont_know.xaxis == "x2"
    assert fig.layout.xaxis2.domain[0] > fig.layout.xaxis.domain[1]


def test_item_distribution_hover_shows_label_percent_and_count(two_dimension_bank: Bank) -> None:
    fig = charts.item_distribution(
        answers(two_dimension_bank), two_dimension_bank, min_group_size=MIN
    )
    strongly_agree = _by_label(fig)["Strongly agree"][0]
    assert hover_of(strongly_agree)[0] == "Strongly agree: 30.0% (3 of 10)"


def test_item_distribution_groups_statements_under_dimension_headers(
    two_dimension_bank: Bank,
) -> None:
    fig = charts.item_distribution(
        answers(two_dimension_bank), two_dimension_bank, min_group_size=MIN
    )
    texts = [a.text for a in sorted(fig.layout.annotations, key=lambda a: a.y)]
    headers = [i for i, t in enumerate(texts) if t.startswith("<b>")]
    assert [texts[i] for i in headers] == ["<b>Purpose</b>", "<b>Success metrics</b>"]
    assert headers == [0, 10]  # nine statements each follow their header
    assert "success_metrics" not in "".join(texts[1:10])


def test_item_distribution_wraps_and_marks_reverse_keyed(two_dimension_bank: Bank) -> None:
    fig = charts.item_distribution(
        answers(two_dimension_bank), two_dimension_bank, min_group_size=MIN
    )
    texts = [a.text for a in fig.layout.annotations]
    long = next(t for t in texts if "deadline" in t)
    plain = re.sub(r"<span[^>]*>|</span>", "", long)
    assert all(len(line) <= 52 for line in plain.split("<br>"))
    reverse = [t for t in texts if "(reverse-keyed)" in t]
    assert len(reverse) == 2 and all("clarity statement 2" in t for t in reverse)


def test_item_distribution_below_minimum_shows_no_bars_nor_counts(
    two_dimension_bank: Bank,
) -> None:
    small = answers(two_dimension_bank, count=4)
    fig = charts.item_distribution(small, two_dimension_bank, min_group_size=MIN)
    assert len(fig.data) == 0
    assert [a.text for a in fig.layout.annotations] == [NOTE]
    assert not [text for text in text_leaves(fig) if "4" in text]


def test_item_distribution_filters_dimensions(two_dimension_bank: Bank) -> None:
    fig = charts.item_distribution(
        answers(two_dimension_bank),
        two_dimension_bank,
        min_group_size=MIN,
        dimensions=["success_metrics"],
    )
    assert len(fig.data[0].x) == 9
    with pytest.raises(ValueError, match="unknown dimension"):
        charts.item_distribution(
            answers(two_dimension_bank), two_dimension_bank, min_group_size=MIN, dimensions=["x"]
        )


@pytest.mark.parametrize(
    ("value", "column"), [(7.0, "purpose.project.1"), (2.5, "purpose.product.3")]
)
def test_item_distribution_rejects_answers_off_the_scale(
    two_dimension_bank: Bank, value: float, column: str
) -> None:
    frame = answers(two_dimension_bank)
    frame.loc[0, column] = value
    with pytest.raises(ValueError, match=column):
        charts.item_distribution(frame, two_dimension_bank, min_group_size=MIN)


def test_item_distribution_rejects_missing_item_columns(two_dimension_bank: Bank) -> None:
    frame = answers(two_dimension_bank).drop(columns=["purpose.product.2"])
    with pytest.raises(ValueError, match=r"purpose\.product\.2"):
        charts.item_distribution(frame, two_dimension_bank, min_group_size=MIN)


# -- item_distribution: text clear of the plot, colours by meaning ------------------------

REVERSE_ID = "purpose.clarity.2"  # reverse-keyed in the fixture bank
SEGMENT = re.compile(r"M ([-\d.]+),([-\d.]+) V ([-\d.]+)")


def _segments(fig: go.Figure, colour: str) -> list[tuple[float, float, float]]:
    """(x, y from, y to) of every vertical stroke in the shapes drawn in `colour`."""
    return [
        (float(x), float(y0), float(y1))
        for shape in fig.layout.shapes
        if shape.line.color == colour
        for x, y0, y1 in SEGMENT.findall(shape.path)
    ]


def _statement_rows(fig: go.Figure) -> list[tuple[float, float]]:
    """The y range, in the plot's pixels, that each statement's text takes (16 px a line)."""
    return [
        (a.y, a.y + 16 * (a.text.count("<br>") + 1))
        for a in fig.layout.annotations
        if a.yanchor == "top"
    ]


def test_item_distribution_draws_no_line_through_statement_text(two_dimension_bank: Bank) -> None:
    fig = charts.item_distribution(
        answers(two_dimension_bank), two_dimension_bank, min_group_size=MIN
    )
    assert fig.layout.xaxis.zeroline is False and fig.layout.xaxis.showgrid is False
    assert fig.layout.xaxis2.zeroline is False and fig.layout.xaxis2.showgrid is False
    zero = _segments(fig, "#333333")
    guides = _segments(fig, "#E5E5E5")
    centres = list(_bars(fig)[0].y)
    assert len(zero) == len(centres) == len(two_dimension_bank.items)  # one stroke per bar
    assert {x for x, _, _ in zero} == {0.0} and {x for x, _, _ in guides} == {-100, -50, 50, 100}
    rows = _statement_rows(fig)
    for x, low, high in zero + guides:
        assert any(low < c < high for c in centres), (x, low, high)  # within a bar's band
        for top, bottom in rows:
            assert high <= top or low >= bottom, ((low, high), (top, bottom))
    assert all(a.bgcolor is None for a in fig.layout.annotations)  # no box to hide a line


def test_item_distribution_draws_reverse_keyed_agreement_as_the_worse_side(
    two_dimension_bank: Bank,
) -> None:
    fig = charts.item_distribution(
        answers(two_dimension_bank), two_dimension_bank, min_group_size=MIN
    )
    ids = two_dimension_bank.item_ids
    reverse, forward = ids.index(REVERSE_ID), ids.index("purpose.clarity.1")
    colours = {label: list(t[0].marker.color) for label, t in _by_label(fig).items()}
    worst, best = colours["Strongly disagree"][forward], colours["Strongly agree"][forward]
    assert colours["Strongly agree"][reverse] == worst  # agreeing with it is the worse side
    assert colours["Strongly disagree"][reverse] == best
    assert colours["Agree"][reverse] == colours["Disagree"][forward]
    middle = colours["Neither agree nor disagree"]
    assert middle[reverse] == middle[forward]  # the neutral middle means the same
    red, blue = worst.lstrip("rgb(").split(",")[0], best.lstrip("rgb(").split(",")[0]
    assert int(red) > int(blue)  # the worse side is the red one
    positions = _by_label(fig)["Strongly agree"][0].x
    assert positions[reverse] >= 0  # the bar stays where its answer is: agreement right
    hover = hover_of(_by_label(fig)["Strongly agree"][0])
    assert "agreeing is the worse side" in hover[reverse] and "worse" not in hover[forward]


def test_item_distribution_legend_says_which_side_is_worse(two_dimension_bank: Bank) -> None:
    fig = charts.item_distribution(
        answers(two_dimension_bank), two_dimension_bank, min_group_size=MIN
    )
    forward, reverse = _keys(fig, "legend"), _keys(fig, "legend2")
    labels = two_dimension_bank.scale.labels
    assert list(forward) == [*labels, "Don't know / not applicable"]
    assert list(reverse) == labels
    assert reverse["Strongly agree"] == forward["Strongly disagree"]
    assert reverse["Strongly disagree"] == forward["Strongly agree"]
    assert "agreeing is better" in fig.layout.legend.title.text
    assert "Reverse-keyed" in fig.layout.legend2.title.text
    assert "agreeing is worse" in fig.layout.legend2.title.text
    assert all(len(t.x) == 1 and t.x[0] is None for t in fig.data if t.legendgroup == "reverse")
    assert fig.layout.legend.itemclick is False  # a swatch only explains a colour
    assert "reverse-keyed statements agreement is red" in charts.alt_text(fig)


def test_item_distribution_without_reverse_keyed_statements_has_one_legend(
    two_dimension_bank: Bank,
) -> None:
    data = two_dimension_bank.model_dump()
    for item in data["items"]:
        item["reverse"] = False
    bank = Bank.model_validate(data)  # the model alone: a loaded bank needs reverse items
    fig = charts.item_distribution(answers(bank), bank, min_group_size=MIN)
    assert not _keys(fig, "legend2") and "legend2" not in fig.layout.to_plotly_json()
    assert fig.layout.legend.title.text is None
    taller = charts.item_distribution(
        answers(two_dimension_bank), two_dimension_bank, min_group_size=MIN
    )
    assert taller.layout.height > fig.layout.height  # room for the second legend


# -- common: config, layout, alt text ---------------------------------------------------


def test_plotly_config_has_no_logo_and_names_the_download() -> None:
    config = charts.plotly_config("role-radar-heatmap")
    assert config["displaylogo"] is False
    assert config["toImageButtonOptions"]["format"] == "png"
    assert config["toImageButtonOptions"]["filename"] == "role-radar-heatmap"
    assert charts.PLOTLY_CONFIG["toImageButtonOptions"]["filename"] == "role-radar"


Builder = Callable[[Bank], go.Figure]
BUILDERS: dict[str, Builder] = {
    "radar": lambda bank: charts.radar(
        _suppressed_rows("n below the minimum"), bank, min_group_size=MIN
    ),
    "radar_compare": lambda bank: charts.radar_compare(
        [("Org", dim_rows(VISIBLE)), ("Small", _suppressed_rows("n below the minimum"))],
        bank,
        lens="clarity",
        min_group_size=MIN,
    ),
    "blur_heatmap": lambda bank: charts.blur_heatmap(_team_rows(), bank, min_group_size=MIN),
    "trend": lambda bank: charts.trend(_rounds(), bank, min_group_size=MIN),
    "score_intervals": lambda bank: charts.score_intervals(
        _suppressed_rows("n below the minimum"), bank, min_group_size=MIN
    ),
    "item_distribution": lambda bank: charts.item_distribution(
        answers(bank), bank, min_group_size=MIN
    ),
}


@pytest.mark.parametrize("name", list(BUILDERS))
def test_every_figure_has_a_title_alt_text_and_phone_layout(
    two_dimension_bank: Bank, name: str
) -> None:
    fig = BUILDERS[name](two_dimension_bank)
    assert fig.layout.title.text
    alt = charts.alt_text(fig)
    assert len(alt) > 40 and alt.endswith(".")
    assert fig.layout.autosize is True
    assert name == "item_distribution" or fig.layout.height <= 520  # one phone screen
    assert fig.layout.legend.orientation == "h"


@pytest.mark.parametrize("name", list(BUILDERS))
def test_every_figure_is_styled_by_the_cut_template(two_dimension_bank: Bank, name: str) -> None:
    """The cut template keeps plotly_white's look for every trace type a chart draws."""
    import plotly.io as pio

    from assessment.charts.base import TEMPLATE, TRACE_TYPES

    fig = BUILDERS[name](two_dimension_bank)
    white = pio.templates["plotly_white"]
    assert {trace.type for trace in fig.data} <= set(TRACE_TYPES)
    for kind in {trace.type for trace in fig.data}:
        assert fig.layout.template.data[kind] == white.data[kind]
    assert fig.layout.template.layout.plot_bgcolor == white.layout.plot_bgcolor
    assert fig.layout.template.layout.xaxis == white.layout.xaxis
    assert pio.templates[TEMPLATE].layout.polar == white.layout.polar


@pytest.mark.parametrize(
    "name", ["radar", "radar_compare", "blur_heatmap", "trend", "score_intervals"]
)
def test_alt_text_names_hidden_values_without_numbers(two_dimension_bank: Bank, name: str) -> None:
    alt = charts.alt_text(BUILDERS[name](two_dimension_bank))
    assert "hidden" in alt and "fewer than 5 responses" in alt
    assert "61.7" not in alt and "38.3" not in alt


def test_alt_text_of_a_plain_figure_is_empty() -> None:
    assert charts.alt_text(go.Figure()) == ""


# -- how sure: intervals, changes, a trend with whiskers and breaks --------------------------

HALF = 6.25  # every visible score's interval is score ± 6.25 in these fixtures
SECRET_LOW, SECRET_HIGH = 33.3, 77.7  # a hidden score's interval: must appear nowhere


def with_intervals(rows: pd.DataFrame) -> pd.DataFrame:
    """`ci_low_<lens>`, `ci_high_<lens>` = score ± HALF; a hidden score gets the secret ends."""
    rows = rows.copy()
    for lens in ("product", "project", "clarity"):
        hidden = rows[lens].isna() | (rows[f"n_{lens}"] < MIN)
        rows[f"ci_low_{lens}"] = np.where(hidden, SECRET_LOW, rows[lens] - HALF)
        rows[f"ci_high_{lens}"] = np.where(hidden, SECRET_HIGH, rows[lens] + HALF)
    return rows


def test_radar_hover_gives_each_scores_interval(two_dimension_bank: Bank) -> None:
    fig = charts.radar(with_intervals(dim_rows(VISIBLE)), two_dimension_bank, min_group_size=MIN)
    # 72.5 ± 6.25 = 66.25 to 78.75: whole points, rounded half up
    assert hover_of(fig.data[0])[0] == "Purpose · Product: 72.5 (95% interval 66–79), n = 14"
    compare = charts.radar_compare(
        [("Org", with_intervals(dim_rows(VISIBLE)))], two_dimension_bank, lens="clarity",
        min_group_size=MIN,
    )  # fmt: skip
    assert hover_of(compare.data[0])[0] == "Purpose · Org: 41.3 (95% interval 35–48), n = 10"


def test_radar_hidden_score_shows_no_interval(two_dimension_bank: Bank) -> None:
    rows = with_intervals(_suppressed_rows("n below the minimum"))
    fig = charts.radar(rows, two_dimension_bank, min_group_size=MIN)
    assert_nowhere(fig, SECRET_SCORE, SECRET_LOW, SECRET_HIGH, n=SECRET_N)


def test_score_intervals_draw_whiskers_from_the_interval(two_dimension_bank: Bank) -> None:
    rows = with_intervals(dim_rows(VISIBLE))
    rows.loc[0, "ci_high_product"] = 80.0  # an interval need not be symmetric (clipped at 0-100)
    fig = charts.score_intervals(rows, two_dimension_bank, min_group_size=MIN)
    product = fig.data[0]
    assert [t.name for t in fig.data] == ["Product", "Project", "Clarity"]
    assert_allclose(np.asarray(product.x, dtype=float), [72.5, 55.0])
    assert_allclose(np.asarray(product.error_x.array, dtype=float), [7.5, HALF])
    assert_allclose(np.asarray(product.error_x.arrayminus, dtype=float), [HALF, HALF])
    assert list(fig.layout.yaxis.ticktext) == ["Purpose", "Success metrics"]
    assert hover_of(product)[0] == "Purpose · Product: 72.5 (95% interval 66–80), n = 14"
    assert tuple(fig.layout.xaxis.range) == (0, 100)


def test_score_intervals_hidden_score_is_a_grey_marker_without_numbers(
    two_dimension_bank: Bank,
) -> None:
    rows = with_intervals(_suppressed_rows("n below the minimum"))
    fig = charts.score_intervals(rows, two_dimension_bank, min_group_size=MIN)
    clarity = fig.data[2]  # success metrics' clarity is hidden (its n is below the minimum)
    assert clarity.x[1] is None and clarity.error_x.array[1] is None
    marker = fig.data[-1]
    assert set(marker.x) == {100}
    assert f"Success metrics · Clarity: {NOTE}" in hover_of(marker)
    assert_nowhere(fig, SECRET_SCORE, SECRET_LOW, SECRET_HIGH, n=SECRET_N)


def _clarity_changes() -> pd.DataFrame:
    """Checkout's purpose clarity rose 8 (interval 3-13); Search's purpose cell is hidden,
    so its (secret) change must not show even when a caller passes it."""
    return pd.DataFrame(
        {
            "team": ["Checkout", "Checkout", "Search"],
            "dimension": ["purpose", "success_metrics", "purpose"],
            "lens": ["clarity"] * 3,
            "change": ["rising", "stable", "falling"],
            "difference": [8.0, 1.0, -SECRET_SCORE],
            "diff_low": [3.0, -4.0, -SECRET_HIGH],
            "diff_high": [13.0, 6.0, -SECRET_LOW],
        }
    )


def test_blur_heatmap_marks_clear_changes_and_hovers_every_compared_cell(
    two_dimension_bank: Bank,
) -> None:
    rows = with_intervals(_team_rows())
    fig = charts.blur_heatmap(
        rows, two_dimension_bank, min_group_size=MIN, changes=_clarity_changes(), since="Q1"
    )
    heat = fig.data[0]
    # clarity rising is blur falling: ▼ beside the blur index, the change turned round
    assert [list(row) for row in heat.text] == [["58.8 ▼", "70.0"], ["hidden", "42.3"]]
    assert heat.hovertext[0][0] == (
        "Checkout · Purpose: blur index 58.8 (95% interval 53–65), n = 10"
        "<br>blur index falling since Q1: -8.0 (95% interval -13 to -3)"
    )
    assert heat.hovertext[0][1].endswith("blur index stable since Q1: -1.0 (95% interval -6 to +4)")
    assert heat.hovertext[1][0] == f"Search · Purpose: {NOTE}"
    assert "Since Q1 blur index fell in Checkout, Purpose." in charts.alt_text(fig)
    assert_nowhere(fig, SECRET_SCORE, SECRET_BLUR, SECRET_LOW, SECRET_HIGH, n=SECRET_N)


def test_trend_whiskers_and_a_break_between_rounds_that_do_not_compare(
    two_dimension_bank: Bank,
) -> None:
    rows = with_intervals(_rounds())
    rows["segment"] = rows["round"].map({"Q2": 0, "Q3": 0, "Q4": 1})  # Q4 asks other questions
    fig = charts.trend(rows, two_dimension_bank, min_group_size=MIN)
    purpose = [t for t in fig.data if t.legendgroup == "dimension-0"]
    assert [np.round(t.x).tolist() for t in purpose] == [[0, 1], [2]]  # never joined across
    assert [t.showlegend for t in purpose] == [True, False]
    first = purpose[0]
    assert first.y[1] is None and first.error_y.array[1] is None  # hidden in Q3: a gap
    assert_allclose(float(first.error_y.array[0]), HALF)
    assert hover_of(first)[0] == "Q2 · Purpose: blur index 58.8 (95% interval 53–65), n = 10"
    assert "break 1 time(s)" in charts.alt_text(fig)
    assert_nowhere(fig, SECRET_LOW, SECRET_HIGH, n=SECRET_N)

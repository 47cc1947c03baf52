"""Grids of scores: the group x dimension heatmap, the round x dimension trend, interval dots.

The heatmap and the trend read `scoring.dimension_table` rows keyed by one
column (a group column or `round`) and share `_grid`, which lays the blur
index, its 95% interval and the clarity n out as row x dimension arrays in
bank order and decides what is hidden. The blur index is 100 - clarity, so
its interval is the clarity interval turned round. `score_intervals` draws
one group's three lens scores as dots with whiskers: the chart that carries
"how sure" at a glance, beside the radar that cannot.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from assessment.bank import Bank
from assessment.charts.base import (
    HIDDEN_COLOR,
    HOVER,
    LENS_STYLE,
    base_layout,
    check_min_group_size,
    column_or_nan,
    difference_words,
    esc,
    fmt,
    hidden_note,
    hidden_reason,
    hidden_reasons,
    is_hidden,
    listing,
    merged,
    none_where,
    require_columns,
    score_words,
    style,
    wrap,
)
from assessment.vocabulary import LENS_TITLES, LENSES

LENS_COLOURS = {lens: look["color"] for lens, look in LENS_STYLE.items()}
LENS_STYLE_SYMBOLS = {lens: look["symbol"] for lens, look in LENS_STYLE.items()}

__all__ = ["blur_heatmap", "score_intervals", "trend"]

BLUR_SCALE = "YlOrRd"  # sequential; dark red = much blur = the alarming end
COLUMN_WRAP = 12  # characters per line of a dimension label above a column
ROUND_WRAP = 11  # characters per line of a round's name under the trend (three fit a phone)
TREND_DODGE = 0.07  # how far apart the dimensions' points of one round sit
GROUP_WRAP = 18  # characters per line of a group label beside a row


def _group_label(value: object, group_col: str, bank: Bank) -> str:
    return bank.role_name(str(value)) if group_col == "role" else str(value)


class _Grid:
    """Row x dimension arrays of one table, in bank order: blur, its interval, n, hidden."""

    def __init__(self, rows: pd.DataFrame, bank: Bank, row_col: str, minimum: int) -> None:
        require_columns(rows, [row_col, "dimension", "blur_index", "n_clarity"], "dimension rows")
        self.keys = list(pd.unique(rows[row_col]))
        indexed = rows.set_index([row_col, "dimension"])
        if indexed.index.duplicated().any():
            raise ValueError(f"dimension rows hold several rows per {row_col} and dimension")
        full = pd.MultiIndex.from_product([self.keys, bank.dimension_ids])
        indexed = indexed.reindex(full)
        shape = (len(self.keys), len(bank.dimension_ids))
        self.blur = indexed["blur_index"].to_numpy(dtype=float, na_value=np.nan).reshape(shape)
        self.n = indexed["n_clarity"].to_numpy(dtype=float, na_value=np.nan).reshape(shape)
        self.hidden = np.vectorize(lambda v, k: is_hidden(v, k, minimum), otypes=[bool])(
            self.blur, self.n
        )
        # Blur = 100 - clarity: the clarity interval's high end is the blur interval's low end.
        low = 100.0 - column_or_nan(indexed, "ci_high_clarity").reshape(shape)
        high = 100.0 - column_or_nan(indexed, "ci_low_clarity").reshape(shape)
        self.low = np.where(self.hidden, np.nan, low)
        self.high = np.where(self.hidden, np.nan, high)
        notes = [hidden_note(minimum, r) for r in hidden_reasons(indexed, "clarity")]
        self.notes = np.array(notes).reshape(shape)

    def words(self, i: int, j: int) -> str:
        """'blur index 42.1 (95% interval 35–49), n = 30', or the hidden wording."""
        if self.hidden[i, j]:
            return str(self.notes[i, j])
        value = score_words(self.blur[i, j], self.low[i, j], self.high[i, j], self.n[i, j])
        return f"blur index {value}"


def _blur_changes(
    changes: pd.DataFrame | None, keys: list[object], bank: Bank, row_col: str
) -> list[list[dict[str, object] | None]]:
    """Each cell's change of blur since the earlier round (None: nothing comparable).

    `changes` holds clarity changes (`scoring.certainty` rows); blur moves the
    other way, so its word, difference and interval are turned round here.
    """
    cells: list[list[dict[str, object] | None]] = [[None] * len(bank.dimension_ids) for _ in keys]
    if changes is None or changes.empty:
        return cells
    flip = {"rising": "falling", "falling": "rising"}
    row_of = {key: i for i, key in enumerate(keys)}
    column_of = {d: j for j, d in enumerate(bank.dimension_ids)}
    clarity = changes[changes["lens"] == "clarity"] if "lens" in changes else changes
    for rec in clarity.to_dict("records"):
        i, j = row_of.get(rec[row_col]), column_of.get(rec["dimension"])
        if i is None or j is None or pd.isna(rec["difference"]):
            continue
        cells[i][j] = {
            "change": flip.get(str(rec["change"]), str(rec["change"])),
            "difference": -float(rec["difference"]),
            "low": -float(rec["diff_high"]),
            "high": -float(rec["diff_low"]),
        }
    return cells


ARROWS = {"rising": "▲", "falling": "▼"}


def change_words(cell: dict[str, object], since: str) -> str:
    """'blur index falling since Q2: −8.2 (95% interval −13 to −3)'."""
    diff = difference_words(cell["difference"], cell["low"], cell["high"])  # type: ignore[arg-type]
    return f"blur index {cell['change']} since {esc(since)}: {diff}"


def blur_heatmap(
    dimension_rows: pd.DataFrame,
    bank: Bank,
    *,
    group_col: str = "team",
    min_group_size: int,
    title: str | None = None,
    changes: pd.DataFrame | None = None,
    since: str = "",
) -> go.Figure:
    """Blur index (100 - clarity) of every group x dimension: where does blurring cluster?

    Parameters
    ----------
    dimension_rows : `scoring.dimension_table(tidy, by=[group_col])`; rows
        appear top to bottom in the order given. With ``ci_low_clarity`` and
        ``ci_high_clarity`` the hover gives each cell's 95% interval.
    group_col : the group column; "role" ids are shown by their bank names.
    min_group_size, title : as in `radar`.
    changes : clarity changes since the round named `since`
        (``<group_col>, dimension, lens, change, difference, diff_low,
        diff_high``); a cell whose blur rose or fell beyond doubt gets ▲ or ▼
        and every compared cell its change in the hover.

    Notes
    -----
    High blur is the alarming end of a sequential scale (light yellow to dark
    red), fixed at 0-100. A hidden cell has z None, shows "hidden" and hovers
    the hidden wording without its n, its interval or its change.
    """
    check_min_group_size(min_group_size)
    grid = _Grid(dimension_rows, bank, group_col, min_group_size)
    keys = grid.keys
    names = [bank.dimension(d).name for d in bank.dimension_ids]
    groups = [_group_label(k, group_col, bank) for k in keys]
    moves = _blur_changes(changes, keys, bank, group_col)
    for i, j in zip(*np.nonzero(grid.hidden), strict=True):
        moves[i][j] = None  # a hidden cell has no change, not even in words
    z = [none_where(grid.blur[i], grid.hidden[i]) for i in range(len(keys))]
    text, hover = [], []
    for i, (g, row) in enumerate(zip(groups, z, strict=True)):
        text_row, hover_row = [], []
        for j, (d, v) in enumerate(zip(names, row, strict=True)):
            move = None if v is None else moves[i][j]
            arrow = ARROWS.get(str(move["change"]), "") if move else ""
            text_row.append("hidden" if v is None else f"{fmt(v)} {arrow}".strip())
            words = f"{esc(g)} · {esc(d)}: {grid.words(i, j)}"
            if move:
                words += "<br>" + change_words(move, since)
            hover_row.append(words)
        text.append(text_row)
        hover.append(hover_row)
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=[wrap(d, COLUMN_WRAP) for d in names],
            y=[wrap(g, GROUP_WRAP) for g in groups],
            text=text,
            texttemplate="%{text}",
            textfont={"size": 13},
            hovertext=hover,
            hovertemplate=HOVER,
            hoverongaps=True,
            colorscale=BLUR_SCALE,
            zmin=0,
            zmax=100,
            xgap=3,
            ygap=3,
            colorbar={
                "title": {
                    "text": "Blur index (0 clear – 100 blurred)",
                    "side": "top",
                    "font": {"size": 12},
                },
                "orientation": "h",
                "x": 0.5,
                "xanchor": "center",
                "y": -0.02,
                "yanchor": "top",
                "thickness": 12,
                "len": 1,
                "tickvals": [0, 25, 50, 75, 100],
                "tickfont": {"size": 11},
            },
        )
    )
    axes = {
        "xaxis": {"side": "top", "showgrid": False, "tickfont": {"size": 12}, "fixedrange": True},
        "yaxis": {"autorange": "reversed", "showgrid": False, "fixedrange": True,
                  "automargin": True},
        "plot_bgcolor": "#f0f0f0",  # hidden (None) cells show this grey
    }  # fmt: skip
    alt = _heatmap_alt(groups, names, z, group_col, min_group_size)
    alt += _moves_alt(groups, names, moves, since)
    height = 190 + 46 * len(keys)
    return base_layout(
        fig, title or "Blur index by group", height=height, alt=alt, legend=False, extra=axes
    )


def _moves_alt(
    groups: list[str], names: list[str], moves: list[list[dict[str, object] | None]], since: str
) -> str:
    """' Since Q2 blur rose in Alpha, Scope; fell in Beta, Purpose.' (clear changes only)."""
    parts = []
    for word, verb in (("rising", "rose"), ("falling", "fell")):
        cells = [
            f"{g}, {d}"
            for g, row in zip(groups, moves, strict=True)
            for d, move in zip(names, row, strict=True)
            if move and move["change"] == word
        ]
        if cells:
            parts.append(f"{verb} in {listing(cells)}")
    return f" Since {since} blur index {'; '.join(parts)}." if parts else ""


def _heatmap_alt(
    groups: list[str], names: list[str], z: list[list[float | None]], group_col: str, minimum: int
) -> str:
    cells = [
        (v, g, d)
        for g, row in zip(groups, z, strict=True)
        for d, v in zip(names, row, strict=True)
        if v is not None
    ]
    hidden = sum(v is None for row in z for v in row)
    text = (
        f"Heatmap of blur index (100 minus clarity; higher means more blurred) for "
        f"{len(groups)} {group_col} group(s) by {len(names)} dimensions."
    )
    if cells:
        top, bottom = max(cells, key=lambda c: c[0]), min(cells, key=lambda c: c[0])
        text += f" Highest: {top[1]}, {top[2]} {fmt(top[0])}."
        text += f" Lowest: {bottom[1]}, {bottom[2]} {fmt(bottom[0])}."
    if hidden:
        text += f" {hidden} cell(s) hidden: {hidden_reason(minimum)}."
    return text


def trend(
    tidy_by_round: pd.DataFrame,
    bank: Bank,
    *,
    min_group_size: int,
    title: str | None = None,
) -> go.Figure:
    """Blur index of each dimension across rounds, for one group, with 95% whiskers.

    Parameters
    ----------
    tidy_by_round : `round` plus `scoring.dimension_table` columns, one row per
        round x dimension; rounds are plotted in the order they first appear
        (sort them chronologically first). Optional ``ci_low_clarity`` and
        ``ci_high_clarity`` give whiskers; an optional ``segment`` column
        numbers runs of comparable rounds, and a line never joins two rounds
        of different segments (their questions differ).
    min_group_size, title : as in `radar`.

    Notes
    -----
    Hidden points are gaps in the lines, without whisker; a thin "hidden"
    strip under the plot carries a grey marker per round with something
    hidden, whose hover names the dimensions (the gap itself cannot be
    hovered).
    """
    check_min_group_size(min_group_size)
    grid = _Grid(tidy_by_round, bank, "round", min_group_size)
    keys, blur, hidden = grid.keys, grid.blur, grid.hidden
    rounds = [esc(k) for k in keys]
    names = [bank.dimension(d).name for d in bank.dimension_ids]
    segments = _segments(tidy_by_round, keys)
    fig = go.Figure()
    # Rounds sit at 0, 1, 2, ...; each dimension a little to one side, so whiskers never overlap.
    spread = [(j - (len(names) - 1) / 2) * TREND_DODGE for j in range(len(names))]
    for j, name in enumerate(names):
        look = style(j)
        values = none_where(blur[:, j], hidden[:, j])
        hover = [f"{r} · {esc(name)}: {grid.words(i, j)}" for i, r in enumerate(rounds)]
        up = none_where(grid.high[:, j] - blur[:, j], hidden[:, j])
        down = none_where(blur[:, j] - grid.low[:, j], hidden[:, j])
        for first, segment in enumerate(dict.fromkeys(segments)):
            at = [i for i, s in enumerate(segments) if s == segment]
            fig.add_scatter(
                x=[i + spread[j] for i in at],
                y=[values[i] for i in at],
                name=esc(name),
                legendgroup=f"dimension-{j}",
                showlegend=first == 0,
                mode="lines+markers",
                connectgaps=False,
                line={"color": look["color"], "dash": look["dash"], "width": 2.5},
                marker={"symbol": look["symbol"], "size": 9, "color": look["color"]},
                error_y={
                    "type": "data",
                    "symmetric": False,
                    "array": [up[i] for i in at],
                    "arrayminus": [down[i] for i in at],
                    "color": look["color"],
                    "thickness": 1.5,
                    "width": 4,
                },
                hovertext=[hover[i] for i in at],
                hovertemplate=HOVER,
            )
    axes: dict[str, Any] = {
        "xaxis": {
            "tickvals": list(range(len(rounds))),
            "ticktext": [wrap(str(k), ROUND_WRAP) for k in keys],
            "tickangle": 0,
            "range": [-0.5, len(rounds) - 0.5],
            "showgrid": False,
            "zeroline": False,
            "fixedrange": True,
        },
        "yaxis": {
            "range": [0, 100],
            "tickvals": [0, 25, 50, 75, 100],
            "fixedrange": True,
            "title": {"text": "Blur index", "font": {"size": 12}},
        },
    }
    if hidden.any():
        strip = _add_hidden_strip(fig, rounds, names, hidden, min_group_size)
        axes = merged(axes, strip)
    breaks = len(set(segments)) - 1
    alt = (
        f"Line chart of blur index (higher means more blurred) for {len(names)} dimensions over "
        f"{len(rounds)} round(s): {listing([str(k) for k in keys])}, with 95% intervals. "
        + " ".join(f"{name}: {_path(blur[:, j], hidden[:, j])}." for j, name in enumerate(names))
        + (
            f" The lines break {breaks} time(s) where the questions changed between rounds."
            if breaks
            else ""
        )
        + (f" Hidden means {hidden_reason(min_group_size)}." if hidden.any() else "")
    )
    return base_layout(fig, title or "Blur index over rounds", height=420, alt=alt, extra=axes)


def _segments(rows: pd.DataFrame, keys: list[object]) -> list[object]:
    """Each round's run of comparable rounds (all one run without a ``segment`` column)."""
    if "segment" not in rows:
        return [0] * len(keys)
    first = rows.drop_duplicates("round").set_index("round")["segment"]
    return [first[k] for k in keys]


def _path(values: np.ndarray, hidden: np.ndarray) -> str:
    return " then ".join("hidden" if h else fmt(v) for v, h in zip(values, hidden, strict=True))


def _add_hidden_strip(
    fig: go.Figure, rounds: list[str], names: list[str], hidden: np.ndarray, minimum: int
) -> dict[str, dict[str, Any]]:
    """Markers in a strip below the plot where a round has hidden points: hoverable, no value.

    Returns the axes the strip needs, for the figure's layout.
    """
    where = [i for i in range(len(rounds)) if hidden[i].any()]
    note = hidden_note(minimum)
    dims = [listing([d for d, h in zip(names, hidden[i], strict=True) if h]) for i in where]
    fig.add_scatter(
        x=where,
        y=[0] * len(where),
        yaxis="y2",
        name=f"Hidden: fewer than {minimum}",
        mode="markers",
        marker={"symbol": "circle-x-open", "size": 12, "color": HIDDEN_COLOR},
        hovertext=[f"{rounds[i]} · {esc(d)}: {note}" for i, d in zip(where, dims, strict=True)],
        hovertemplate=HOVER,
    )
    return dict(
        yaxis={"domain": [0.16, 1]},
        yaxis2={
            "domain": [0, 0.08],
            "range": [-1, 1],
            "tickvals": [0],
            "ticktext": ["hidden"],
            "showgrid": False,
            "zeroline": False,
            "fixedrange": True,
            "tickfont": {"size": 11, "color": HIDDEN_COLOR},
        },
        xaxis={"anchor": "y2"},
    )


LENS_OFFSETS = {"product": -0.22, "project": 0.0, "clarity": 0.22}


def score_intervals(
    dimension_rows: pd.DataFrame,
    bank: Bank,
    *,
    min_group_size: int,
    title: str | None = None,
) -> go.Figure:
    """One group's lens scores per dimension as dots with 95% whiskers: how sure each is.

    Parameters
    ----------
    dimension_rows : rows of `scoring.dimension_table` for one group, with
        ``ci_low_<lens>`` and ``ci_high_<lens>`` (without them: dots only).
    min_group_size, title : as in `radar`.

    Notes
    -----
    Dimensions run down in bank order, each with a row per lens; the score
    axis is fixed at 0-100. A hidden score is no dot and no whisker, only a
    grey marker at the right edge whose hover gives the hidden wording.
    """
    check_min_group_size(min_group_size)
    dims = bank.dimension_ids
    names = [bank.dimension(d).name for d in dims]
    fig = go.Figure()
    hidden_at: list[tuple[float, str]] = []
    summaries = []
    for lens in LENSES:
        title_lens = LENS_TITLES[lens]
        series = _lens_series(dimension_rows, bank, lens, min_group_size)
        values, low, high, n, hidden, notes = series
        y = [k + LENS_OFFSETS[lens] for k in range(len(dims))]
        shown = none_where(values, hidden)
        fig.add_scatter(
            x=shown,
            y=y,
            name=title_lens,
            mode="markers",
            marker={"symbol": LENS_STYLE_SYMBOLS[lens], "size": 10, "color": LENS_COLOURS[lens]},
            error_x={
                "type": "data",
                "symmetric": False,
                "array": none_where(high - values, hidden),
                "arrayminus": none_where(values - low, hidden),
                "color": LENS_COLOURS[lens],
                "thickness": 2,
                "width": 5,
            },
            hovertext=[
                f"{esc(d)} · {title_lens}: " + (str(note) if h else score_words(v, lo, hi, k))
                for d, v, lo, hi, k, h, note in zip(
                    names, values, low, high, n, hidden, notes, strict=True
                )
            ],
            hovertemplate=HOVER,
        )
        hidden_at += [
            (y[k], f"{esc(names[k])} · {title_lens}: {notes[k]}")
            for k in range(len(dims))
            if hidden[k]
        ]
        summaries.append(
            f"{title_lens}: "
            + ", ".join(
                f"{d} hidden" if h else f"{d} {score_words(v, lo, hi, k)}"
                for d, v, lo, hi, k, h in zip(names, values, low, high, n, hidden, strict=True)
            )
            + "."
        )
    if hidden_at:
        fig.add_scatter(
            x=[100] * len(hidden_at),
            y=[y for y, _ in hidden_at],
            name=f"Hidden: fewer than {min_group_size}",
            mode="markers",
            marker={"symbol": "circle-x-open", "size": 11, "color": HIDDEN_COLOR},
            hovertext=[words for _, words in hidden_at],
            hovertemplate=HOVER,
            cliponaxis=False,
        )
    threshold = bank.findings.blurred_below  # where a clarity interval decides the verdict
    fig.add_vline(x=threshold, line={"dash": "dot", "color": HIDDEN_COLOR, "width": 1})
    axes = {
        "xaxis": {
            "range": [0, 100],
            "tickvals": [0, 25, 50, 75, 100],
            "fixedrange": True,
            "title": {"text": f"Score (0–100) with 95% interval<br>dotted: clarity below"
                              f" {threshold:g} is blurred", "font": {"size": 12}},
        },
        "yaxis": {
            "tickvals": list(range(len(dims))),
            "ticktext": [wrap(d, GROUP_WRAP) for d in names],
            "autorange": "reversed",
            "range": [len(dims) - 0.5, -0.5],
            "showgrid": False,
            "zeroline": False,
            "fixedrange": True,
            "automargin": True,
        },
    }  # fmt: skip
    alt = (
        f"Dot chart of product, project and clarity scores (0 to 100) on {len(dims)} dimensions,"
        " each with its 95% interval. "
        + " ".join(summaries)
        + (f" Hidden means {hidden_reason(min_group_size)}." if hidden_at else "")
    )
    height = 150 + 78 * len(dims)
    return base_layout(fig, title or "How sure each score is", height=height, alt=alt, extra=axes)


def _lens_series(
    rows: pd.DataFrame, bank: Bank, lens: str, minimum: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, list[str]]:
    """(score, low, high, n, hidden, hidden wording) of one lens over the bank's dimensions."""
    require_columns(rows, ["dimension", lens, f"n_{lens}"], "dimension rows")
    if rows["dimension"].duplicated().any():
        raise ValueError("dimension rows hold several rows per dimension; pass one group's rows")
    indexed = rows.set_index("dimension").reindex(bank.dimension_ids)
    values = indexed[lens].to_numpy(dtype=float, na_value=np.nan)
    n = indexed[f"n_{lens}"].to_numpy(dtype=float, na_value=np.nan)
    hidden = np.array([is_hidden(v, k, minimum) for v, k in zip(values, n, strict=True)], bool)
    low = np.where(hidden, np.nan, column_or_nan(indexed, f"ci_low_{lens}"))
    high = np.where(hidden, np.nan, column_or_nan(indexed, f"ci_high_{lens}"))
    notes = [hidden_note(minimum, r) for r in hidden_reasons(indexed, lens)]
    return values, low, high, n, hidden, notes

"""Grids of blur index: the group x dimension heatmap and the round x dimension trend.

Both read `scoring.dimension_table` rows keyed by one column (a group column or
`round`) and share `_grid`, which lays the blur index and the clarity n out as
row x dimension arrays in bank order and decides what is hidden.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from assessment.bank import Bank
from assessment.charts.base import (
    HIDDEN_COLOR,
    HOVER,
    base_layout,
    check_min_group_size,
    esc,
    fmt,
    hidden_note,
    hidden_reason,
    hidden_reasons,
    is_hidden,
    listing,
    none_where,
    require_columns,
    style,
    wrap,
)

__all__ = ["blur_heatmap", "trend"]

BLUR_SCALE = "YlOrRd"  # sequential; dark red = much blur = the alarming end
COLUMN_WRAP = 12  # characters per line of a dimension label above a column
GROUP_WRAP = 18  # characters per line of a group label beside a row


def _group_label(value: object, group_col: str, bank: Bank) -> str:
    return bank.role_name(str(value)) if group_col == "role" else str(value)


def _grid(
    rows: pd.DataFrame, bank: Bank, row_col: str, minimum: int
) -> tuple[list[object], np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(row keys, blur, clarity n, hidden, hidden wording) as row x dimension arrays."""
    require_columns(rows, [row_col, "dimension", "blur_index", "n_clarity"], "dimension rows")
    keys = list(pd.unique(rows[row_col]))
    indexed = rows.set_index([row_col, "dimension"])
    if indexed.index.duplicated().any():
        raise ValueError(f"dimension rows hold several rows per {row_col} and dimension")
    full = pd.MultiIndex.from_product([keys, bank.dimension_ids])
    indexed = indexed.reindex(full)
    shape = (len(keys), len(bank.dimension_ids))
    blur = indexed["blur_index"].to_numpy(dtype=float, na_value=np.nan).reshape(shape)
    n = indexed["n_clarity"].to_numpy(dtype=float, na_value=np.nan).reshape(shape)
    hidden = np.vectorize(lambda v, k: is_hidden(v, k, minimum), otypes=[bool])(blur, n)
    notes = np.array([hidden_note(minimum, r) for r in hidden_reasons(indexed, "clarity")])
    return keys, blur, n, hidden, notes.reshape(shape)


def blur_heatmap(
    dimension_rows: pd.DataFrame,
    bank: Bank,
    *,
    group_col: str = "team",
    min_group_size: int,
    title: str | None = None,
) -> go.Figure:
    """Blur index (100 - clarity) of every group x dimension: where does blurring cluster?

    Parameters
    ----------
    dimension_rows : `scoring.dimension_table(tidy, by=[group_col])`; rows
        appear top to bottom in the order given.
    group_col : the group column; "role" ids are shown by their bank names.
    min_group_size, title : as in `radar`.

    Notes
    -----
    High blur is the alarming end of a sequential scale (light yellow to dark
    red), fixed at 0-100. A hidden cell has z None, shows "hidden" and hovers
    the hidden wording without its n.
    """
    check_min_group_size(min_group_size)
    keys, blur, n, hidden, notes = _grid(dimension_rows, bank, group_col, min_group_size)
    names = [bank.dimension(d).name for d in bank.dimension_ids]
    groups = [_group_label(k, group_col, bank) for k in keys]
    z = [none_where(blur[i], hidden[i]) for i in range(len(keys))]
    text = [["hidden" if v is None else fmt(v) for v in row] for row in z]
    hover = [
        [
            f"{esc(g)} · {esc(d)}: {note}"
            if v is None
            else f"{esc(g)} · {esc(d)}: blur index {fmt(v)} (n = {int(k)})"
            for d, v, k, note in zip(names, row, n_row, note_row, strict=True)
        ]
        for g, row, n_row, note_row in zip(groups, z, n, notes, strict=True)
    ]
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
    fig.update_xaxes(side="top", showgrid=False, tickfont={"size": 12}, fixedrange=True)
    fig.update_yaxes(autorange="reversed", showgrid=False, fixedrange=True, automargin=True)
    fig.update_layout(plot_bgcolor="#f0f0f0")  # hidden (None) cells show this grey
    alt = _heatmap_alt(groups, names, z, group_col, min_group_size)
    height = 190 + 46 * len(keys)
    return base_layout(fig, title or "Blur index by group", height=height, alt=alt, legend=False)


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
    """Blur index of each dimension across rounds, for one group.

    Parameters
    ----------
    tidy_by_round : `round` plus `scoring.dimension_table` columns, one row per
        round x dimension; rounds are plotted in the order they first appear
        (sort them chronologically first).
    min_group_size, title : as in `radar`.

    Notes
    -----
    Hidden points are gaps in the lines; a thin "hidden" strip under the plot
    carries a grey marker per round with something hidden, whose hover names
    the dimensions (the gap itself cannot be hovered).
    """
    check_min_group_size(min_group_size)
    note = hidden_note(min_group_size)
    keys, blur, n, hidden, _notes = _grid(tidy_by_round, bank, "round", min_group_size)
    rounds = [esc(k) for k in keys]
    names = [bank.dimension(d).name for d in bank.dimension_ids]
    fig = go.Figure()
    for j, name in enumerate(names):
        look = style(j)
        values = none_where(blur[:, j], hidden[:, j])
        fig.add_scatter(
            x=rounds,
            y=values,
            name=esc(name),
            mode="lines+markers",
            connectgaps=False,
            line={"color": look["color"], "dash": look["dash"], "width": 2.5},
            marker={"symbol": look["symbol"], "size": 9, "color": look["color"]},
            hovertext=[
                f"{r} · {esc(name)}: {note}"
                if v is None
                else f"{r} · {esc(name)}: blur index {fmt(v)} (n = {int(k)})"
                for r, v, k in zip(rounds, values, n[:, j], strict=True)
            ],
            hovertemplate=HOVER,
        )
    fig.update_xaxes(type="category", categoryorder="array", categoryarray=rounds, fixedrange=True)
    fig.update_yaxes(
        range=[0, 100],
        tickvals=[0, 25, 50, 75, 100],
        fixedrange=True,
        title={"text": "Blur index", "font": {"size": 12}},
    )
    if hidden.any():
        _add_hidden_strip(fig, rounds, names, hidden, min_group_size)
    alt = (
        f"Line chart of blur index (higher means more blurred) for {len(names)} dimensions over "
        f"{len(rounds)} round(s): {listing([str(k) for k in keys])}. "
        + " ".join(f"{name}: {_path(blur[:, j], hidden[:, j])}." for j, name in enumerate(names))
        + (f" Hidden means {hidden_reason(min_group_size)}." if hidden.any() else "")
    )
    return base_layout(fig, title or "Blur index over rounds", height=420, alt=alt)


def _path(values: np.ndarray, hidden: np.ndarray) -> str:
    return " then ".join("hidden" if h else fmt(v) for v, h in zip(values, hidden, strict=True))


def _add_hidden_strip(
    fig: go.Figure, rounds: list[str], names: list[str], hidden: np.ndarray, minimum: int
) -> None:
    """Markers in a strip below the plot where a round has hidden points: hoverable, no value."""
    where = [i for i in range(len(rounds)) if hidden[i].any()]
    note = hidden_note(minimum)
    dims = [listing([d for d, h in zip(names, hidden[i], strict=True) if h]) for i in where]
    fig.add_scatter(
        x=[rounds[i] for i in where],
        y=[0] * len(where),
        yaxis="y2",
        name=f"Hidden: fewer than {minimum}",
        mode="markers",
        marker={"symbol": "circle-x-open", "size": 12, "color": HIDDEN_COLOR},
        hovertext=[f"{rounds[i]} · {esc(d)}: {note}" for i, d in zip(where, dims, strict=True)],
        hovertemplate=HOVER,
    )
    fig.update_layout(
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

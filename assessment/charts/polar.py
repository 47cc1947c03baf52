"""Radar figures: one group's three lenses, or one lens of several groups overlaid.

Every builder takes plain DataFrames from `assessment.scoring` plus the Bank and
returns a `plotly.graph_objects.Figure`; nothing here imports streamlit, so the
figures are tested by inspecting `fig.data`. Rules shared by all of them:

- Spokes, columns and lines follow the bank's dimension order and names.
- Score axes are fixed at 0-100, so two charts can be compared by eye.
- A suppressed value (NaN score, or n below the minimum group size) is a gap
  (None) and the words of its true reason (`vocabulary.hidden_text`); never a number, not
  even its n, anywhere in the figure.
- Colour is never the only cue: each series also has its own dash and marker.
- Each figure stores an accessible summary: `alt_text(fig)`.

This module holds the radars; import the figures from `assessment.charts`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from assessment.bank import LENSES, Bank
from assessment.charts.base import (
    HIDDEN_COLOR,
    HOVER,
    LENS_NAMES,
    LENS_STYLE,
    base_layout,
    check_min_group_size,
    column_or_nan,
    esc,
    fmt,
    hidden_note,
    hidden_reason,
    hidden_reasons,
    is_hidden,
    listing,
    none_where,
    require_columns,
    score_words,
    style,
    wrap,
)

__all__ = ["MAX_COMPARE", "radar", "radar_compare"]

# Beyond ~8 overlaid polygons a radar is unreadable (and the palette and dash
# styles run out); plotly.js itself slows past ~30 traces. Compare fewer, or
# use the heatmap, which scales to many groups.
MAX_COMPARE = 8
SPOKE_WRAP = 12  # characters per line of a spoke label: "Success metrics" fits a phone


class _Series:
    """One line over the bank's dimensions: values, n and which points are hidden."""

    def __init__(
        self, rows: pd.DataFrame, bank: Bank, value: str, n: str, minimum: int,
        interval: tuple[str, str] | None = None,
    ) -> None:  # fmt: skip
        require_columns(rows, ["dimension", value, n], "dimension rows")
        if rows["dimension"].duplicated().any():
            raise ValueError(
                "dimension rows hold several rows per dimension; pass one group's rows"
            )
        indexed = rows.set_index("dimension").reindex(bank.dimension_ids)
        self.labels = [bank.dimension(d).name for d in bank.dimension_ids]
        # Spoke labels wrap so "Success metrics" fits beside a phone-width radar.
        self.spokes = [wrap(label, SPOKE_WRAP) for label in self.labels]
        self.n = indexed[n].to_numpy(dtype=float, na_value=np.nan)
        raw = indexed[value].to_numpy(dtype=float, na_value=np.nan)
        self.hidden = np.array(
            [is_hidden(v, k, minimum) for v, k in zip(raw, self.n, strict=True)], dtype=bool
        )
        self.values = none_where(raw, self.hidden)
        self.notes = [hidden_note(minimum, r) for r in hidden_reasons(indexed, value)]
        # The 95% interval's ends (`ci_low_<lens>`, `ci_high_<lens>`), gone where hidden.
        low, high = interval or (f"ci_low_{value}", f"ci_high_{value}")
        self.low = none_where(column_or_nan(indexed, low), self.hidden)
        self.high = none_where(column_or_nan(indexed, high), self.hidden)

    def hover(self, name: str) -> list[str]:
        return [
            f"{esc(label)} · {esc(name)}: {note}"
            if value is None
            else f"{esc(label)} · {esc(name)}: {score_words(value, low, high, k)}"
            for label, value, low, high, k, note in zip(
                self.labels, self.values, self.low, self.high, self.n, self.notes, strict=True
            )
        ]

    def summary(self) -> str:
        return ", ".join(
            f"{label} {'hidden' if v is None else fmt(v)}"
            for label, v in zip(self.labels, self.values, strict=True)
        )


def _closed(values: Sequence[object]) -> list[object]:
    """Repeat the first point at the end so the radar polygon closes."""
    return [*values, values[0]] if values else []


def _polar_trace(series: _Series, name: str, look: dict[str, str]) -> go.Scatterpolar:
    everything_hidden = bool(series.hidden.all())
    return go.Scatterpolar(
        r=_closed(series.values),
        theta=_closed(series.spokes),
        name=esc(name) + (" (hidden)" if everything_hidden else ""),
        mode="lines+markers",
        connectgaps=False,
        line={"color": look["color"], "dash": look["dash"], "width": 2.5},
        marker={"symbol": look["symbol"], "size": 8, "color": look["color"]},
        hovertext=_closed(series.hover(name)),
        hovertemplate=HOVER,
    )


def _hidden_rim(
    series: _Series, hidden: list[list[tuple[str, str]]], minimum: int
) -> go.Scatterpolar:
    """Grey markers on the rim of spokes where a series is hidden, so the gap can be hovered.

    A hidden point has no position of its own; the rim (r = 100, the axis
    edge) keeps the marker off the data and away from the centre where all
    spokes meet. Its hover names what is hidden, never a value.
    """
    where = [i for i, names in enumerate(hidden) if names]
    too_small = all(note == hidden_note(minimum) for i in where for _, note in hidden[i])
    return go.Scatterpolar(
        r=[100] * len(where),
        theta=[series.spokes[i] for i in where],
        name=f"Hidden: fewer than {minimum}" if too_small else "Hidden",
        mode="markers",
        marker={"symbol": "circle-x-open", "size": 12, "color": HIDDEN_COLOR},
        hovertext=[
            f"{esc(series.labels[i])} · "
            + "; ".join(
                f"{esc(listing([n for n, w in hidden[i] if w == note]))}: {note}"
                for note in dict.fromkeys(w for _, w in hidden[i])
            )
            for i in where
        ],
        hovertemplate=HOVER,
        cliponaxis=False,
    )


def _polar_figure(
    series: list[tuple[str, _Series]], looks: list[dict[str, str]], minimum: int
) -> go.Figure:
    traces = [_polar_trace(s, name, look) for (name, s), look in zip(series, looks, strict=True)]
    fig = go.Figure(traces)
    first = series[0][1]
    hidden = [
        [(name, s.notes[i]) for name, s in series if s.hidden[i]] for i in range(len(first.labels))
    ]
    if any(hidden):
        fig.add_trace(_hidden_rim(first, hidden, minimum))
    if all(s.hidden.all() for _, s in series):
        notes = {note for _, s in series for note in s.notes}
        why = next(iter(notes)) if len(notes) == 1 else hidden_reason(minimum)
        fig.add_annotation(
            text=f"All scores hidden:<br>{why}",
            x=0.5,
            y=0.5,
            xref="paper",
            yref="paper",
            showarrow=False,
            font={"size": 14, "color": HIDDEN_COLOR},
            bgcolor="rgba(255,255,255,0.85)",
        )
    return fig


def _polar_layout(first: _Series) -> dict[str, object]:
    """The polar axes: 0-100 rings, spokes clockwise from the top, room for their labels."""
    return dict(
        radialaxis={
            "range": [0, 100],
            "tickvals": [0, 25, 50, 75, 100],
            "tickfont": {"size": 10, "color": "#555555"},
            "angle": 90 - 180 / max(len(first.labels), 1),
            "tickangle": 90 - 180 / max(len(first.labels), 1),
        },
        # Invisible outside ticks push the spoke labels clear of the hidden rim markers.
        angularaxis={
            "direction": "clockwise",
            "rotation": 90,
            "tickfont": {"size": 13},
            "ticks": "outside",
            "ticklen": 10,
            "tickcolor": "rgba(0,0,0,0)",
        },
        # Narrow enough that side labels fit at phone width; a desktop radar is
        # limited by its height, so this costs nothing there.
        domain={"x": [0.15, 0.85]},
    )


def radar(
    dimension_rows: pd.DataFrame,
    bank: Bank,
    *,
    min_group_size: int,
    title: str | None = None,
) -> go.Figure:
    """Product, project and clarity scores of ONE group on the bank's dimensions.

    Parameters
    ----------
    dimension_rows : rows of `scoring.dimension_table` for one group (one row
        per dimension; `<by>` columns are ignored).
    bank : gives the spokes: its dimensions, in order, by name.
    min_group_size : the round's anonymity threshold, used in the hidden
        wording and, defensively, to hide any lens whose n is below it.
    title : defaults to "Product, project and clarity".
    """
    check_min_group_size(min_group_size)
    series = [
        (LENS_NAMES[lens], _Series(dimension_rows, bank, lens, f"n_{lens}", min_group_size))
        for lens in LENSES
    ]
    fig = _polar_figure(series, [LENS_STYLE[lens] for lens in LENSES], min_group_size)
    alt = (
        f"Radar chart of product, project and clarity scores (0 to 100) on "
        f"{len(bank.dimension_ids)} dimensions. "
        + " ".join(f"{name}: {s.summary()}." for name, s in series)
        + _hidden_sentence(series, min_group_size)
    )
    polar = {"polar": _polar_layout(series[0][1])}
    return base_layout(
        fig, title or "Product, project and clarity", height=460, alt=alt, extra=polar
    )


def radar_compare(
    groups: Sequence[tuple[str, pd.DataFrame]],
    bank: Bank,
    *,
    lens: str,
    min_group_size: int,
    title: str | None = None,
) -> go.Figure:
    """One lens for several groups overlaid: team vs organisation, role vs role, round vs round.

    Parameters
    ----------
    groups : (label, dimension_table rows of that group), in legend order; at
        most `MAX_COMPARE` (8) -- more polygons cannot be told apart.
    lens : "product", "project" or "clarity".
    min_group_size, title : as in `radar`.

    Raises
    ------
    ValueError : unknown lens, no groups, or more than `MAX_COMPARE` groups.
    """
    check_min_group_size(min_group_size)
    if lens not in LENSES:
        raise ValueError(f"lens must be one of {', '.join(LENSES)}, got {lens!r}")
    if not groups:
        raise ValueError("radar_compare needs at least one group")
    if len(groups) > MAX_COMPARE:
        raise ValueError(
            f"radar_compare shows at most {MAX_COMPARE} groups ({len(groups)} given): more"
            " overlaid polygons cannot be told apart; use blur_heatmap for many groups"
        )
    series = [
        (label, _Series(rows, bank, lens, f"n_{lens}", min_group_size)) for label, rows in groups
    ]
    fig = _polar_figure(series, [style(i) for i in range(len(series))], min_group_size)
    alt = (
        f"Radar chart comparing {LENS_NAMES[lens].lower()} scores (0 to 100) of "
        f"{listing([label for label, _ in groups])} on {len(bank.dimension_ids)} dimensions. "
        + " ".join(f"{label}: {s.summary()}." for label, s in series)
        + _hidden_sentence(series, min_group_size)
    )
    default = f"{LENS_NAMES[lens]} scores compared"
    polar = {"polar": _polar_layout(series[0][1])}
    return base_layout(fig, title or default, height=480, alt=alt, extra=polar)


def _hidden_sentence(series: list[tuple[str, _Series]], min_group_size: int) -> str:
    if not any(s.hidden.any() for _, s in series):
        return ""
    return f" Hidden means {hidden_reason(min_group_size)}."

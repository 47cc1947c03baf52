"""Shared pieces of the Plotly figures: palette, layout, config, suppression, alt text.

Kept apart from the builders so `charts.py` and `charts_items.py` share one
look (tuned for a phone ~390 px wide as well as a desktop) and one rule for
hidden values: a suppressed score is never a number anywhere in a figure --
not in the data arrays, not in hover text, not in the alt text -- because the
whole figure is serialised to the browser, where anyone can read it.
"""

from __future__ import annotations

import html
import math
import textwrap
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio

from assessment.vocabulary import (
    LENS_TITLES,
    HiddenReason,
    difference_text,
    hidden_text,
    interval_text,
    round_half_up,
)

__all__ = [
    "LENS_NAMES",
    "LENS_STYLE",
    "OKABE_ITO",
    "PLOTLY_CONFIG",
    "alt_text",
    "difference_words",
    "hidden_note",
    "interval_words",
    "plotly_config",
    "score_words",
]

# Okabe & Ito (2008): distinguishable with every common colour-vision deficiency.
# The yellow (#F0E442) is left out: it is nearly invisible as a line on white.
OKABE_ITO: tuple[str, ...] = (
    "#0072B2",  # blue
    "#D55E00",  # vermillion
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#E69F00",  # orange
    "#56B4E9",  # sky blue
    "#000000",  # black
    "#8C6D31",  # brown (stands in for the yellow)
)
DASHES: tuple[str, ...] = (
    "solid",
    "dash",
    "dot",
    "dashdot",
    "longdash",
    "longdashdot",
    "2px,5px",
    "12px,4px,2px,4px,2px,4px",
)
SYMBOLS: tuple[str, ...] = (
    "circle",
    "square",
    "diamond",
    "triangle-up",
    "cross",
    "x",
    "star",
    "triangle-down",
)
LENS_NAMES = LENS_TITLES
LENS_STYLE: dict[str, dict[str, str]] = {
    lens: {"color": OKABE_ITO[i], "dash": DASHES[i], "symbol": SYMBOLS[i]}
    for i, lens in enumerate(LENS_NAMES)
}
HIDDEN_COLOR = "#767676"  # the lightest grey with 4.5:1 contrast on white
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"
HOVER = "%{hovertext}<extra></extra>"  # all hover text is prepared, escaped, in Python
LEGEND_MARGIN = 72  # two legend rows on a phone
TITLE_WRAP = 34  # characters per title line: clear of Plotly's toolbar at phone width

TEMPLATE = "role_radar"
"""Plotly's `plotly_white`, cut to the trace types these charts draw (see `_register_template`)."""
TRACE_TYPES = ("bar", "heatmap", "scatter", "scatterpolar")


def _register_template() -> None:
    """Register `TEMPLATE`: `plotly_white`'s layout and its styles for `TRACE_TYPES` only.

    The full template carries styles for two dozen trace types and 3-D, map and ternary
    axes these charts never draw; Plotly deep-copies it into every figure and sends it
    to the browser with each one (4 KB of a small chart's 6). Cut, each figure is built
    about three times faster and draws the same, since unused styles apply to nothing.
    """
    white = pio.templates["plotly_white"]
    layout = {
        key: value
        for key, value in white.layout.to_plotly_json().items()
        if key not in ("geo", "scene", "ternary")
    }
    data = {kind: white.data[kind] for kind in TRACE_TYPES}
    pio.templates[TEMPLATE] = go.layout.Template(layout=layout, data=data)


_register_template()

PLOTLY_CONFIG: dict[str, Any] = {
    "displaylogo": False,
    "responsive": True,
    "scrollZoom": False,  # a page scroll on a phone must not zoom the chart
    "modeBarButtonsToRemove": ["select2d", "lasso2d", "autoScale2d"],
    "toImageButtonOptions": {"format": "png", "filename": "role-radar", "scale": 2},
}


def plotly_config(filename: str = "role-radar") -> dict[str, Any]:
    """`PLOTLY_CONFIG` with its own download file name, for `st.plotly_chart(config=...)`."""
    image = {**PLOTLY_CONFIG["toImageButtonOptions"], "filename": filename}
    return {**PLOTLY_CONFIG, "toImageButtonOptions": image}


def hidden_reason(min_group_size: int) -> str:
    """What 'hidden' means, for alt text: both reasons a value can be hidden for."""
    return (
        f"fewer than {min_group_size} responses, or kept hidden so that a smaller group"
        " cannot be worked out"
    )


def hidden_note(min_group_size: int, reason: object = "") -> str:
    """The wording of one suppressed value (`vocabulary.hidden_text`), too small by default."""
    return hidden_text(str(reason) if reason else HiddenReason.TOO_SMALL, min_group_size)


def hidden_reasons(rows: pd.DataFrame, lens: str) -> list[str]:
    """Each row's reason for hiding `lens` ('' when the rows carry none: too small)."""
    column = f"reason_{lens}"
    return (
        [str(r) if isinstance(r, str) else "" for r in rows[column]]
        if column in rows
        else [""] * len(rows)
    )


def esc(text: object) -> str:
    """Team, role and item names are data: keep `<` or `&` in them from becoming markup."""
    return html.escape(str(text), quote=False)


def wrap(text: str, width: int) -> str:
    """Break text into `<br>`-joined lines of at most `width` characters (escaped)."""
    return "<br>".join(
        esc(line)
        for line in textwrap.wrap(str(text), width, break_long_words=False, break_on_hyphens=False)
    ) or esc(text)


def fmt(value: float) -> str:
    """One decimal, rounded half up like the exports, so chart and CSV agree."""
    return f"{float(round_half_up(np.array([value]))[0]):.1f}"


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float | np.floating) and math.isnan(value))


def interval_words(low: object, high: object) -> str:
    """'95% interval 41–58' (whole points, as precise as an interval deserves); '' without one.

    Without two numbers there is no interval to show: n below 2, or a hidden
    score, whose interval scoring leaves NaN.
    """
    if _missing(low) or _missing(high):
        return ""
    return f"95% interval {interval_text(float(low), float(high))}"  # type: ignore[arg-type]


def score_words(value: float, low: object, high: object, n: float) -> str:
    """'49.9 (95% interval 41–58), n = 30': a visible score, how sure it is, and its n."""
    interval = interval_words(low, high)
    if not interval:
        return f"{fmt(value)} (n = {int(n)})"
    return f"{fmt(value)} ({interval}), n = {int(n)}"


def difference_words(difference: object, low: object, high: object) -> str:
    """'+8.2 (95% interval +3 to +13)': a change between rounds and how sure it is."""
    return difference_text(float(difference), float(low), float(high))  # type: ignore[arg-type]


def column_or_nan(rows: pd.DataFrame, column: str) -> np.ndarray:
    """A float column of `rows`, or NaN everywhere when the rows lack it (older tables)."""
    if column not in rows:
        return np.full(len(rows), np.nan)
    return rows[column].to_numpy(dtype=float, na_value=np.nan)


def is_hidden(score: float | None, n: float | None, min_group_size: int) -> bool:
    """Hidden when scoring suppressed it (NaN) or, defensively, when n is below the minimum."""
    if score is None or n is None or math.isnan(score) or math.isnan(n):
        return True
    return n < min_group_size


def check_min_group_size(min_group_size: int) -> None:
    if not isinstance(min_group_size, int | np.integer) or min_group_size < 1:
        raise ValueError(f"min_group_size must be a positive integer, got {min_group_size!r}")


def require_columns(frame: pd.DataFrame, columns: Iterable[str], what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{what} lacks column(s) {', '.join(missing)}")


def style(index: int) -> dict[str, str]:
    """Colour, dash and marker of the index-th series: colour is never the only cue."""
    return {"color": OKABE_ITO[index], "dash": DASHES[index], "symbol": SYMBOLS[index]}


def base_layout(
    fig: go.Figure,
    title: str,
    *,
    height: int,
    alt: str,
    legend: bool = True,
    extra: dict[str, Any] | None = None,
) -> go.Figure:
    """Apply the common look and store the alt text in `layout.meta`.

    The legend is horizontal at the bottom of the figure (container
    coordinates, in a reserved bottom margin, so it never covers tick
    labels and wraps to a second row on a phone); side margins are small so a
    phone-width chart spends its width on data; the height is fixed
    (Streamlit sizes the width) and modest so one chart fits a phone screen.

    `extra` holds a chart's own layout properties (axes, polar, margins...), merged over
    the common ones as a later `update_layout` would: the figure's layout is then
    validated once, template included (see `_assign_layout`).
    """
    look = dict(
        template=TEMPLATE,
        # Container-anchored with automargin: top tick labels never run into the title.
        title={
            "text": wrap(title, TITLE_WRAP),  # two short lines beat one under the toolbar
            "x": 0,
            "xanchor": "left",
            "font": {"size": 16},
            "yref": "container",
            "y": 1,
            "yanchor": "top",
            "pad": {"t": 14},
            "automargin": True,
        },
        font={"family": FONT, "size": 13, "color": "#222222"},
        margin={"l": 16, "r": 16, "t": 56, "b": LEGEND_MARGIN if legend else 16},
        autosize=True,
        height=height,
        showlegend=legend,
        legend={
            "orientation": "h",
            "x": 0,
            "xanchor": "left",
            "yref": "container",
            "y": 0,
            "yanchor": "bottom",
            "font": {"size": 12},
        },
        hoverlabel={"font": {"family": FONT, "size": 13}, "align": "left"},
        meta={"alt_text": alt},
    )
    return _assign_layout(fig, merged(look, extra or {}))


def merged(into: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """`into` with `new` merged in, nested dicts key by key, as `update_layout` merges."""
    out = dict(into)
    for key, value in new.items():
        old = out.get(key)
        out[key] = (
            merged(old, value) if isinstance(old, dict) and isinstance(value, dict) else value
        )
    return out


def _assign_layout(fig: go.Figure, props: dict[str, Any]) -> go.Figure:
    """`fig.update_layout(**props)` for nested dicts, at a fraction of its cost.

    Plotly's update path walks and re-validates each property one by one (about 9 ms for
    the common look), while a layout built whole is validated in one pass (about 3 ms,
    most of it copying the template). The result is the same layout. Each call validates
    the whole layout again, its template too: give a figure one call (`base_layout` takes
    a chart's own properties for that).
    """
    fig.layout = merged(fig.layout.to_plotly_json(), props)
    return fig


def alt_text(fig: go.Figure) -> str:
    """The accessible summary a builder stored; pass it as `st.plotly_chart(fig, alt=...)`.

    Built from exactly the data drawn, so it cannot disagree with the chart,
    and it names hidden values without a number.
    """
    meta = fig.layout.meta
    return str(meta.get("alt_text", "")) if isinstance(meta, dict) else ""


def listing(parts: list[str]) -> str:
    """'a', 'a and b', 'a, b and c': alt text reads as a sentence."""
    if len(parts) <= 1:
        return "".join(parts)
    return f"{', '.join(parts[:-1])} and {parts[-1]}"


def empty_figure(title: str, message: str, *, height: int = 220) -> go.Figure:
    """A figure with no data, only a centred message: it says what is hidden, never a count."""
    fig = go.Figure()
    fig.add_annotation(
        text=esc(message),
        x=0.5,
        y=0.5,
        xref="paper",
        yref="paper",
        showarrow=False,
        font={"size": 15, "color": HIDDEN_COLOR},
    )
    hidden_axes = {"xaxis": {"visible": False}, "yaxis": {"visible": False}}
    alt = f"{title}: {message}."
    return base_layout(fig, title, height=height, alt=alt, legend=False, extra=hidden_axes)


def none_where(values: np.ndarray, hidden: np.ndarray) -> list[float | None]:
    """Plot values as a list with None at hidden positions: a gap, never a number."""
    return [None if h or math.isnan(v) else float(v) for v, h in zip(values, hidden, strict=True)]

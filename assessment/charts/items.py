"""Diverging stacked bars of the answers to each statement (a "Likert chart").

Disagreement grows to the left of zero, agreement to the right, the neutral
middle is split half and half across zero, and "don't know / skipped" sits
apart in its own narrow column on the right, so it never shifts the balance
that the eye reads from the centre line. Percentages are of all responses in
the group, so every statement's segments (don't know included) add up to 100.

The layout is measured in pixels: each statement's text sits *above* its bar
across the full width instead of beside it, because at phone width (~390 px) a
column of 60-character labels would leave no room for the bars. The text rows
are kept clear of the plot: the zero line and the 50 % guides are drawn only
across the bars' own bands (one path each), never through a statement.

Colours say what an answer *means*, not which words it has: red is the worse
side, blue the better (ColorBrewer RdBu, colour-blind safe). For most
statements that is disagree = red, agree = blue. For a reverse-keyed statement
agreeing scores low (`scoring.scores`), so its agreement is drawn red and its
disagreement blue; the bars stay where their answers are (disagree left, agree
right), and the legend has a second group, "Reverse-keyed statements", with
those swapped colours.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import plotly.colors
import plotly.graph_objects as go

from assessment.bank import Bank, Item
from assessment.charts.base import (
    HIDDEN_COLOR,
    LENS_NAMES,
    base_layout,
    check_min_group_size,
    empty_figure,
    esc,
    hidden_note,
    require_columns,
    wrap,
)

__all__ = ["item_distribution"]

LINE, BAR, GAP, HEADER = 16, 22, 16, 40  # pixels: a text line, a bar, after a bar, a header
# Title, legends (a title line and up to 3 rows each on a phone) and the % axis all sit
# above the bars: a long chart must explain its colours before the first statement.
TITLE_PX, LEGEND_PX, AXIS_PX, BOTTOM = 40, 110, 30, 16
GUIDES = (-100, -50, 50, 100)  # % guides, drawn in the bars' bands only
ZERO_COLOR, GUIDE_COLOR = "#333333", "#E5E5E5"
FORWARD_GROUP, REVERSE_GROUP = "forward", "reverse"
LEGENDS = {FORWARD_GROUP: "legend", REVERSE_GROUP: "legend2"}
# Explicit: Streamlit's chart theme would fade the first legend's title and not the second.
TITLE_FONT = {"size": 12, "color": "#222222"}
GROUP_TITLES = {
    FORWARD_GROUP: "<b>Statements</b>: agreeing is better",
    REVERSE_GROUP: "<b>Reverse-keyed statements</b>: agreeing is worse",
}
WRAP = 52  # characters per line: a 12 px line of 52 fits a 390 px phone
LEGEND_WRAP = 18  # two legend columns fit a phone instead of one
NEUTRAL_COLOR, DONT_KNOW_COLOR = "#C8C8C8", "#8F8F8F"
MAIN_DOMAIN, DONT_KNOW_DOMAIN = (0.0, 0.84), (0.88, 1.0)


@dataclass(frozen=True)
class _Layout:
    """Bar centres and text annotations, in pixels from the top of the plot area."""

    centres: list[float]
    annotations: list[dict[str, object]]
    height: float


def _selected_items(bank: Bank, dimensions: Sequence[str] | None) -> list[Item]:
    chosen = bank.dimension_ids if dimensions is None else list(dimensions)
    unknown = [d for d in chosen if d not in bank.dimension_ids]
    if unknown:
        raise ValueError(f"unknown dimension(s): {', '.join(unknown)}")
    return [item for d in bank.dimension_ids if d in chosen for item in bank.items_in(d)]


def _counts(
    responses: pd.DataFrame, items: list[Item], points: int
) -> tuple[np.ndarray, np.ndarray]:
    """Counts per answer (points x items) and don't know / skipped per item."""
    ids = [item.id for item in items]
    values = responses[ids].to_numpy(dtype=float, na_value=np.nan)
    answered = ~np.isnan(values)
    valid = np.isin(values, np.arange(1, points + 1))
    bad = answered & ~valid
    if bad.any():
        column = ids[int(np.argwhere(bad)[0][1])]
        raise ValueError(f"responses column {column}: answers must be integers 1..{points}")
    counts = (values[None, :, :] == np.arange(1, points + 1)[:, None, None]).sum(axis=1)
    return counts, (~answered).sum(axis=0)


def _label(item: Item, width: int) -> str:
    suffix = " (reverse-keyed)" if item.reverse else ""
    lens = LENS_NAMES[item.lens]
    text = wrap(f"{lens} · {item.text}{suffix}", width)
    return text.replace(f"{lens} ·", f'<span style="color:#666666">{lens} ·</span>', 1)


def _layout(items: list[Item], bank: Bank, width: int) -> _Layout:
    """Stack headers, item texts and bars downwards; each block takes the pixels it needs."""
    centres: list[float] = []
    annotations: list[dict[str, object]] = []
    y, current = 0.0, None
    for item in items:
        if item.dimension != current:
            current = item.dimension
            name = bank.dimension(current).name
            annotations.append(_text(f"<b>{esc(name)}</b>", y + HEADER - 8, 15, "bottom"))
            y += HEADER
        label = _label(item, width)
        annotations.append(_text(label, y, 12, "top"))
        y += LINE * (label.count("<br>") + 1) + 4
        centres.append(y + BAR / 2)
        y += BAR + GAP
    return _Layout(centres, annotations, y)


def _text(text: str, y: float, size: int, anchor: str) -> dict[str, object]:
    return {
        "text": text,
        "x": 0,
        "xref": "paper",
        "xanchor": "left",
        "align": "left",
        "y": y,
        "yref": "y",
        "yanchor": anchor,
        "showarrow": False,
        "font": {"size": size},
    }


def _colours(points: int, *, reverse: bool = False) -> list[str]:
    """The colour of each answer 1..points: reds for the worse side, blues for the better.

    ColorBrewer RdBu (colour-blind safe) with a grey middle; the palest shades
    next to its white centre are skipped, they vanish against the background.
    For a reverse-keyed statement agreeing is the worse side: the list turns
    round, so "Strongly agree" gets the darkest red.
    """
    t = np.linspace(0.0, 1.0, points)
    t = np.where(t < 0.5, t * 0.7, 0.3 + t * 0.7)
    colours = plotly.colors.sample_colorscale("RdBu", list(t))
    if points % 2:
        colours[points // 2] = NEUTRAL_COLOR
    return colours[::-1] if reverse else colours


def _segment(
    x: np.ndarray,
    pct: np.ndarray,
    count: np.ndarray,
    n: int,
    *,
    label: str,
    colour: str | list[str],
    centres: list[float],
    text: bool = True,
    axis: str = "x",
    notes: list[str] | None = None,
) -> go.Bar:
    """One answer's bars for every statement; the legend comes from `_legend_keys`."""
    notes = notes or [""] * len(centres)
    return go.Bar(
        x=x,
        y=centres,
        orientation="h",
        width=BAR,
        name=label,
        legendgroup=label,
        showlegend=False,
        marker={"color": colour, "line": {"width": 0}},
        text=[f"{p:.0f}%" for p in pct] if text else None,
        textposition="inside" if axis == "x" else "outside",
        insidetextanchor="middle",
        cliponaxis=False,
        xaxis=axis,
        yaxis="y",
        hovertext=[
            f"{esc(label)}: {p:.1f}% ({c} of {n}){note}"
            for p, c, note in zip(pct, count, notes, strict=True)
        ],
        hovertemplate="%{hovertext}<extra></extra>",
    )


def _traces(
    counts: np.ndarray,
    dont_know: np.ndarray,
    n: int,
    bank: Bank,
    items: list[Item],
    centres: list[float],
) -> list[go.Bar]:
    """Negative side from the centre outwards, then positive, then don't know.

    In plotly's "relative" bar mode each trace stacks beyond the previous one
    on its side of zero, so trace order is what puts "Disagree" next to the
    centre line and "Strongly disagree" at the far left. Each bar takes the
    colour of what its answer means for its statement (`_colours`).
    """
    points, labels = bank.scale.points, bank.scale.labels
    pct = counts / n * 100.0
    palette = {False: _colours(points), True: _colours(points, reverse=True)}
    notes = [" · reverse-keyed: agreeing is the worse side" if i.reverse else "" for i in items]
    specs: list[tuple[np.ndarray, int, bool]] = []  # x, answer index, text
    if points % 2:
        middle = points // 2
        half = pct[middle] / 2
        specs += [(-half, middle, False), (half, middle, True)]
    specs += [(-pct[a], a, True) for a in range(points // 2 - 1, -1, -1)]
    specs += [(pct[a], a, True) for a in range((points + 1) // 2, points)]
    traces = [
        _segment(
            x,
            pct[a],
            counts[a],
            n,
            label=labels[a],
            colour=[palette[item.reverse][a] for item in items],
            centres=centres,
            text=text,
            notes=notes,
        )
        for x, a, text in specs
    ]
    dk = dont_know / n * 100.0
    traces.append(
        _segment(
            dk,
            dk,
            dont_know,
            n,
            label=_dont_know_label(bank),
            colour=DONT_KNOW_COLOR,
            centres=centres,
            axis="x2",
        )
    )
    return traces


def _dont_know_label(bank: Bank) -> str:
    return bank.scale.dont_know_label if bank.scale.dont_know else "Skipped"


def _legend_keys(bank: Bank, items: list[Item]) -> list[go.Bar]:
    """The legends: one swatch per answer for each keying the chart shows, then don't know.

    Legend-only traces (no bars), so that each swatch has exactly the colour
    its answer has for that kind of statement. Reverse-keyed statements get
    their own legend (`LEGENDS`), titled to say that agreeing is the worse side.
    """
    points, labels = bank.scale.points, bank.scale.labels
    groups = [FORWARD_GROUP] * any(not i.reverse for i in items)
    groups += [REVERSE_GROUP] * any(i.reverse for i in items)
    keys = []
    for group in groups:
        colours = _colours(points, reverse=group == REVERSE_GROUP)
        keys += [_key(label, colours[a], group, a) for a, label in enumerate(labels)]
    keys.append(_key(_dont_know_label(bank), DONT_KNOW_COLOR, groups[0], points))
    return keys


def _key(label: str, colour: str, group: str, rank: int) -> go.Bar:
    return go.Bar(
        x=[None],
        y=[None],
        orientation="h",
        name=wrap(label, LEGEND_WRAP),
        legend=LEGENDS[group],
        legendgroup=group,
        legendrank=rank,
        marker={"color": colour, "line": {"width": 0}},
        hoverinfo="skip",
        xaxis="x",
        yaxis="y",
    )


def _legends(groups: list[str], height: int, plot_px: float) -> dict[str, object]:
    """Where the legends go: stacked above the % axis, each titled when there are two.

    The lower one is anchored just above the axis and the upper one just
    below the chart's title, each in its own `LEGEND_PX` reserve: on a phone a
    legend wraps to three rows and still fits.
    """
    common: dict[str, object] = {
        "orientation": "h",
        "yref": "container",
        "x": 0,
        "xanchor": "left",
        "traceorder": "normal",
        "font": {"size": 12},
        "itemclick": False,  # a swatch explains a colour; it hides nothing
        "itemdoubleclick": False,
    }
    bottom = (BOTTOM + plot_px + AXIS_PX) / height
    if len(groups) == 1:
        return {"legend": {**common, "y": bottom, "yanchor": "bottom"}}
    titled: dict[str, dict[str, object]] = {
        LEGENDS[group]: {
            **common,
            "title": {"text": GROUP_TITLES[group], "side": "top", "font": TITLE_FONT},
        }
        for group in groups
    }
    titled["legend"] |= {"y": 1 - TITLE_PX / height, "yanchor": "top"}
    titled["legend2"] |= {"y": bottom, "yanchor": "bottom"}
    return dict(titled)


def item_distribution(
    responses: pd.DataFrame,
    bank: Bank,
    *,
    min_group_size: int,
    dimensions: Sequence[str] | None = None,
    title: str | None = None,
    wrap_width: int = WRAP,
) -> go.Figure:
    """Diverging stacked bars of the answers to every statement, grouped by dimension.

    Parameters
    ----------
    responses : wide responses of ONE group: one column per item id with
        answers ``1..points``; NaN is "don't know" or skipped (counted together).
    bank : gives the statements, their order, the answer labels and which
        items are reverse-keyed (marked "(reverse-keyed)", agreement drawn as
        the worse side, with a second legend that says so).
    min_group_size : with fewer responses the figure has no bars, only the
        hidden wording: not even the count is shown.
    dimensions : only these dimension ids (bank order kept); all when None.
        One dimension per tab keeps the chart short on a phone.
    title : defaults to "Answers to each statement".
    wrap_width : characters per line of statement text; the default fits a
        390 px phone, lower it for narrower containers.

    Notes
    -----
    Hidden groups must be decided by the caller as for scores: only offer this
    chart for groups whose scores are not suppressed (complementary
    suppression included), or subtraction from a larger group reveals them.
    """
    check_min_group_size(min_group_size)
    title = title or "Answers to each statement"
    items = _selected_items(bank, dimensions)
    require_columns(responses, [item.id for item in items], "responses")
    n = len(responses)
    if n < min_group_size:
        return empty_figure(title, hidden_note(min_group_size))
    counts, dont_know = _counts(responses, items, bank.scale.points)
    layout = _layout(items, bank, wrap_width)
    keys = _legend_keys(bank, items)
    fig = go.Figure([*_traces(counts, dont_know, n, bank, items, layout.centres), *keys])
    alt = _alt(items, counts, dont_know, n, bank)
    groups = list(dict.fromkeys(key.legendgroup for key in keys))
    top = TITLE_PX + LEGEND_PX * len(groups) + AXIS_PX
    height = int(layout.height) + top + BOTTOM
    own = {
        **_axes(layout, dk_title="Don't<br>know" if bank.scale.dont_know else "Skipped"),
        "margin": {"t": top, "b": BOTTOM},
        "annotations": layout.annotations,
        "shapes": _guides(layout),
        **_legends(groups, height, layout.height),
    }
    return base_layout(fig, title, height=height, alt=alt, extra=own)


def _guides(layout: _Layout) -> list[dict[str, object]]:
    """The zero line and the 50 % guides as two paths across the bars' bands only.

    A full-height zero line would run through every statement's text.
    """
    half = BAR / 2 + 2

    def path(xs: tuple[int, ...]) -> str:
        return " ".join(f"M {x},{c - half} V {c + half}" for c in layout.centres for x in xs)

    shape = {"type": "path", "xref": "x", "yref": "y"}
    guides, zero = {"color": GUIDE_COLOR, "width": 1}, {"color": ZERO_COLOR, "width": 1.5}
    return [
        {**shape, "path": path(GUIDES), "line": guides, "layer": "below"},
        {**shape, "path": path((0,)), "line": zero, "layer": "above"},
    ]


def _axes(layout: _Layout, dk_title: str) -> dict[str, Any]:
    """The bars' layout: relative bars, the % axis, the "don't know" axis beside it."""
    ticks = [-100, -50, 0, 50, 100]
    return dict(
        barmode="relative",
        bargap=0,
        uniformtext={"minsize": 10, "mode": "hide"},
        xaxis={
            "domain": MAIN_DOMAIN,
            "range": [-100, 100],
            "side": "top",
            "fixedrange": True,
            "tickvals": ticks,
            "ticktext": [f"{abs(t)}%" if t else "0" for t in ticks],
            "zeroline": False,  # `_guides` draws it, in the bars' bands only
            "showgrid": False,
            "tickfont": {"size": 11},
        },
        xaxis2={
            "domain": DONT_KNOW_DOMAIN,
            "range": [0, 100],
            "side": "top",
            "fixedrange": True,
            "anchor": "y",
            "showticklabels": False,
            "showgrid": False,
            "zeroline": False,
            "title": {"text": dk_title, "font": {"size": 11, "color": HIDDEN_COLOR}},
        },
        yaxis={"range": [layout.height, 0], "visible": False, "fixedrange": True},
    )


def _alt(items: list[Item], counts: np.ndarray, dont_know: np.ndarray, n: int, bank: Bank) -> str:
    points = bank.scale.points
    agree = counts[points - points // 2 :].sum(axis=0) / n * 100
    disagree = counts[: points // 2].sum(axis=0) / n * 100
    most, least = int(np.argmax(agree)), int(np.argmax(disagree))
    return (
        f"Diverging bar chart of the answers of {n} responses to {len(items)} statements,"
        f" grouped by dimension; disagreement left, agreement right, don't know apart;"
        f" red marks the worse side, so for the reverse-keyed statements agreement is red."
        f' Most agreed: "{items[most].text}" ({agree[most]:.0f}% agree).'
        f' Most disagreed: "{items[least].text}" ({disagree[least]:.0f}% disagree).'
    )

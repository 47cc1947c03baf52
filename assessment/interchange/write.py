"""Writing the CSV exports: wide responses, tidy scores and the retrospective pack.

Every export is UTF-8 with a byte-order mark (so Excel reads accents right),
comma-delimited with CRLF line ends (RFC 4180), and safe to open in a
spreadsheet: a *text* cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or
a carriage return gets a leading apostrophe, so a team called
``=HYPERLINK(...)`` shows as text instead of running as a formula (OWASP "CSV
injection"). Numbers are written by this module from floats and integers, never
copied from user text, so they cannot carry a formula and stay numbers: a
balance of -12.5 is written as ``-12.5``, not ``'-12.5``.
"""

from __future__ import annotations

import io
import re
import unicodedata
from datetime import date
from pathlib import Path
from typing import TextIO

import numpy as np
import pandas as pd

from assessment.bank import Bank
from assessment.interchange.read import FORMULA_TRIGGERS, METADATA_COLUMNS
from assessment.interchange.validate import answer_cells
from assessment.scoring.certainty import CHANGE_COLUMNS
from assessment.scoring.scores import group_columns
from assessment.vocabulary import HiddenReason, round_half_up

__all__ = [
    "CHANGE_EXPORT_COLUMNS",
    "EXPORT_KINDS",
    "FORMULA_TRIGGERS",
    "emit",
    "export_filename",
    "neutralise",
    "one_decimal",
    "responses_csv_bytes",
    "responses_table",
    "scores_csv_bytes",
    "scores_table",
    "to_bytes",
    "whole",
    "write_responses",
    "write_scores",
]

EXPORT_KINDS = ("responses", "scores", "retro", "comments", "codebook")
LINE_END = "\r\n"
Target = str | Path | TextIO


def neutralise(text: pd.Series) -> pd.Series:
    """Prefix an apostrophe to text cells a spreadsheet would run as a formula.

    A value that already looks guarded (an apostrophe, then a trigger or
    another apostrophe) gets one more, so `csv_read.unneutralise` restores
    every value exactly: "'=x" is written "''=x" and read back as "'=x".
    """
    text = text.astype(object).fillna("").astype(str)  # object first: an all-empty column is float
    # Each distinct text is looked at once: a column of teams or roles holds a handful.
    where, distinct = pd.factorize(text, use_na_sentinel=False)
    guard = np.fromiter(map(_needs_guard, distinct), dtype=bool, count=len(distinct))
    if not guard.any():
        return text
    return text.mask(guard[where], "'" + text)


_GUARDED_SECOND = (*FORMULA_TRIGGERS, "'")


def _needs_guard(text: str) -> bool:
    """A formula trigger first, or what looks like a guard already (an apostrophe, then one)."""
    return text.startswith(FORMULA_TRIGGERS) or (
        text.startswith("'") and text[1:2] in _GUARDED_SECOND
    )


def one_decimal(values: pd.Series) -> pd.Series:
    """Numbers with one decimal, rounded half up; empty where missing."""
    numbers = pd.to_numeric(values, errors="coerce").astype(float)
    rounded = pd.Series(round_half_up(numbers.to_numpy()), index=values.index)
    return rounded.map("{:.1f}".format).where(numbers.notna(), "").astype(str)


def whole(values: pd.Series) -> pd.Series:
    numbers = pd.to_numeric(values, errors="coerce").astype(float)
    return numbers.map("{:.0f}".format).where(numbers.notna(), "").astype(str)


def emit(frame: pd.DataFrame, target: Target) -> None:
    """Write an all-text frame; a path gets a BOM, an open handle its own encoding."""
    frame = frame.set_axis(neutralise(pd.Series(frame.columns, dtype=str)).tolist(), axis=1)
    text = frame.to_csv(index=False, lineterminator=LINE_END)
    if isinstance(target, str | Path):
        Path(target).write_text(text, encoding="utf-8-sig", newline="")
    else:
        target.write(text)


def to_bytes(frame: pd.DataFrame) -> bytes:
    buffer = io.StringIO()
    emit(frame, buffer)
    return buffer.getvalue().encode("utf-8-sig")


def _iso(column: pd.Series) -> pd.Series:
    """ISO 8601 UTC to the second, whether the column holds text or datetimes."""
    if pd.api.types.is_datetime64_any_dtype(column):
        stamps = column.dt.tz_localize("UTC") if column.dt.tz is None else column
        return stamps.dt.strftime("%Y-%m-%dT%H:%M:%SZ").fillna("").astype(str)
    return column.fillna("").astype(str)


def responses_table(frame: pd.DataFrame, bank: Bank) -> pd.DataFrame:
    """The wide export as text: every metadata column, then every bank item, in that order."""
    out: dict[str, pd.Series | str] = {}
    for col in METADATA_COLUMNS:
        if col not in frame:
            out[col] = ""
        elif col == "submitted_at":
            out[col] = neutralise(_iso(frame[col]))
        else:
            out[col] = neutralise(frame[col])
    present = [item for item in bank.item_ids if item in frame]
    answers = dict(zip(present, _answer_columns(frame, present, bank), strict=True))
    for item in bank.item_ids:
        out[item] = answers.get(item, "")
    return pd.DataFrame(out, index=frame.index).reset_index(drop=True)


def _answer_columns(frame: pd.DataFrame, items: list[str], bank: Bank) -> list[pd.Series]:
    """Every answer column as cells at once: the point, ``DK`` / ``NA`` for a coded frame's 0 / -1.

    Written only where the scale has the two apart (`validate.answer_cells`);
    with the combined choice, as always, a number or empty. Each distinct
    value is written once and spread over the cells: a round holds a handful
    (the points, the codes, NaN), whatever its size.
    """
    if not items:
        return []
    numbers = np.empty((len(frame), len(items)), dtype=float)
    for c, item in enumerate(items):
        column = frame[item]
        if isinstance(column.dtype, np.dtype) and column.dtype.kind in "iuf":
            numbers[:, c] = column.to_numpy(dtype=float)
        else:
            numbers[:, c] = pd.to_numeric(column, errors="coerce").astype(float).to_numpy()
    distinct, where = np.unique(numbers.ravel(order="F"), return_inverse=True)
    codes = answer_cells(bank.scale)
    cells = []
    for value in distinct.tolist():
        cell = next((text for text, code in codes.items() if value == code), None)
        if cell is None:
            cell = f"{value:.0f}" if value >= 1 else ""
        cells.append(cell)
    text = pd.Series(np.asarray(cells, dtype=object)[where], dtype=object).astype(str).array
    n = len(frame)
    return [
        pd.Series(text[c * n : (c + 1) * n], index=frame.index, name=item)
        for c, item in enumerate(items)
    ]


def write_responses(frame: pd.DataFrame, bank: Bank, target: Target) -> None:
    """Write responses in the wide format: integers, ``DK``, ``NA``, empty for skipped.

    With a coded frame (`store.responses_frame` with ``kinds=True``) and a
    scale that has "don't know" and "not applicable" apart; otherwise, as
    always, empty for don't know or skipped.
    """
    emit(responses_table(frame, bank), target)


def responses_csv_bytes(frame: pd.DataFrame, bank: Bank) -> bytes:
    return to_bytes(responses_table(frame, bank))


CHANGE_EXPORT_COLUMNS = [
    "previous_score", "difference", "diff_low", "diff_high", "p_holm", "change",
]  # fmt: skip
"""What a scores file adds when it compares with an earlier round (`certainty.change_table`)."""


def scores_table(tidy: pd.DataFrame) -> pd.DataFrame:
    """Tidy scores as text: score and its 95% interval to one decimal, n, suppressed, reason.

    A suppressed row keeps its place with an empty score, interval and n, so
    the gap is visible and the group's size is not. The internal ``sd`` is
    never written. When `tidy` carries change columns (``change`` and the
    rest of `CHANGE_EXPORT_COLUMNS`, empty where a group was not compared),
    they follow: differences to one decimal, ``p_holm`` to four.
    """
    by = [col for col in group_columns(tidy) if col not in CHANGE_COLUMNS]
    out = pd.DataFrame({col: neutralise(tidy[col]) for col in [*by, "dimension", "lens"]})
    suppressed = tidy["suppressed"].astype(bool)
    out["score"] = one_decimal(tidy["score"].where(~suppressed))
    for bound in ("ci_low", "ci_high"):
        values = tidy[bound] if bound in tidy else pd.Series(np.nan, index=tidy.index)
        out[bound] = one_decimal(values.where(~suppressed))
    out["n"] = whole(tidy["n"].where(~suppressed))  # a hidden group's size is hidden too
    out["suppressed"] = np.where(suppressed, "true", "false")
    out["reason"] = (
        tidy["reason"].fillna("").astype(str).where(suppressed, "")
        if "reason" in tidy
        else np.where(suppressed, str(HiddenReason.TOO_SMALL), "")
    )
    if "change" in tidy:
        compared = tidy["change"].notna() & ~suppressed
        for col in ("previous_score", "difference", "diff_low", "diff_high"):
            out[col] = one_decimal(tidy[col].where(compared))
        p_holm = pd.to_numeric(tidy["p_holm"].where(compared), errors="coerce").astype(float)
        out["p_holm"] = p_holm.map("{:.4f}".format).where(p_holm.notna(), "").astype(str)
        out["change"] = tidy["change"].where(compared, "").fillna("").astype(str)
    return out.reset_index(drop=True)


def write_scores(tidy: pd.DataFrame, target: Target) -> None:
    """Write `scoring.group_scores` output in the tidy format (docs/architecture.md, "Files")."""
    emit(scores_table(tidy), target)


def scores_csv_bytes(tidy: pd.DataFrame) -> bytes:
    return to_bytes(scores_table(tidy))


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:60].rstrip("-") or "round"


def export_filename(round_name: str, kind: str, day: date) -> str:
    """``role-radar_<round-slug>_<kind>_<YYYY-MM-DD>.csv``: sortable, and safe on every OS."""
    return f"role-radar_{_slug(round_name)}_{_slug(kind)}_{day.isoformat()}.csv"

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
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import TextIO

import numpy as np
import pandas as pd

from assessment.bank import Bank
from assessment.interchange.read import FORMULA_TRIGGERS, METADATA_COLUMNS
from assessment.scoring.findings import findings
from assessment.scoring.scores import SCORE_COLUMNS, dimension_table
from assessment.vocabulary import round_half_up

__all__ = [
    "EXPORT_KINDS",
    "FORMULA_TRIGGERS",
    "export_filename",
    "neutralise",
    "responses_csv_bytes",
    "responses_table",
    "retro_csv_bytes",
    "retro_frame",
    "scores_csv_bytes",
    "scores_table",
    "write_responses",
    "write_retro",
    "write_scores",
]

EXPORT_KINDS = ("responses", "scores", "retro")
LINE_END = "\r\n"
Target = str | Path | TextIO
LENS_COLUMNS = ("product", "project", "clarity", "blur_index", "balance")


def neutralise(text: pd.Series) -> pd.Series:
    """Prefix an apostrophe to text cells a spreadsheet would run as a formula.

    A value that already looks guarded (an apostrophe, then a trigger or
    another apostrophe) gets one more, so `csv_read.unneutralise` restores
    every value exactly: "'=x" is written "''=x" and read back as "'=x".
    """
    text = text.fillna("").astype(str)
    looks_guarded = text.str.startswith("'") & text.str[1:2].isin([*FORMULA_TRIGGERS, "'"])
    return text.mask(text.str.startswith(FORMULA_TRIGGERS) | looks_guarded, "'" + text)


def _one_decimal(values: pd.Series) -> pd.Series:
    """Numbers with one decimal, rounded half up; empty where missing."""
    numbers = pd.to_numeric(values, errors="coerce").astype(float)
    rounded = pd.Series(round_half_up(numbers.to_numpy()), index=values.index)
    return rounded.map("{:.1f}".format).where(numbers.notna(), "").astype(str)


def _whole(values: pd.Series) -> pd.Series:
    numbers = pd.to_numeric(values, errors="coerce").astype(float)
    return numbers.map("{:.0f}".format).where(numbers.notna(), "").astype(str)


def _emit(frame: pd.DataFrame, target: Target) -> None:
    """Write an all-text frame; a path gets a BOM, an open handle its own encoding."""
    frame = frame.set_axis(neutralise(pd.Series(frame.columns, dtype=str)).tolist(), axis=1)
    text = frame.to_csv(index=False, lineterminator=LINE_END)
    if isinstance(target, str | Path):
        Path(target).write_text(text, encoding="utf-8-sig", newline="")
    else:
        target.write(text)


def _bytes(frame: pd.DataFrame) -> bytes:
    buffer = io.StringIO()
    _emit(frame, buffer)
    return buffer.getvalue().encode("utf-8-sig")


def _iso(column: pd.Series) -> pd.Series:
    """ISO 8601 UTC to the second, whether the column holds text or datetimes."""
    if pd.api.types.is_datetime64_any_dtype(column):
        stamps = column.dt.tz_localize("UTC") if column.dt.tz is None else column
        return stamps.dt.strftime("%Y-%m-%dT%H:%M:%SZ").fillna("").astype(str)
    return column.fillna("").astype(str)


def responses_table(frame: pd.DataFrame, bank: Bank) -> pd.DataFrame:
    """The wide export as text: every metadata column, then every bank item, in that order."""
    out = pd.DataFrame(index=frame.index)
    for col in METADATA_COLUMNS:
        if col not in frame:
            out[col] = ""
        elif col == "submitted_at":
            out[col] = neutralise(_iso(frame[col]))
        else:
            out[col] = neutralise(frame[col])
    for item in bank.item_ids:
        out[item] = _whole(frame[item]) if item in frame else ""
    return out.reset_index(drop=True)


def write_responses(frame: pd.DataFrame, bank: Bank, target: Target) -> None:
    """Write responses in the wide format: integers, empty for don't know or skipped."""
    _emit(responses_table(frame, bank), target)


def responses_csv_bytes(frame: pd.DataFrame, bank: Bank) -> bytes:
    return _bytes(responses_table(frame, bank))


def scores_table(tidy: pd.DataFrame) -> pd.DataFrame:
    """Tidy scores as text: score to one decimal (empty when suppressed), suppressed true/false."""
    by = [col for col in tidy.columns if col not in SCORE_COLUMNS]
    out = pd.DataFrame({col: neutralise(tidy[col]) for col in [*by, "dimension", "lens"]})
    suppressed = tidy["suppressed"].astype(bool)
    out["score"] = _one_decimal(tidy["score"].where(~suppressed))
    out["n"] = _whole(tidy["n"])
    out["suppressed"] = np.where(suppressed, "true", "false")
    return out.reset_index(drop=True)


def write_scores(tidy: pd.DataFrame, target: Target) -> None:
    """Write `scoring.group_scores` output in the tidy format (docs/architecture.md, "Files")."""
    _emit(scores_table(tidy), target)


def scores_csv_bytes(tidy: pd.DataFrame) -> bytes:
    return _bytes(scores_table(tidy))


def retro_frame(
    tidy: pd.DataFrame, bank: Bank, by: Sequence[str] = (), min_group_size: int | None = None
) -> pd.DataFrame:
    """The retrospective pack as text, one row per group x dimension.

    Columns: ``<by>, dimension, classification, finding, evidence, product,
    project, clarity, blur_index, balance, n, prompt_1 .. prompt_k``. One
    prompt per column, not several joined by line breaks: pasting a row range
    into a retro board (Miro, FigJam, Mural) makes one sticky per cell, and
    text tools that split pasted CSV on newlines keep one line per dimension.
    A fully suppressed group says "fewer than N responses — hidden" and shows
    no number; a partly suppressed one shows only its visible scores.
    """
    by = list(by)
    prompts = max(len(d.retro_prompts) for d in bank.dimensions)
    columns = [*by, "dimension", "classification", "finding", "evidence", *LENS_COLUMNS, "n"]
    columns += [f"prompt_{i}" for i in range(1, prompts + 1)]
    if tidy.empty:
        return pd.DataFrame(columns=columns, dtype=str)
    minimum = min_group_size or bank.min_group_size
    table = dimension_table(tidy, by)
    verdicts = {(*(f.group[col] for col in by), f.dimension): f for f in findings(tidy, bank, by)}
    hidden = f"fewer than {minimum} responses — hidden"
    rows = []
    for record in table.to_dict("records"):
        key = (*(str(record[col]) for col in by), record["dimension"])
        finding = verdicts.get(key)
        lens_hidden = [pd.isna(record[lens]) for lens in ("product", "project", "clarity")]
        row: dict[str, object] = {col: record[col] for col in by}
        row["dimension"] = bank.dimension(record["dimension"]).name
        if finding is not None:
            row.update(
                classification=finding.classification,
                finding=finding.headline,
                evidence=finding.evidence,
            )
        elif all(lens_hidden):
            row.update(classification="hidden", finding=hidden, evidence="")
        else:
            row.update(
                classification="",
                finding=f"Some scores are hidden ({hidden}); too few to classify.",
                evidence="",
            )
        for col in LENS_COLUMNS:
            row[col] = record[col]
        counts = [record[f"n_{lens}"] for lens in ("product", "project", "clarity")]
        row["n"] = np.nan if all(lens_hidden) else max(counts)
        for i, prompt in enumerate(bank.dimension(record["dimension"]).retro_prompts, 1):
            row[f"prompt_{i}"] = prompt
        rows.append(row)
    frame = pd.DataFrame(rows, columns=columns)
    for col in frame.columns:
        if col in LENS_COLUMNS:
            frame[col] = _one_decimal(frame[col])
        elif col == "n":
            frame[col] = _whole(frame[col])
        else:
            frame[col] = neutralise(frame[col])
    return frame


def write_retro(
    tidy: pd.DataFrame,
    bank: Bank,
    target: Target,
    *,
    by: Sequence[str] = (),
    min_group_size: int | None = None,
) -> None:
    """Write the retrospective pack (see `retro_frame`)."""
    _emit(retro_frame(tidy, bank, by, min_group_size), target)


def retro_csv_bytes(
    tidy: pd.DataFrame, bank: Bank, *, by: Sequence[str] = (), min_group_size: int | None = None
) -> bytes:
    return _bytes(retro_frame(tidy, bank, by, min_group_size))


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:60].rstrip("-") or "round"


def export_filename(round_name: str, kind: str, day: date) -> str:
    """``role-radar_<round-slug>_<kind>_<YYYY-MM-DD>.csv``: sortable, and safe on every OS."""
    return f"role-radar_{_slug(round_name)}_{_slug(kind)}_{day.isoformat()}.csv"

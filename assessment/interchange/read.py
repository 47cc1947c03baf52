"""Reading CSV files as people actually produce them, and the wide responses format.

Files come from Excel, LibreOffice, Google Sheets or a script: UTF-8 with or
without a byte-order mark, comma- or semicolon-delimited (Excel in many European
locales writes semicolons), CRLF line ends. Everything is read as text first so a
team called "NA" or "None" stays a team, then checked column by column with
pandas: the cost of a check grows with the table, not with a Python loop per
cell. Every problem is collected and reported at once, each naming the
spreadsheet row (the header is row 1) and the column, so a leader can fix a file
in one pass.
"""

from __future__ import annotations

import csv
import io
import re
import warnings
from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from difflib import get_close_matches
from pathlib import Path

import numpy as np
import pandas as pd

from assessment.bank import Bank
from assessment.errors import InputError, NotFoundError

__all__ = [
    "KNOWN_COLUMNS",
    "MAX_PROBLEMS",
    "METADATA_COLUMNS",
    "Table",
    "capped",
    "column_letter",
    "decode_text",
    "read_responses",
    "read_table",
    "scale_problems",
    "unneutralise",
]

METADATA_COLUMNS = ("response_id", "submitted_at", "round", "team", "role")
REQUIRED_METADATA = ("team", "role")
# Optional on import (the store keeps comments apart from answers); never exported.
OPTIONAL_COLUMNS = ("comment",)
KNOWN_COLUMNS = (*METADATA_COLUMNS, *OPTIONAL_COLUMNS)
# Exports put an apostrophe before these (csv_write.neutralise); reading takes it off again.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
MAX_PROBLEMS = 50
SPARE_COLUMNS = 16
NOT_A_DATE = "is not a date and time like 2025-03-31T14:05:00Z"
SAVE_AS_HINT = "save it from the spreadsheet as 'CSV UTF-8'"


@dataclass(frozen=True)
class Table:
    """A CSV file as text: header names and the data cells, indexed by spreadsheet row."""

    source: str
    header: list[str]
    cells: pd.DataFrame  # columns 0..n-1 (positions in `header`), str, stripped
    delimiter: str


def capped(problems: Sequence[str], limit: int = MAX_PROBLEMS) -> list[str]:
    """At most `limit` messages, then one line saying how many more there are."""
    if len(problems) <= limit:
        return list(problems)
    return [*problems[:limit], f"... and {len(problems) - limit} more problems"]


def column_letter(position: int) -> str:
    """Spreadsheet column name of a 0-based position: 0 -> A, 26 -> AA."""
    letters = ""
    position += 1
    while position:
        position, rest = divmod(position - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def _read_source(source: str | Path | bytes, source_name: str | None) -> tuple[bytes, str]:
    if isinstance(source, bytes | bytearray):
        return bytes(source), source_name or "responses.csv"
    path = Path(source)
    name = source_name or str(source)
    try:
        return path.read_bytes(), name
    except FileNotFoundError:
        raise NotFoundError(f"{name}: file not found") from None
    except IsADirectoryError:
        raise InputError(f"{name}: is a folder, not a CSV file") from None
    except OSError as exc:
        raise InputError(f"{name}: cannot read the file ({exc.strerror or exc})") from None


def decode_text(data: bytes, source: str) -> str:
    """UTF-8 text without a byte-order mark, or an InputError that says how to fix the file."""
    if data.startswith(b"PK\x03\x04"):
        raise InputError(f"{source}: this is a spreadsheet workbook, not CSV; {SAVE_AS_HINT}")
    if b"\x00" in data[:65536]:
        raise InputError(f"{source}: not a CSV text file (it holds binary data); {SAVE_AS_HINT}")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{source}: not UTF-8 text (byte {exc.start + 1} cannot be read); {SAVE_AS_HINT}"
        ) from None


def _sniff_delimiter(text: str) -> str:
    """Comma, semicolon or tab: whichever the header line uses most outside quotes."""
    first = text.split("\n", 1)[0]
    unquoted = re.sub(r'"[^"]*"', "", first)
    counts = {sep: unquoted.count(sep) for sep in (",", ";", "\t")}
    best = max(counts, key=lambda sep: counts[sep])
    return best if counts[best] else ","


def _header(text: str, delimiter: str, source: str) -> tuple[list[str], int]:
    """The header names (stripped) and how many physical lines the header record spans."""
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        names = next(reader)
    except csv.Error as exc:
        raise InputError(f"{source}, row 1: not a readable CSV header ({exc})") from None
    return [name.strip() for name in names], reader.line_num


def read_table(data: bytes, source: str, numeric: Collection[str] = ()) -> Table:
    """Parse CSV bytes into header names and cells; blank rows are dropped.

    Columns named in `numeric` are parsed by pandas' C parser straight to
    numbers (float or int dtype; empty -> NaN); one that holds anything else
    comes back as text, for the caller to report. All other columns are
    whitespace-stripped text, so "NA" stays "NA". Short rows are padded with
    empty cells, as spreadsheets do; a value beyond the last named column is an
    error, because it belongs to no column.
    """
    text = decode_text(data, source)
    if not text.strip():
        raise InputError(f"{source}: no responses (the file is empty)")
    delimiter = _sniff_delimiter(text)
    header, header_lines = _header(text, delimiter, source)
    # Spare columns catch rows that end in extra delimiters without losing data.
    width = len(header) + SPARE_COLUMNS
    is_numeric = [pos < len(header) and header[pos] in numeric for pos in range(width)]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", pd.errors.ParserWarning)
            raw = pd.read_csv(
                io.StringIO(text),
                sep=delimiter,
                header=None,
                skiprows=header_lines,
                names=list(range(width)),
                index_col=False,
                dtype={pos: str for pos in range(width) if not is_numeric[pos]},
                keep_default_na=False,
                na_values={pos: [""] for pos in range(width) if is_numeric[pos]},
                skip_blank_lines=False,
                engine="c",
                low_memory=False,
            )
    except pd.errors.ParserWarning:
        raise InputError(
            f"{source}: some rows have more than {width} cells but the header names only"
            f" {len(header)} columns; is a value holding an unquoted delimiter?"
        ) from None
    except pd.errors.ParserError as exc:
        raise InputError(f"{source}: not a readable CSV file ({exc})") from None
    raw.index = pd.RangeIndex(2, len(raw) + 2)  # spreadsheet rows: the header is row 1
    blank = pd.Series(True, index=raw.index)
    for pos in range(width):
        column = raw[pos]
        if not is_numeric[pos] or column.dtype.kind not in "iuf":
            column = raw[pos] = column.fillna("").astype(str).str.strip()
            blank &= column.eq("")
        else:
            blank &= column.isna()
    raw = raw[~blank]
    for pos in range(len(header), width):
        stray = raw.index[raw[pos].ne("")]
        if len(stray):
            raise InputError(
                f"{source}, row {stray[0]}: a value in column {column_letter(pos)}, beyond the"
                f" last named column ({column_letter(len(header) - 1)}); is a value holding an"
                " unquoted delimiter?"
            )
    cells = raw[list(range(len(header)))]
    return Table(source=source, header=header, cells=cells, delimiter=delimiter)


def _column_key(name: str) -> str:
    """Metadata columns match in any case ("Team"); item ids are exact."""
    return name.lower() if name.lower() in KNOWN_COLUMNS else name


def _header_problems(table: Table, bank: Bank) -> tuple[list[str], dict[str, int]]:
    """Check column names; return the problems and the position of each usable column."""
    source = table.source
    keys = [_column_key(name) for name in table.header]
    counts = Counter(keys)
    known = {*KNOWN_COLUMNS, *bank.item_ids}
    problems: list[str] = []
    positions: dict[str, int] = {}
    for pos, (name, key) in enumerate(zip(table.header, keys, strict=True)):
        if not name:
            if table.cells[pos].ne("").any():
                problems.append(f"{source}: column {column_letter(pos)} has values but no name")
        elif counts[key] > 1:
            if keys.index(key) == pos:
                where = ", ".join(column_letter(p) for p, k in enumerate(keys) if k == key)
                problems.append(
                    f"{source}: column '{name}' appears {counts[key]} times (columns {where})"
                )
        elif key in known:
            positions[key] = pos
        else:
            hint = get_close_matches(name, sorted(known), n=1, cutoff=0.8)
            problems.append(
                f"{source}: column '{name}' is not an item of bank '{bank.id}' nor one of"
                f" {', '.join(KNOWN_COLUMNS)}" + (f" (did you mean '{hint[0]}'?)" if hint else "")
            )
    missing = [c for c in (*REQUIRED_METADATA, *bank.item_ids) if counts[c] == 0]
    if missing:
        shown = ", ".join(f"'{c}'" for c in missing[:12])
        more = f" and {len(missing) - 12} more" if len(missing) > 12 else ""
        problems.append(f"{source}: missing column(s): {shown}{more}")
    return problems, positions


Problem = tuple[int, int, str]  # (spreadsheet row, column position, message): sortable


def _as_numbers(column: pd.Series) -> tuple[np.ndarray, np.ndarray | None]:
    """Float values of an answer column, and for a text column the text (for messages)."""
    if column.dtype.kind in "iuf":
        return column.to_numpy(dtype=float, na_value=np.nan), None
    text = column.astype(str)
    values = pd.to_numeric(text.where(text.ne("")), errors="coerce")
    return values.to_numpy(dtype=float, na_value=np.nan), text.to_numpy(dtype=object)


def scale_problems(
    cells: pd.DataFrame, positions: Sequence[int], points: int, source: str
) -> tuple[pd.DataFrame, list[Problem]]:
    """Answers as floats (empty -> NaN), and every cell that is not a whole number on 1..points.

    `cells` has spreadsheet row numbers as index and column names as columns;
    `positions` are the columns' places in the file, for sorting messages.
    The checks are whole-column operations; only bad cells are visited one by
    one, to write their messages.
    """
    values = np.empty(cells.shape, dtype=float)
    not_number = np.zeros(cells.shape, dtype=bool)
    texts: dict[int, np.ndarray] = {}
    for c, name in enumerate(cells.columns):
        values[:, c], text = _as_numbers(cells[name])
        if text is not None:
            texts[c] = text
            not_number[:, c] = (text != "") & np.isnan(values[:, c])
    with np.errstate(invalid="ignore"):
        not_whole = np.isfinite(values) & (values != np.floor(values))
        off_scale = ~np.isnan(values) & ~not_whole & ((values < 1) | (values > points))
    problems: list[Problem] = []
    for r, c in zip(*np.nonzero(not_number | not_whole | off_scale), strict=True):
        if not_number[r, c]:
            why = f"is not a number; use 1-{points}, or leave it empty for don't know"
        elif not_whole[r, c]:
            why = f"is not a whole number on the 1-{points} scale"
        else:
            why = f"is not on the 1-{points} scale"
        shown = texts[c][r] if c in texts else f"{values[r, c]:g}"
        row, column = int(cells.index[r]), cells.columns[c]
        message = f"{source}, row {row}, column '{column}': '{shown}' {why}"
        problems.append((row, positions[c], message))
    return pd.DataFrame(values, index=cells.index, columns=cells.columns), problems


def unneutralise(text: pd.Series) -> pd.Series:
    """Undo an export's formula guard, so a team named "=x" round-trips as "=x".

    Only an apostrophe before a trigger or another apostrophe is taken off; a
    typed "'plain" stays as it is.
    """
    guarded = text.str.startswith("'") & text.str[1:2].isin([*FORMULA_TRIGGERS, "'"])
    return text.mask(guarded, text.str[1:])


def _parse_submitted(column: pd.Series, pos: int, source: str) -> tuple[pd.Series, list[Problem]]:
    """Dates as the store writes them (ISO 8601 UTC to the second); empty stays empty."""
    parsed = pd.to_datetime(
        column.where(column.ne("")), errors="coerce", utc=True, format="ISO8601"
    )
    bad = column.ne("") & parsed.isna()
    problems = [
        (int(row), pos, f"{source}, row {row}, column 'submitted_at': '{column[row]}' {NOT_A_DATE}")
        for row in column.index[bad]
    ]
    iso = parsed.dt.strftime("%Y-%m-%dT%H:%M:%SZ").astype(str)
    return iso.where(parsed.notna(), "").astype(str), problems


def read_responses(
    source: str | Path | bytes, bank: Bank, *, source_name: str | None = None
) -> pd.DataFrame:
    """Read and check a wide responses CSV (docs/architecture.md, "Files").

    Parameters
    ----------
    source : a path (str or Path) or the file's bytes.
    bank : the question bank whose item ids the columns must be.
    source_name : the name used in messages; the path, or "responses.csv" for bytes.

    Returns
    -------
    DataFrame with whichever of ``response_id, submitted_at, round`` the file
    has, then ``team, role`` (str), then ``comment`` if present, then one float
    column per bank item in bank order (NaN = don't know or skipped). Text
    columns lose the apostrophe an export puts before a formula-like value;
    ``submitted_at`` is normalised to ISO 8601 UTC (``2025-03-31T14:05:00Z``),
    the form `store.responses_frame` gives, or "" when empty.

    Raises
    ------
    InputError
        Listing every problem: not UTF-8, empty, unknown, missing or duplicated
        columns, empty team or role, and cells not whole numbers on ``1..points``,
        each with its spreadsheet row (header = row 1) and column.
    """
    data, name = _read_source(source, source_name)
    table = read_table(data, name, numeric=bank.item_ids)
    problems, positions = _header_problems(table, bank)
    if table.cells.empty:
        problems.append(f"{name}: no responses (only a header row)")
    cells = table.cells
    rows: list[Problem] = []
    frame = pd.DataFrame(index=cells.index)
    for col in (c for c in KNOWN_COLUMNS if c in positions):
        frame[col] = unneutralise(cells[positions[col]])
    for col in (c for c in REQUIRED_METADATA if c in positions):
        why = f"empty; every response needs a {col}"
        rows += [
            (int(row), positions[col], f"{name}, row {row}, column '{col}': {why}")
            for row in frame.index[frame[col].eq("")]
        ]
    if "submitted_at" in frame:
        frame["submitted_at"], bad_dates = _parse_submitted(
            frame["submitted_at"], positions["submitted_at"], name
        )
        rows += bad_dates
    present = [item for item in bank.item_ids if item in positions]
    answers = cells[[positions[item] for item in present]].set_axis(present, axis=1)
    where = [positions[item] for item in present]
    values, bad_cells = scale_problems(answers, where, bank.scale.points, name)
    problems += [message for *_, message in sorted(rows + bad_cells)]
    if problems:
        raise InputError(capped(problems))
    return pd.concat([frame, values[bank.item_ids]], axis=1).reset_index(drop=True)

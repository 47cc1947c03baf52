"""Reading CSV files as people actually produce them, and the wide responses format.

Files come from Excel, LibreOffice, Google Sheets or a script: UTF-8 with or
without a byte-order mark, comma- or semicolon-delimited (Excel in many European
locales writes semicolons), CRLF line ends. Files saved as Excel's "Unicode
text" (UTF-16, tab-delimited) are read too, with or without a byte-order mark,
and so are old Mac files whose lines end in a bare CR. Everything is read as
text first so a team called "NA" or "None" stays a team, then checked column by
column with pandas: the cost of a check grows with the table, not with a Python
loop per cell. Every problem is collected and reported at once, each naming the
file, the spreadsheet row (the header is row 1) and the column, so a leader can
fix a file in one pass; the cell rules themselves are in `validate`, shared
with the import.

Refused, with what to do about it: workbooks (.xlsx, .xls) and other binary
files, text in other encodings, a NUL character anywhere, and rows whose values
are separated by another delimiter than the header's (a file pasted together
from two sources).

Formula guard: Role Radar's exports put an apostrophe before a text cell that
a spreadsheet would run as a formula (``=x`` is written ``'=x``, see
`write.neutralise`). Reading takes it off again only in a file whose header is
the one an export writes -- ``response_id, submitted_at, round, team, role``,
in that order, then item ids only (`is_export_header`) -- so an export
round-trips exactly, while a cell ``'=x`` in anyone else's file stays
``'=x``.
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

from assessment.bank import Bank, control_class
from assessment.errors import InputError, NotFoundError
from assessment.interchange.validate import (
    KNOWN_COLUMNS,
    MAX_PROBLEMS,
    METADATA_COLUMNS,
    REQUIRED_METADATA,
    Problem,
    capped,
    check_rows,
    scale_problems,
)
from assessment.textfiles import BYTE_ORDER_MARKS

__all__ = [
    "FORMULA_TRIGGERS",
    "KNOWN_COLUMNS",
    "MAX_PROBLEMS",
    "METADATA_COLUMNS",
    "Problem",
    "Table",
    "capped",
    "column_letter",
    "decode_text",
    "header_problems",
    "is_export_header",
    "read_responses",
    "read_table",
    "scale_problems",
    "unneutralise",
    "wide_cells",
]

# Exports put an apostrophe before these (write.neutralise); reading an export takes it off.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
SPARE_COLUMNS = 16
DELIMITERS = (",", ";", "\t")
SAVE_AS_HINT = "save it from the spreadsheet as 'CSV UTF-8'"
_BINARY = re.compile(control_class("\t\n\r"))
_NAMES = {"utf-8-sig": "UTF-8", "utf-16": "UTF-16", "utf-16-le": "UTF-16", "utf-16-be": "UTF-16",
          "utf-32": "UTF-32"}  # fmt: skip


@dataclass(frozen=True)
class Table:
    """A CSV file as text: header names and the data cells, indexed by spreadsheet row."""

    source: str
    header: list[str]
    cells: pd.DataFrame  # columns 0..n-1 (positions in `header`), str, stripped
    delimiter: str
    encoding: str = "UTF-8"  # as read: UTF-8, or UTF-16 / UTF-32 (Excel's "Unicode text")


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


def _encoding(data: bytes) -> str:
    """The codec of a text file: by its byte-order mark, else UTF-16 by its zero bytes, else UTF-8.

    Excel's "Unicode text" is UTF-16 little-endian; without a mark, text that
    is mostly ASCII has a zero in every other byte.
    """
    for bom, name in BYTE_ORDER_MARKS:
        if data.startswith(bom):
            return name
    sample = data[:4096] if len(data) % 2 == 0 else b""
    half = len(sample) // 2
    if half >= 2:
        odd, even = sample[1::2].count(0), sample[0::2].count(0)
        if odd > 0.4 * half and even < 0.05 * half:
            return "utf-16-le"
        if even > 0.4 * half and odd < 0.05 * half:
            return "utf-16-be"
    return "utf-8-sig"


def _decode(data: bytes, source: str) -> tuple[str, str]:
    """The text, its line ends as LF, and the encoding's name; or an InputError saying why not."""
    if data.startswith(b"PK\x03\x04"):
        raise InputError(f"{source}: this is a spreadsheet workbook, not CSV; {SAVE_AS_HINT}")
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise InputError(
            f"{source}: this is an Excel 97-2003 workbook (.xls), not CSV; {SAVE_AS_HINT}"
        )
    encoding = _encoding(data)
    name = _NAMES[encoding]
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        if encoding == "utf-8-sig" and b"\x00" in data:
            raise InputError(
                f"{source}: not a CSV text file (it holds binary data); {SAVE_AS_HINT}"
            ) from None
        hint = ""
        if encoding == "utf-8-sig":
            hint = "; it may be Windows-1252 ('ANSI') text" if _is_cp1252(data) else ""
        raise InputError(
            f"{source}: not {name} text (byte {exc.start + 1} cannot be read{hint}); {SAVE_AS_HINT}"
        ) from None
    sample = text[:65536]
    if len(_BINARY.findall(sample)) > max(8, len(sample) // 100):
        raise InputError(f"{source}: not a CSV text file (it holds binary data); {SAVE_AS_HINT}")
    # Windows CRLF and old Mac CR line ends both become LF, inside quoted cells too.
    return text.replace("\r\n", "\n").replace("\r", "\n"), name


def _is_cp1252(data: bytes) -> bool:
    try:
        data.decode("cp1252")
    except UnicodeDecodeError:
        return False
    return True


def decode_text(data: bytes, source: str) -> str:
    """The file as text (UTF-8, UTF-16 or UTF-32; LF line ends), or an InputError saying why not."""
    return _decode(data, source)[0]


def _sniff_delimiter(text: str) -> str:
    """Comma, semicolon or tab: whichever the header line uses most outside quotes."""
    first = text.split("\n", 1)[0]
    unquoted = re.sub(r'"[^"]*"', "", first)
    counts = {sep: unquoted.count(sep) for sep in DELIMITERS}
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
    error, because it belongs to no column. So are a NUL character anywhere
    and rows separated by another delimiter than the header (`_mixed_rows`).
    """
    text, encoding = _decode(data, source)
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
                # One dtype for all when none is numeric: the same columns, parsed faster.
                dtype=(
                    {pos: str for pos in range(width) if not is_numeric[pos]}
                    if any(is_numeric)
                    else str
                ),
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
    rows = pd.RangeIndex(2, len(raw) + 2)  # spreadsheet rows: the header is row 1
    columns, filled = _cleaned(raw, width, is_numeric)
    keep = filled.any(axis=1)
    for pos in range(len(header), width):
        stray = np.flatnonzero(filled[:, pos])
        if len(stray):
            raise InputError(
                f"{source}, row {rows[stray[0]]}: a value in column {column_letter(pos)}, beyond"
                f" the last named column ({column_letter(len(header) - 1)}); is a value holding"
                " an unquoted delimiter?"
            )
    kept = None if keep.all() else np.flatnonzero(keep)
    named = range(len(header))
    cells = pd.DataFrame(
        {pos: columns[pos] if kept is None else columns[pos].take(kept) for pos in named},
        index=rows if kept is None else rows.take(kept),
    )
    cells.columns = pd.Index(list(named), dtype="int64")
    table = Table(source, header, cells, delimiter, encoding)
    filled = filled if kept is None else filled[kept]
    problems = _nul_problems(table, "\x00" in text) or _mixed_rows(table, filled)
    if problems:
        raise InputError(capped(problems))
    return table


def _cleaned(
    raw: pd.DataFrame, width: int, is_numeric: list[bool]
) -> tuple[list[pd.api.extensions.ExtensionArray | np.ndarray], np.ndarray]:
    """Every parsed column as read_table keeps it, and which of its cells are filled.

    Text columns are stripped ("" where empty); a numeric column pandas could
    parse stays numbers. The text columns that pandas read as strings are
    stripped in one pass over all of them, not one pass per column: a file
    has a few dozen columns, and the fixed cost of a pandas operation is
    larger than the work on a few hundred short cells.
    """
    n = len(raw)
    parsed = [raw[pos] for pos in range(width)]
    columns: list[pd.api.extensions.ExtensionArray | np.ndarray] = []
    filled = np.zeros((n, width), dtype=bool)
    together: list[int] = []
    strings = next((c.dtype for c in parsed if isinstance(c.dtype, pd.StringDtype)), None)
    for pos, column in enumerate(parsed):
        if is_numeric[pos] and column.dtype.kind in "iuf":
            columns.append(column.to_numpy())
            filled[:, pos] = column.notna().to_numpy()
        elif strings is not None and column.dtype == strings:
            columns.append(column.array)  # replaced below, stripped with the others
            together.append(pos)
        else:
            column = column.fillna("").astype(str).str.strip()
            columns.append(column.array)
            filled[:, pos] = column.ne("").to_numpy(dtype=bool)
    if together:
        arrays = [parsed[pos].array for pos in together]
        joined = type(arrays[0])._concat_same_type(arrays)
        text = pd.Series(joined).fillna("").astype(str).str.strip()
        filled[:, together] = text.ne("").to_numpy(dtype=bool).reshape(len(together), n).T
        stripped = text.array
        for i, pos in enumerate(together):
            columns[pos] = stripped[i * n : (i + 1) * n]
    return columns, filled


def _named(table: Table, pos: int) -> str:
    name = table.header[pos]
    return f"'{name}'" if name and "\x00" not in name else column_letter(pos)


def _nul_problems(table: Table, any_nul: bool) -> list[str]:
    """A NUL character, wherever it is: no text holds one, and the database refuses it."""
    if not any_nul:
        return []
    why = (
        "holds a NUL character (\\x00), which no text may hold; is part of the file binary?"
        f" Remove it, or {SAVE_AS_HINT}"
    )
    problems = [
        f"{table.source}, row 1, column {column_letter(pos)}: the header {why}"
        for pos, name in enumerate(table.header)
        if "\x00" in name
    ]
    for pos in table.cells.columns:
        column = table.cells[pos]
        if column.dtype.kind in "iuf":
            continue
        for row in table.cells.index[column.str.contains("\x00", regex=False)]:
            problems.append(f"{table.source}, row {row}, column {_named(table, pos)}: {why}")
    return sorted(problems, key=_row_order) or [f"{table.source}: {why}"]


def _row_order(message: str) -> int:
    found = re.search(r", row (\d+)", message)
    return int(found.group(1)) if found else 0


def _mixed_rows(table: Table, filled: np.ndarray) -> list[str]:
    """Rows that hold all their values in column A, separated by another delimiter.

    A file pasted together from two sources, say one written with commas and
    one with semicolons: pandas reads such a row as one long first cell, and
    every other message about it would mislead.
    """
    columns = len(table.header)
    if columns < 2 or table.cells.empty or table.cells[0].dtype.kind in "iuf":
        return []
    alone = filled[:, 0] & ~filled[:, 1:columns].any(axis=1)
    if not alone.any():  # the usual file: no row holds all its values in column A
        return []
    first = table.cells[0]
    others = [sep for sep in DELIMITERS if sep != table.delimiter]
    counts = {sep: first.str.count(re.escape(sep)) for sep in others}
    most = pd.concat(counts, axis=1).max(axis=1).to_numpy()
    suspicious = alone & (most >= max(1, (columns - 1) / 2))
    problems = []
    for row in table.cells.index[suspicious]:
        used = max(others, key=lambda sep: counts[sep][row])
        problems.append(
            f"{table.source}, row {row}, column A: the whole row is in one cell, separated by"
            f" {_shown(used)} while the header row uses {_shown(table.delimiter)}; the file mixes"
            f" delimiters: {SAVE_AS_HINT}, so that every row uses the same one"
        )
    return problems


def _shown(delimiter: str) -> str:
    return "tabs" if delimiter == "\t" else f"'{delimiter}'"


def _column_key(name: str) -> str:
    """Metadata columns match in any case ("Team"); item ids are exact."""
    return name.lower() if name.lower() in KNOWN_COLUMNS else name


def header_problems(table: Table, bank: Bank) -> tuple[list[str], dict[str, int]]:
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
            close = get_close_matches(name, sorted(known), n=1, cutoff=0.8)
            other = next((sep for sep in DELIMITERS if sep != table.delimiter and sep in name), "")
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            if other:
                hint = (
                    f" (it holds {_shown(other)} while the file uses {_shown(table.delimiter)}"
                    f" between columns: does it mix delimiters? {SAVE_AS_HINT})"
                )
            problems.append(
                f"{source}: column '{name}' is not an item of bank '{bank.id}' nor one of"
                f" {', '.join(KNOWN_COLUMNS)}{hint}"
            )
    missing = [c for c in (*REQUIRED_METADATA, *bank.item_ids) if counts[c] == 0]
    if missing:
        shown = ", ".join(f"'{c}'" for c in missing[:12])
        more = f" and {len(missing) - 12} more" if len(missing) > 12 else ""
        problems.append(f"{source}: missing column(s): {shown}{more}")
    return problems, positions


def is_export_header(header: Sequence[str], bank: Bank) -> bool:
    """Whether a header is the one Role Radar's responses export writes (see the module doc)."""
    metadata = len(METADATA_COLUMNS)
    return tuple(header[:metadata]) == METADATA_COLUMNS and all(
        name in bank.item_ids for name in header[metadata:]
    )


def unneutralise(text: pd.Series) -> pd.Series:
    """Undo an export's formula guard, so a team named "=x" round-trips as "=x".

    Only an apostrophe before a trigger or another apostrophe is taken off; a
    typed "'plain" stays as it is. Apply it only to an export
    (`is_export_header`): anyone else's "'=x" means "'=x".
    """
    quoted = text.str.startswith("'")
    if not quoted.any():  # nothing guarded: the usual export
        return text.copy(deep=False)  # a new Series, as `mask` gives
    guarded = quoted & text.str[1:2].isin([*FORMULA_TRIGGERS, "'"])
    return text.mask(guarded, text.str[1:])


def wide_cells(
    table: Table, bank: Bank, positions: dict[str, int]
) -> tuple[pd.DataFrame, dict[str, str]]:
    """A wide file's usable columns by name (``team``, item ids ...), and each one's header.

    Text columns lose an export's formula guard when the file is an export.
    """
    export = is_export_header(table.header, bank)
    columns = {}
    for name in (*KNOWN_COLUMNS, *bank.item_ids):
        if name in positions:
            column = table.cells[positions[name]]
            columns[name] = unneutralise(column) if export and name in KNOWN_COLUMNS else column
    frame = pd.DataFrame(columns, index=table.cells.index)  # one frame, not one column at a time
    return frame, {name: table.header[pos] for name, pos in positions.items()}


def read_responses(
    source: str | Path | bytes, bank: Bank, *, source_name: str | None = None, kinds: bool = False
) -> pd.DataFrame:
    """Read and check a wide responses CSV (docs/architecture.md, "Files").

    Parameters
    ----------
    source : a path (str or Path) or the file's bytes.
    bank : the question bank whose item ids the columns must be.
    source_name : the name used in messages; the path, or "responses.csv" for bytes.
    kinds : give a coded frame, as `store.responses_frame` does with ``kinds=True``:
        ``DK`` cells as 0, ``NA`` cells as -1, empty as NaN (for an import that
        keeps them apart); else every missing kind is NaN (to score).

    Returns
    -------
    DataFrame with whichever of ``response_id, submitted_at, round`` the file
    has, then ``team, role`` (str), then ``comment`` if present, then one float
    column per bank item in bank order (NaN = don't know, not applicable or
    skipped; a cell is a whole number, ``DK`` or ``NA`` where the scale has
    "don't know" and "not applicable" apart, or empty). In an
    export (`is_export_header`), text columns lose the apostrophe the export
    put before a formula-like value; ``submitted_at`` is normalised to ISO
    8601 UTC (``2025-03-31T14:05:00Z``), the form `store.responses_frame`
    gives, or "" when empty.

    Raises
    ------
    InputError
        Listing every problem: not a text file, empty, unknown, missing or
        duplicated columns, and every cell `validate.check_rows` refuses (empty
        team or role, too long, control characters, answers not whole numbers on
        ``1..points``, repeated ids, bad dates), each with its spreadsheet row
        (header = row 1) and column.
    """
    data, name = _read_source(source, source_name)
    table = read_table(data, name, numeric=bank.item_ids)
    problems, positions = header_problems(table, bank)
    if table.cells.empty:
        problems.append(f"{name}: no responses (only a header row)")
    frame, headers = wide_cells(table, bank, positions)
    checked, rows = check_rows(
        frame,
        bank,
        source=name,
        rows=frame.index,
        headers=headers,
        positions=positions,
        kinds=kinds,
    )
    problems += [message for *_, message in sorted(rows)]
    if problems:
        raise InputError(capped(problems))
    return checked.reset_index(drop=True)

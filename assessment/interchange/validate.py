"""The one check of responses before they are scored or stored: every rule, in one place.

`check_rows` checks and converts the cells of a wide frame -- ``team``,
``role``, ``comment``, ``response_id``, ``submitted_at`` and one column per
bank item -- against everything the store needs: lengths from
`assessment.policy`, no control characters, whole answers on the bank's
scale (or ``DK`` / ``NA`` where the scale has "don't know" and "not applicable" apart),
unique response ids, dates that parse. `read_responses` (the CLI's
``score``), `forms.prepare_import` (the Import page's preview and the CLI's
``import``) and `validate_import` (a frame handed to the store directly) all
call it, so a file the preview accepts is a file the store accepts, with the
same messages.

Each message names the file, the spreadsheet row (the header is row 1) and
the column as headed in the file; messages are sorted by row, then column,
and capped at `MAX_PROBLEMS`. A frame that did not come from a file is named
as the CSV it would be written to: its first row is row 2.

The result of a clean check is a `ValidatedImport`: plain lists and one
array, ready for `store.import_responses` to insert without checking again.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import pandas as pd

from assessment.bank import (
    LINE_BREAKS,
    NAME_CONTROLS,
    Bank,
    Scale,
    control_characters,
    control_class,
    control_pattern,
)
from assessment.errors import InputError
from assessment.policy import MAX_COMMENT_CHARS, MAX_NAME_CHARS, MAX_TOKEN_CHARS
from assessment.survey import DONT_KNOW_CODE, NOT_APPLICABLE_CODE

__all__ = [
    "DONT_KNOW_CELL",
    "KNOWN_COLUMNS",
    "MAX_PROBLEMS",
    "METADATA_COLUMNS",
    "NOT_APPLICABLE_CELL",
    "NOT_A_DATE",
    "OPTIONAL_COLUMNS",
    "REQUIRED_METADATA",
    "Problem",
    "ValidatedImport",
    "answer_cells",
    "capped",
    "check_rows",
    "quoted",
    "scale_problems",
    "uncoded",
    "validate_import",
    "validated",
]

METADATA_COLUMNS = ("response_id", "submitted_at", "round", "team", "role")
REQUIRED_METADATA = ("team", "role")
# Optional on import (the store keeps comments apart from answers); never exported.
OPTIONAL_COLUMNS = ("comment",)
KNOWN_COLUMNS = (*METADATA_COLUMNS, *OPTIONAL_COLUMNS)
MAX_PROBLEMS = 50
NOT_A_DATE = "is not a date and time like 2025-03-31T14:05:00Z"
DONT_KNOW_CELL, NOT_APPLICABLE_CELL = "DK", "NA"
"""The cells of "don't know" and "not applicable" in a wide file whose scale has them apart."""

Problem = tuple[int, int, str]  # (spreadsheet row, column position, message): sortable

# column -> (longest, characters allowed besides the printable ones)
_TEXT_RULES = {
    "team": (MAX_NAME_CHARS, NAME_CONTROLS),
    "role": (MAX_NAME_CHARS, NAME_CONTROLS),
    "comment": (MAX_COMMENT_CHARS, LINE_BREAKS),
    "response_id": (MAX_TOKEN_CHARS, ""),
}


def quoted(value: object, width: int = 40) -> str:
    """A cell for a message, in quotes and at most `width` characters: 'a long te…'."""
    text = str(value)
    return f"'{text if len(text) <= width else text[: width - 1] + '…'}'"


def capped(problems: Sequence[str], limit: int = MAX_PROBLEMS) -> list[str]:
    """At most `limit` messages, then one line saying how many more there are."""
    if len(problems) <= limit:
        return list(problems)
    return [*problems[:limit], f"... and {len(problems) - limit} more problems"]


@dataclass(frozen=True)
class _Origin:
    """How messages name a frame's cells: file, spreadsheet rows, headers, column positions."""

    source: str
    rows: np.ndarray
    headers: Mapping[str, str]
    positions: Mapping[str, int]

    @classmethod
    def of(
        cls,
        frame: pd.DataFrame,
        source: str,
        rows: Sequence[int] | pd.Index | None,
        headers: Mapping[str, str] | None,
        positions: Mapping[str, int] | None,
    ) -> _Origin:
        numbers = np.arange(2, len(frame) + 2) if rows is None else np.asarray(rows, dtype=int)
        where = {str(c): p for p, c in enumerate(frame.columns)} | dict(positions or {})
        return cls(source, numbers, dict(headers or {}), where)

    def problem(self, r: int | np.integer, column: str, text: str) -> Problem:
        row = int(self.rows[r])
        header = self.headers.get(column, column)
        return (
            row,
            self.positions.get(column, 0),
            f"{self.source}, row {row}, column '{header}': {text}",
        )


def answer_cells(scale: Scale) -> dict[str, int]:
    """The text cells an answer column may hold besides numbers, and the code each stands for.

    Only a scale with "don't know" and "not applicable" apart has them; one with
    the combined choice keeps its files as they always were: a number, or
    empty for the combined choice or a skipped statement.
    """
    if not scale.not_applicable:
        return {}
    cells = {DONT_KNOW_CELL: DONT_KNOW_CODE} if scale.dont_know else {}
    return cells | {NOT_APPLICABLE_CELL: NOT_APPLICABLE_CODE}


def _codes(scale: Scale) -> list[int]:
    """The codes a coded frame may hold for this scale besides its points."""
    return [DONT_KNOW_CODE] * scale.dont_know + [NOT_APPLICABLE_CODE] * scale.not_applicable


def uncoded(frame: pd.DataFrame, bank: Bank) -> pd.DataFrame:
    """A coded frame as one to score: don't know and not applicable become NaN like skipped."""
    items = [item for item in bank.item_ids if item in frame]
    values = frame[items].to_numpy(dtype=float, na_value=np.nan)
    with np.errstate(invalid="ignore"):
        values = np.where(values < 1, np.nan, values)
    if items and list(frame.columns[-len(items) :]) == items:
        # The usual frame (`check_rows` puts the items last): one block, not a column at a time.
        rest = frame.iloc[:, : len(frame.columns) - len(items)]
        scored = pd.DataFrame(values, index=frame.index, columns=items)
        return pd.concat([rest, scored], axis=1)
    return frame.assign(**dict(zip(items, values.T, strict=True)))


def scale_problems(
    cells: pd.DataFrame,
    positions: Sequence[int],
    points: int,
    source: str,
    *,
    rows: Sequence[int] | pd.Index | None = None,
    headers: Mapping[str, str] | None = None,
    cells_as: Mapping[str, int] | None = None,
    codes: Sequence[int] = (),
    kinds: bool = False,
) -> tuple[pd.DataFrame, list[Problem]]:
    """Answers as floats (empty -> NaN), and every cell that is not a whole number on 1..points.

    `cells` has one column per item; `positions` are the columns' places in
    the file, for sorting messages; `rows` the spreadsheet row of each row
    (default: the index). `cells_as` are the text cells accepted besides
    numbers (`answer_cells`: ``DK``, ``NA``, in any case) and `codes` the
    numbers accepted off the scale in a numeric column (a coded frame's 0 and
    -1); with `kinds` both come back as their codes, else as NaN. The checks are
    whole-column operations; only bad cells are visited one by one, to write
    their messages.
    """
    tokens = {text.upper(): code for text, code in (cells_as or {}).items()}
    values = np.empty(cells.shape, dtype=float)
    not_number = np.zeros(cells.shape, dtype=bool)
    coded = np.zeros(cells.shape, dtype=bool)
    dtypes = list(cells.dtypes)
    numeric = [c for c, dtype in enumerate(dtypes) if dtype.kind in "iuf"]
    texts = [c for c, dtype in enumerate(dtypes) if dtype.kind not in "iuf"]
    plain = [c for c in numeric if isinstance(dtypes[c], np.dtype)]  # numpy: no missing marker
    if plain:  # the usual frame: all answer columns as one block
        values[:, plain] = cells.iloc[:, plain].to_numpy(dtype=float)
    for c in (c for c in numeric if not isinstance(dtypes[c], np.dtype)):
        values[:, c] = cells.iloc[:, c].to_numpy(dtype=float, na_value=np.nan)
    if codes and numeric:
        coded[:, numeric] = np.isin(values[:, numeric], codes)
    if texts:
        block = np.empty((len(cells), len(texts)), dtype=object)
        for i, text in enumerate(_texts([cells.iloc[:, c] for c in texts])):
            block[:, i] = text.to_numpy(dtype=object)
        numbers, token, not_a_number = _text_answers(block, tokens)
        values[:, texts] = numbers
        not_number[:, texts] = not_a_number
        if tokens:
            coded[:, texts] = token
    with np.errstate(invalid="ignore"):
        not_whole = np.isfinite(values) & (values != np.floor(values))
        off_scale = ~np.isnan(values) & ~not_whole & ~coded & ((values < 1) | (values > points))
    if not kinds:
        values[coded] = np.nan
    where = np.asarray(cells.index if rows is None else rows, dtype=int)
    names = dict(headers or {})
    meaning = {DONT_KNOW_CODE: "don't know", NOT_APPLICABLE_CODE: "not applicable"}
    extra = "".join(f", {text} for {meaning[code]}" for text, code in tokens.items())
    problems: list[Problem] = []
    for r, c in zip(*np.nonzero(not_number | not_whole | off_scale), strict=True):
        if not_number[r, c] and tokens:
            why = (
                f"is not an answer; use 1-{points}{extra}, or leave it empty for a skipped"
                " statement"
            )
        elif not_number[r, c]:
            why = f"is not a number; use 1-{points}, or leave it empty for don't know"
        elif not_whole[r, c]:
            why = f"is not a whole number on the 1-{points} scale"
        else:
            why = f"is not on the 1-{points} scale"
        shown = _shown(cells.iat[r, c], values[r, c])
        row, column = int(where[r]), str(cells.columns[c])
        message = (
            f"{source}, row {row}, column '{names.get(column, column)}': {quoted(shown)} {why}"
        )
        problems.append((row, positions[c], message))
    return pd.DataFrame(values, index=cells.index, columns=cells.columns), problems


def _shown(cell: object, value: float) -> str:
    """A cell as the user typed it: 6 rather than 6.0, text as text."""
    if isinstance(cell, str) or np.isnan(value):
        return str(cell).strip()
    return f"{value:g}"


def _text(column: pd.Series) -> pd.Series:
    """Stripped text, "" where missing.

    A string column stays one (fast, pyarrow); anything else becomes Python
    strings in an object column, which can hold any text a caller passes,
    even a lone surrogate, so the checks can report it instead of failing.
    """
    if isinstance(column.dtype, pd.StringDtype):
        return column.fillna("").str.strip()
    values = column.to_numpy(dtype=object, na_value=None)
    missing = pd.isna(values)
    text = ["" if gone else str(value).strip() for value, gone in zip(values, missing, strict=True)]
    return pd.Series(text, index=column.index, dtype=object)


def _texts(columns: Sequence[pd.Series]) -> list[pd.Series]:
    """`_text` of each column; columns of one string dtype are stripped together, in one pass.

    A file has a few dozen columns of a few dozen cells: one pandas operation
    per column would cost more than the work itself. The cells are the same
    as `_text` gives column by column.
    """
    out: list[pd.Series | None] = [None] * len(columns)
    groups: dict[pd.StringDtype, list[int]] = {}
    for i, column in enumerate(columns):
        if isinstance(column.dtype, pd.StringDtype):
            groups.setdefault(column.dtype, []).append(i)
        else:
            out[i] = _text(column)
    for members in groups.values():
        arrays = [columns[i].array for i in members]
        joined = type(arrays[0])._concat_same_type(arrays) if len(arrays) > 1 else arrays[0]
        stripped = pd.Series(joined).fillna("").str.strip().array
        start = 0
        for i in members:
            stop = start + len(columns[i])
            out[i] = pd.Series(stripped[start:stop], index=columns[i].index, name=columns[i].name)
            start = stop
    return [text for text in out if text is not None]


def _text_answers(
    block: np.ndarray, tokens: Mapping[str, int]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Stripped answer cells (object, 2-D) as numbers, which are tokens, which are not numbers.

    Each distinct text is converted once (a file holds a handful: "1" to "5",
    "DK", ""), then spread back over the cells, so the cost follows the
    distinct texts, not the cells.
    """
    flat = block.ravel()
    where, distinct = pd.factorize(flat, use_na_sentinel=False)
    distinct = np.asarray(distinct, dtype=object)
    blank = distinct == ""
    numbers = np.asarray(
        pd.to_numeric(np.where(blank, np.nan, distinct), errors="coerce"), dtype=float
    )
    is_token = np.zeros(len(distinct), dtype=bool)
    if tokens:
        upper = pd.Series(distinct, dtype=object).str.upper()
        token = upper.map(tokens).to_numpy(dtype=float, na_value=np.nan)
        is_token = ~np.isnan(token)
        numbers = np.where(is_token, token, numbers)
    not_a_number = ~blank & np.isnan(numbers)
    shape = block.shape
    return (
        numbers[where].reshape(shape),
        is_token[where].reshape(shape),
        not_a_number[where].reshape(shape),
    )


def _cell_checks(text: pd.Series, allowed: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Which cells are empty, each cell's length, which hold a control character.

    On pyarrow strings (what a file read gives) these are the pyarrow kernels
    pandas' string methods call, without pandas' cost per call, and RE2's
    pattern (pyarrow strings hold no surrogates; RE2 reads none); on any other
    text, pandas' own methods and the full pattern.
    """
    if isinstance(text.dtype, pd.StringDtype) and text.dtype.storage == "pyarrow":
        import pyarrow.compute as pc  # present whenever pandas stores strings in pyarrow

        cells = text.array.__arrow_array__()
        return (
            pc.equal(cells, "").to_numpy(),
            pc.utf8_length(cells).to_numpy(),
            pc.match_substring_regex(cells, control_class(allowed)).to_numpy(),
        )
    return (
        text.eq("").to_numpy(dtype=bool),
        text.str.len().to_numpy(),
        text.str.contains(control_pattern(allowed), regex=True).to_numpy(dtype=bool),
    )


def _text_problems(text: pd.Series, column: str, origin: _Origin) -> list[Problem]:
    longest, allowed = _TEXT_RULES[column]
    empty, lengths, controls = _cell_checks(text, allowed)
    problems = []
    if column in REQUIRED_METADATA:
        why = f"empty; every response needs a {column}"
        problems += [origin.problem(r, column, why) for r in np.flatnonzero(empty)]
    problems += [
        origin.problem(r, column, f"longer than {longest} characters ({lengths[r]}); shorten it")
        for r in np.flatnonzero(lengths > longest)
    ]
    for r in np.flatnonzero(controls):
        found = control_characters(text.iat[r], allowed)
        problems.append(
            origin.problem(r, column, f"holds a control character ({found}); remove it")
        )
    if column == "response_id":
        repeated = text.duplicated(keep="first").to_numpy() & ~empty
        if repeated.any():
            first = {value: i for i, value in reversed(list(enumerate(text.tolist())))}
            problems += [
                origin.problem(
                    r,
                    column,
                    f"{quoted(text.iat[r])} repeats the id of row"
                    f" {origin.rows[first[text.iat[r]]]}",
                )
                for r in np.flatnonzero(repeated)
            ]
    return problems


def _submitted(text: pd.Series, origin: _Origin) -> tuple[pd.Series, list[Problem]]:
    """Dates as the store writes them (ISO 8601 UTC to the second); empty stays empty.

    Each distinct text is parsed once (an export's dates are days: a handful).
    """
    where, firsts = _distinct(text)
    seen = text.iloc[firsts].reset_index(drop=True)
    filled = seen.ne("")
    parsed = pd.to_datetime(seen.where(filled), errors="coerce", utc=True, format="ISO8601")
    bad = (filled & parsed.isna()).to_numpy()[where]
    problems = [
        origin.problem(r, "submitted_at", f"{quoted(text.iat[r])} {NOT_A_DATE}")
        for r in np.flatnonzero(bad)
    ]
    iso = parsed.dt.strftime("%Y-%m-%dT%H:%M:%SZ").astype(object).where(parsed.notna(), "")
    cells = iso.to_numpy(dtype=object)[where]
    return pd.Series(cells, index=text.index, name=text.name, dtype=object), problems


def _distinct(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Each cell's distinct value (0, 1, ... in order of appearance), and where each first is."""
    where, _ = pd.factorize(values, use_na_sentinel=False)
    return where, np.unique(where, return_index=True)[1]


def check_rows(
    frame: pd.DataFrame,
    bank: Bank,
    *,
    source: str,
    rows: Sequence[int] | pd.Index | None = None,
    headers: Mapping[str, str] | None = None,
    positions: Mapping[str, int] | None = None,
    kinds: bool = False,
    coded_input: bool = False,
) -> tuple[pd.DataFrame, list[Problem]]:
    """Check every cell of a wide frame; return it converted, and every problem.

    Parameters
    ----------
    frame : columns named `KNOWN_COLUMNS` and bank item ids (others are
        ignored: the caller reports them); cells as text or numbers.
    source : the file name every message starts with.
    rows : the spreadsheet row of each frame row; default: as if the frame
        were written to a CSV, the first row being row 2.
    headers : each column's header in the file (e.g. ``'Your role'``), for
        messages; default: the column name.
    positions : each column's place in the file, for sorting messages.
    kinds : give a coded frame (don't know 0, not applicable -1, skipped NaN);
        else every missing kind is NaN.
    coded_input : numeric columns may hold those codes (a frame built by code,
        never numbers typed in a file: a typed 0 is off the scale).

    Returns
    -------
    The frame with the known columns it has, in `KNOWN_COLUMNS` order, as
    stripped text ("" when empty; ``submitted_at`` as ISO 8601 UTC), then one
    float column per bank item it has, in bank order (NaN when empty), with
    the same index; and the problems, unsorted.
    """
    origin = _Origin.of(frame, source, rows, headers, positions)
    known = [c for c in KNOWN_COLUMNS if c in frame]
    columns: dict[str, pd.Series] = {}
    problems: list[Problem] = []
    for column, text in zip(known, _texts([frame[c] for c in known]), strict=True):
        if column in _TEXT_RULES:
            problems += _text_problems(text, column, origin)
        if column == "submitted_at":
            text, bad_dates = _submitted(text, origin)
            problems += bad_dates
        columns[column] = text
    out = pd.DataFrame(columns, index=frame.index)
    items = [item for item in bank.item_ids if item in frame]
    values, bad_cells = scale_problems(
        frame[items],
        [origin.positions.get(item, 0) for item in items],
        bank.scale.points,
        source,
        rows=origin.rows,
        headers=origin.headers,
        cells_as=answer_cells(bank.scale),
        codes=_codes(bank.scale) if coded_input else (),
        kinds=kinds,
    )
    return pd.concat([out, values], axis=1), problems + bad_cells


@dataclass(frozen=True)
class ValidatedImport:
    """Checked responses, ready to store: one entry per response, answers in `item_ids` order.

    Build it with `validate_import` or `forms.prepare_import`, which check
    every rule; `store.import_responses` then only makes sure it fits the
    round's bank.
    """

    source: str  # the file, named in the store's messages
    bank_id: str
    bank_version: int
    response_ids: list[str]
    ids_given: bool  # whether any id came from the data (then clashes with stored ids are checked)
    submitted_at: list[datetime | None]  # None: stored with the import's time
    teams: list[str]
    roles: list[str]
    comments: list[str | None]
    item_ids: list[str]
    # float, shape (responses, items): points; 0 don't know, -1 not applicable, NaN empty
    values: np.ndarray

    def __len__(self) -> int:
        return len(self.response_ids)


def validated(checked: pd.DataFrame, bank: Bank, *, source: str) -> ValidatedImport:
    """A `ValidatedImport` from a frame `check_rows` returned without problems.

    Rows without a response id get a random one; rows without a date are
    stored with the time of the import.
    """
    given = checked["response_id"].tolist() if "response_id" in checked else [""] * len(checked)
    submitted: list[datetime | None] = [None] * len(checked)
    if "submitted_at" in checked:  # each distinct time converted once
        text = checked["submitted_at"]
        where, firsts = _distinct(text)
        seen = text.iloc[firsts]
        stamps = pd.to_datetime(seen.where(seen.ne("")), utc=True, format="ISO8601")
        times = [None if pd.isna(s) else s.to_pydatetime() for s in stamps]
        submitted = [times[i] for i in where]
    comments = checked["comment"].tolist() if "comment" in checked else [""] * len(checked)
    items = [item for item in bank.item_ids if item in checked]
    return ValidatedImport(
        source=source,
        bank_id=bank.id,
        bank_version=bank.version,
        response_ids=[value or secrets.token_hex(16) for value in given],
        ids_given="response_id" in checked,
        submitted_at=submitted,
        teams=checked["team"].tolist(),
        roles=checked["role"].tolist(),
        comments=[text or None for text in comments],
        item_ids=items,
        values=checked[items].to_numpy(dtype=float),
    )


def _frame_problems(frame: pd.DataFrame, bank: Bank, source: str) -> list[str]:
    """What makes a frame unusable as a whole: unknown or missing columns, no items, no rows."""
    known = {*KNOWN_COLUMNS, *bank.item_ids}
    problems = [
        f"{source}: column '{column}' is not an item of bank '{bank.id}' v{bank.version}"
        f" nor one of {', '.join(KNOWN_COLUMNS)}"
        for column in frame.columns
        if str(column) not in known
    ]
    problems += [f"{source}: missing column '{c}'" for c in REQUIRED_METADATA if c not in frame]
    if not any(item in frame for item in bank.item_ids):
        problems.append(
            f"{source}: no item columns; expected ids of bank '{bank.id}' such as"
            f" '{bank.item_ids[0]}'"
        )
    if len(frame) == 0:
        problems.append(f"{source}: no responses (no rows)")
    if frame.columns.duplicated().any():
        problems.append(f"{source}: some columns appear twice; keep one of each")
    return problems


def validate_import(
    frame: pd.DataFrame,
    bank: Bank,
    *,
    source: str = "responses frame",
    rows: Sequence[int] | pd.Index | None = None,
    headers: Mapping[str, str] | None = None,
    coded: bool = False,
) -> ValidatedImport:
    """Check a wide responses frame against `bank`; raise `InputError` listing every problem.

    Required: ``team`` and ``role`` (any non-empty text: imported data may
    come from teams the round does not list, or roles written out) and at
    least one item column. Optional: ``response_id`` and ``submitted_at``
    (generated / the import's time when absent or empty), ``round`` (ignored:
    rows go to the round imported into) and ``comment``. Item cells are whole
    numbers in ``1..points`` or empty, or ``DK`` / ``NA`` text where the
    scale has them apart; with `coded`, also a coded frame's 0 and -1
    (`store.responses_frame` or `read_responses` with ``kinds=True``): only
    then, so a 0 in a frame from elsewhere is refused, not taken for "don't
    know". See `check_rows` for `rows` and `headers`.
    """
    problems = _frame_problems(frame, bank, source)
    if problems:
        raise InputError(problems)
    checked, cells = check_rows(
        frame, bank, source=source, rows=rows, headers=headers, kinds=True, coded_input=coded
    )
    if cells:
        raise InputError(capped([message for *_, message in sorted(cells)]))
    return validated(checked, bank, source=source)

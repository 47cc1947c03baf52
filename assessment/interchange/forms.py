"""Importing responses from Role Radar CSVs, Google Forms and Microsoft Forms exports.

A leader who ran the survey in a forms tool gets one column per statement,
headed ``Question title [Statement]`` (Google Forms grid) or ``Question.Statement``
or the bare statement (Microsoft Forms), with label text such as "Agree" in the
cells. `prepare_import` works out which column is which item, team, role or
comment (`forms_match`), converts labels to scale points, drops personal
columns (names, e-mail addresses) and checks every cell with the same rules
the store needs (`validate.check_rows`: lengths, control characters, the
scale, ids, dates), each message naming the file, the spreadsheet row and the
column as headed in the file. It writes nothing: the leader sees the mapping
and the problems first, and only a clean plan's `validated` result goes to
`store.import_responses`, which stores all rows or none without a second set
of rules.

Apostrophes: only a Role Radar export gets its formula guard taken off
(`read.is_export_header`); a forms export's cell ``'=x`` is imported as
``'=x``.

Form timestamps are not imported (the import time is used): their format
depends on the tool and the locale, and a time to the second can point at a
person.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from assessment.bank import Bank
from assessment.errors import InputError
from assessment.interchange.matching import ColumnMatch, Matcher, normalise_text
from assessment.interchange.read import Table, header_problems, read_table, wide_cells
from assessment.interchange.validate import (
    Problem,
    ValidatedImport,
    capped,
    check_rows,
    quoted,
    uncoded,
    validated,
)
from assessment.policy import MAX_IMPORT_BYTES

__all__ = [
    "FORMATS",
    "ColumnMatch",
    "ImportPlan",
    "ValidatedImport",
    "prepare_import",
    "size_problem",
]

FORMATS = {
    "wide": "Role Radar responses CSV",
    "google": "Google Forms export",
    "microsoft": "Microsoft Forms export",
    "generic": "Spreadsheet with one column per statement",
}


@dataclass(frozen=True)
class ImportPlan:
    """Everything a leader confirms before an import; `frame` is None when there are problems."""

    source: str
    format: str
    columns: list[ColumnMatch]
    frame: pd.DataFrame | None
    messages: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    digest: str = ""  # SHA-256 of the file: the same file is recognised when it comes again
    rows_read: int = 0  # data rows in the file, whether or not they can be imported
    validated: ValidatedImport | None = None  # what `store.import_responses` stores

    @property
    def ok(self) -> bool:
        return not self.problems and self.frame is not None

    @property
    def format_name(self) -> str:
        return FORMATS[self.format]

    @property
    def rows(self) -> int:
        return 0 if self.frame is None else len(self.frame)

    @property
    def dropped(self) -> list[str]:
        """Personal columns (names, e-mail) that are read past and never stored."""
        return [c.column for c in self.columns if c.kind == "personal"]

    def mapping_frame(self) -> pd.DataFrame:
        """The mapping as a table for people: column, what it becomes, how it was matched."""
        labels = {"personal": "dropped: personal data", "ignored": "ignored"}
        return pd.DataFrame(
            {
                "column": [c.column for c in self.columns],
                "imported as": [labels.get(c.kind, c.target) for c in self.columns],
                "matched by": [c.how for c in self.columns],
            }
        )

    def require_ok(self) -> pd.DataFrame:
        """The checked frame (to score or show), or an InputError listing every problem."""
        if self.frame is None or self.problems:
            raise InputError(self.problems or [f"{self.source}: nothing to import"])
        return self.frame

    def require_validated(self) -> ValidatedImport:
        """What to hand to `store.import_responses`, or an InputError listing every problem."""
        self.require_ok()
        if self.validated is None:
            raise InputError(f"{self.source}: nothing to import")
        return self.validated


def _structure_problems(table: Table, matches: list[ColumnMatch], bank: Bank) -> list[str]:
    source = table.source
    problems = [
        f"{source}: column '{m.column}' holds answers, but its statement is not in bank"
        f" '{bank.id}'; change the header to the statement's text or its item id"
        for m in matches
        if m.how == "unknown statement"
    ]
    targets = Counter(m.target for m in matches if m.target)
    for target, count in targets.items():
        if count > 1:
            names = ", ".join(f"'{m.column}'" for m in matches if m.target == target)
            problems.append(f"{source}: columns {names} all map to '{target}'; keep one")
    for kind, hint in (("team", "'Team'"), ("role", "'Your role'")):
        if not targets[kind]:
            problems.append(f"{source}: no {kind} column; add a question titled {hint}")
    if not any(m.kind == "item" for m in matches):
        problems.append(f"{source}: no column matches a statement of the survey")
    if table.cells.empty:
        problems.append(f"{source}: no responses (only a header row)")
    return problems


def _answers(
    table: Table, matches: list[ColumnMatch], matcher: Matcher
) -> tuple[pd.DataFrame, list[Problem]]:
    """Scale points for every item column at once; unknown labels as problems.

    Answer columns hold a handful of distinct texts, so each distinct text is
    looked up once and the whole block is mapped in one pass.
    """
    items = [m for m in matches if m.kind == "item"]
    block = table.cells[[m.position for m in items]].to_numpy(dtype=object)
    where, distinct = pd.factorize(block.ravel(), use_na_sentinel=False)
    keys = matcher.label_keys(pd.Series(distinct, dtype=str)).tolist()
    points = matcher.points
    point = np.array([points.get(key, np.nan) for key in keys], dtype=float)
    known = np.array([key in points or key == "" for key in keys], dtype=bool)
    values = point[where].reshape(block.shape)
    unknown = ~known[where].reshape(block.shape)
    why = "is not an answer on the scale"
    problems: list[Problem] = []
    for r, c in zip(*np.nonzero(unknown), strict=True):
        row, match = int(table.cells.index[r]), items[c]
        message = _at(table.source, row, match.column, f"{quoted(block[r, c])} {why}")
        problems.append((row, match.position, message))
    frame = pd.DataFrame(values, index=table.cells.index, columns=[m.target for m in items])
    return frame, problems


def _scale_hint(source: str, bank: Bank) -> str:
    labels = ", ".join(f"'{label}'" for label in bank.scale.labels)
    scale = bank.scale
    if scale.not_applicable:
        dont_know = f"'{scale.dont_know_label}', " if scale.dont_know else ""
        return (
            f"{source}: answers must be one of {labels}; or {dont_know}"
            f"'{scale.not_applicable_label}', or empty for a skipped statement"
        )
    return (
        f"{source}: answers must be one of {labels}; or '{bank.scale.dont_know_label}',"
        " 'N/A' or empty for don't know"
    )


def _at(source: str, row: object, column: str, problem: str) -> str:
    return f"{source}, row {row}, column '{column}': {problem}"


def _roles(
    roles: pd.Series, matcher: Matcher, source: str, position: int, header: str, skip: set[int]
) -> tuple[pd.Series, list[Problem]]:
    """Role cells as bank role ids, matched by id or name in any case.

    An unknown role keeps its text for the message; an empty one, or one in a
    row of `skip` (`check_rows` has said what is wrong with it), is not looked up.
    Each distinct text is matched once.
    """
    text = roles.fillna("").astype(str)
    where, distinct = pd.factorize(text, use_na_sentinel=False)
    ids = [matcher.roles.get(normalise_text(value)) for value in distinct]
    unmatched = np.array(
        [value != "" and role is None for value, role in zip(distinct, ids, strict=True)],
        dtype=bool,
    )
    unknown = unmatched[where] & ~text.index.isin(list(skip))
    known = ", ".join(role.name for role in matcher.bank.roles)
    problems = [
        (int(row), position,
         _at(source, row, header, f"{quoted(text[row])} is not a role of this survey ({known})"))
        for row in text.index[unknown]
    ]  # fmt: skip
    matched = np.array([role or "" for role in ids], dtype=object)[where]
    cells = np.where(unknown, text.to_numpy(dtype=object), matched)
    return pd.Series(cells, index=text.index, name=text.name, dtype=object).astype(str), problems


def _teams(teams: pd.Series, known: Sequence[str]) -> tuple[pd.Series, list[str]]:
    """Teams in the round's spelling (matched in any case); teams it lacks are noted."""
    spelling = {normalise_text(team): team for team in known}
    text = teams.fillna("").astype(str)
    where, distinct = pd.factorize(text, use_na_sentinel=False)
    spelled = [spelling.get(normalise_text(value), value) for value in distinct]  # once each
    cells = np.array(spelled, dtype=object)[where]
    fixed = pd.Series(cells, index=text.index, name=text.name, dtype=object).astype(str)
    extra = sorted({team for team in spelled if team != ""} - set(known))
    notes = [f"Teams not in this round, added as extra teams: {', '.join(extra)}"]
    return fixed, notes if known and extra else []


def _detect(table: Table, bank: Bank) -> str:
    ids = sum(name in bank.item_ids for name in table.header)
    if ids and (
        ids >= len(table.header) / 2 or {"team", "role"} & {h.lower() for h in table.header}
    ):
        return "wide"
    names = {normalise_text(name) for name in table.header}
    if {"start time", "completion time"} <= names:
        return "microsoft"
    if "timestamp" in names or any(name.rstrip().endswith("]") for name in table.header):
        return "google"
    return "generic"


def _wide_columns(table: Table, bank: Bank) -> list[ColumnMatch]:
    def match(pos: int, name: str) -> ColumnMatch:
        if name in bank.item_ids:
            return ColumnMatch(pos, name, "item", name, "item id")
        return ColumnMatch(pos, name, "metadata", name.lower(), "column name")

    return [match(pos, name) for pos, name in enumerate(table.header)]


def _forms_frame(
    table: Table, columns: list[ColumnMatch], matcher: Matcher
) -> tuple[pd.DataFrame, list[Problem]]:
    values, problems = _answers(table, columns, matcher)
    texts = {
        match.kind: table.cells[match.position].astype(str)
        for match in columns
        if match.kind in ("team", "role", "comment")
    }
    frame = pd.DataFrame(texts, index=table.cells.index)
    items = values.reindex(columns=matcher.bank.item_ids)  # unmapped items: all NaN
    return pd.concat([frame, items], axis=1), problems


def _notes(columns: list[ColumnMatch], bank: Bank) -> list[str]:
    notes = []
    dropped = [f"'{c.column}'" for c in columns if c.kind == "personal"]
    if dropped:
        notes.append(f"Personal columns dropped, never stored: {', '.join(dropped)}")
    mapped = {c.target for c in columns if c.kind == "item"}
    missing = [item for item in bank.item_ids if item not in mapped]
    if mapped and missing:
        notes.append(
            f"{len(missing)} statements have no column; they are imported as unanswered:"
            f" {', '.join(missing)}"
        )
    return notes


def _encoding_note(table: Table) -> list[str]:
    if table.encoding == "UTF-8":
        return []
    return [
        f"Read as {table.encoding} text (what Excel saves as “Unicode text”);"
        " CSV UTF-8 is the usual format, and works as well."
    ]


def _wide(
    table: Table, bank: Bank
) -> tuple[list[ColumnMatch], pd.DataFrame, list[str], dict[str, str], dict[str, int]]:
    """A Role Radar file: its columns, cells by name, header problems, headers and positions."""
    problems, positions = header_problems(table, bank)
    if table.cells.empty:
        problems.append(f"{table.source}: no responses (only a header row)")
    frame, headers = wide_cells(table, bank, positions)
    return _wide_columns(table, bank), frame, problems, headers, positions


def size_problem(size: int, filename: str, max_bytes: int | None = MAX_IMPORT_BYTES) -> str | None:
    """Why a file of `size` bytes cannot be imported, or None when it can."""
    if max_bytes is None or size <= max_bytes:
        return None
    return (
        f"{filename}: the file is {size / 1e6:.1f} MB; imports are limited to"
        f" {max_bytes / 1e6:.0f} MB. Split it into smaller files."
    )


def prepare_import(
    data: bytes,
    bank: Bank,
    filename: str = "responses.csv",
    *,
    teams: Sequence[str] = (),
    max_bytes: int | None = MAX_IMPORT_BYTES,
) -> ImportPlan:
    """Work out how a file maps onto the bank and check every cell; write nothing.

    Parameters
    ----------
    data : the file's bytes.
    bank : the round's bank: item ids and statements, scale labels, roles.
    filename : named in every message.
    teams : the round's teams, to match their spelling and list teams it lacks.
    max_bytes : larger files are refused before parsing.

    Returns
    -------
    ImportPlan with the detected format, one ColumnMatch per column, notes for
    the leader, and either a wide frame (``response_id, team, role, [comment],
    <item ids>``, roles as bank role ids, answers as floats) with its
    `ValidatedImport` ready for `store.import_responses`, or the problems,
    each naming the file, the row (header = row 1) and the column.

    Raises
    ------
    InputError
        When the file cannot be read at all: too large, not a text file, empty,
        a NUL character, mixed delimiters.
    """
    too_large = size_problem(len(data), filename, max_bytes)
    if too_large:
        raise InputError(too_large)
    table = read_table(data, filename)
    kind = _detect(table, bank)
    digest = hashlib.sha256(data).hexdigest()
    matcher = Matcher(bank)
    notes = _encoding_note(table)

    def refused(columns: list[ColumnMatch], problems: list[str]) -> ImportPlan:
        return ImportPlan(filename, kind, columns, None, notes, problems, digest, len(table.cells))

    rows: list[Problem] = []
    if kind == "wide":
        columns, frame, problems, headers, positions = _wide(table, bank)
    else:
        columns = [matcher.column(table, pos) for pos in range(len(table.header))]
        notes += _notes(columns, bank)
        structure = _structure_problems(table, columns, bank)
        if structure:
            return refused(columns, capped(structure))
        frame, rows = _forms_frame(table, columns, matcher)
        problems = []
        headers = {c.target: c.column for c in columns if c.target}
        positions = {c.target: c.position for c in columns if c.target}
    # The rules apply to what the file holds; then roles become ids, teams the round's spelling.
    # Coded (don't know 0, not applicable -1): the import keeps them apart; the preview scores
    # `uncoded`. Numbers from the label lookup may be codes; a wide file's cells are text.
    checked, cells = check_rows(
        frame,
        bank,
        source=filename,
        rows=frame.index,
        headers=headers,
        positions=positions,
        kinds=True,
        coded_input=kind != "wide",
    )
    if "role" in checked:
        said = {row for row, position, _ in cells if position == positions["role"]}
        checked["role"], role_rows = _roles(
            checked["role"], matcher, filename, positions["role"], headers["role"], said
        )
        rows += role_rows
    team_notes: list[str] = []
    if "team" in checked:
        checked["team"], team_notes = _teams(checked["team"], teams)
    problems = capped(problems + [message for *_, message in sorted(rows + cells)])
    if any("is not an answer on the scale" in problem for problem in problems):
        problems.append(_scale_hint(filename, bank))
    if problems:
        return refused(columns, problems)
    checked = _with_response_ids(checked, digest)
    return ImportPlan(
        filename, kind, columns, uncoded(checked, bank).reset_index(drop=True),
        notes + team_notes, [], digest,
        len(table.cells), validated(checked, bank, source=filename),
    )  # fmt: skip


def _with_response_ids(frame: pd.DataFrame, digest: str) -> pd.DataFrame:
    """Give rows without an id one derived from the file and the spreadsheet row.

    Importing the same file twice (a double click, a re-run script) then
    clashes with the stored ids and is refused by the store, instead of
    counting every answer twice.
    """
    derived = pd.Series([f"import-{digest[:24]}-{row}" for row in frame.index], index=frame.index)
    if "response_id" not in frame:
        out = frame.copy(deep=False)
        out.insert(0, "response_id", derived)
        return out
    given = frame["response_id"].astype(str)
    return frame.assign(response_id=given.where(given.ne(""), derived))

"""Importing responses from Role Radar CSVs, Google Forms and Microsoft Forms exports.

A leader who ran the survey in a forms tool gets one column per statement,
headed ``Question title [Statement]`` (Google Forms grid) or ``Question.Statement``
or the bare statement (Microsoft Forms), with label text such as "Agree" in the
cells. `prepare_import` works out which column is which item, team, role or
comment (`forms_match`), converts labels to scale points, drops personal
columns (names, e-mail addresses) and checks every cell. It writes nothing: the
leader sees the mapping and the problems first, and only a clean plan's frame
goes to `store.import_responses`, which stores all rows or none.

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
from assessment.interchange.read import Problem, Table, capped, read_responses, read_table
from assessment.policy import MAX_IMPORT_BYTES

__all__ = ["FORMATS", "ColumnMatch", "ImportPlan", "prepare_import"]

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
        """The frame to store, or an InputError listing every problem."""
        if self.frame is None or self.problems:
            raise InputError(self.problems or [f"{self.source}: nothing to import"])
        return self.frame


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
    distinct = pd.unique(block.ravel())
    keys = matcher.label_keys(pd.Series(distinct, dtype=str))
    point = dict(zip(distinct, keys.map(matcher.points).astype(float), strict=True))
    known = dict(zip(distinct, keys.isin(matcher.points) | (keys == ""), strict=True))
    flat = pd.Series(block.ravel())
    values = flat.map(point).to_numpy(dtype=float).reshape(block.shape)
    unknown = ~flat.map(known).to_numpy(dtype=bool).reshape(block.shape)
    why = "is not an answer on the scale"
    problems: list[Problem] = []
    for r, c in zip(*np.nonzero(unknown), strict=True):
        row, match = int(table.cells.index[r]), items[c]
        message = _at(table.source, row, match.column, f"'{block[r, c]}' {why}")
        problems.append((row, match.position, message))
    frame = pd.DataFrame(values, index=table.cells.index, columns=[m.target for m in items])
    return frame, problems


def _normalised(column: pd.Series) -> pd.Series:
    """normalise_text per cell, computed once per distinct value."""
    distinct = column.unique()
    return column.map(dict(zip(distinct, map(normalise_text, distinct), strict=True))).astype(str)


def _scale_hint(source: str, bank: Bank) -> str:
    labels = ", ".join(f"'{label}'" for label in bank.scale.labels)
    return (
        f"{source}: answers must be one of {labels}; or '{bank.scale.dont_know_label}',"
        " 'N/A' or empty for don't know"
    )


def _at(source: str, row: object, column: str, problem: str) -> str:
    return f"{source}, row {row}, column '{column}': {problem}"


def _roles(
    frame: pd.DataFrame, matcher: Matcher, source: str, column: ColumnMatch
) -> tuple[pd.Series, list[Problem]]:
    """Role cells as bank role ids, matched by id or name in any case."""
    roles = frame["role"].astype(str)
    keys = _normalised(roles)
    known = ", ".join(role.name for role in matcher.bank.roles)
    problems = [
        (int(row), column.position, _at(source, row, column.column, "empty"))
        for row in roles.index[roles.eq("")]
    ]
    problems += [
        (int(row), column.position,
         _at(source, row, column.column, f"'{roles[row]}' is not a role of this survey ({known})"))
        for row in roles.index[roles.ne("") & ~keys.isin(matcher.roles)]
    ]  # fmt: skip
    return keys.map(matcher.roles).fillna("").astype(str), problems


def _teams(
    frame: pd.DataFrame, known: Sequence[str], source: str, column: ColumnMatch
) -> tuple[pd.Series, list[Problem], list[str]]:
    """Teams in the round's spelling (matched in any case); teams it lacks are noted."""
    spelling = {normalise_text(team): team for team in known}
    teams = frame["team"].astype(str)
    fixed = teams.where(~_normalised(teams).isin(spelling), _normalised(teams).map(spelling))
    empty = "empty; every response needs a team"
    problems = [
        (int(row), column.position, _at(source, row, column.column, empty))
        for row in teams.index[teams.eq("")]
    ]
    extra = sorted(set(fixed[fixed.ne("")]) - set(known))
    notes = [f"Teams not in this round, added as extra teams: {', '.join(extra)}"]
    return fixed, problems, notes if known and extra else []


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
    frame = pd.DataFrame(index=table.cells.index)
    for match in (c for c in columns if c.kind in ("team", "role", "comment")):
        frame[match.kind] = table.cells[match.position].astype(str)
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
    the leader, and either a wide frame (``team, role, [comment], <item ids>``,
    roles as bank role ids, answers as floats) ready for
    `store.import_responses`, or the problems, each naming the row (header =
    row 1) and the column.

    Raises
    ------
    InputError
        When the file cannot be read at all: too large, not UTF-8 text, empty.
    """
    if max_bytes is not None and len(data) > max_bytes:
        raise InputError(
            f"{filename}: the file is {len(data) / 1e6:.1f} MB; imports are limited to"
            f" {max_bytes / 1e6:.0f} MB. Split it into smaller files."
        )
    table = read_table(data, filename)
    kind = _detect(table, bank)
    digest = hashlib.sha256(data).hexdigest()
    matcher = Matcher(bank)
    if kind == "wide":
        columns, notes = _wide_columns(table, bank), list[str]()
        try:
            frame, rows = read_responses(data, bank, source_name=filename), list[Problem]()
        except InputError as exc:
            return ImportPlan(
                filename, kind, columns, None, notes, exc.problems, digest, len(table.cells)
            )
        frame.index = table.cells.index  # the same rows: back to spreadsheet numbers
    else:
        columns = [matcher.column(table, pos) for pos in range(len(table.header))]
        notes = _notes(columns, bank)
        structure = _structure_problems(table, columns, bank)
        if structure:
            return ImportPlan(
                filename, kind, columns, None, notes, capped(structure), digest, len(table.cells)
            )
        frame, rows = _forms_frame(table, columns, matcher)
    where = {c.target: c for c in columns if c.target}
    frame["role"], role_rows = _roles(frame, matcher, filename, where["role"])
    frame["team"], team_rows, team_notes = _teams(frame, teams, filename, where["team"])
    problems = capped([message for *_, message in sorted(rows + role_rows + team_rows)])
    if any("is not an answer on the scale" in problem for problem in problems):
        problems.append(_scale_hint(filename, bank))
    if problems:
        return ImportPlan(filename, kind, columns, None, notes, problems, digest, len(table.cells))
    frame = _with_response_ids(frame, digest).reset_index(drop=True)
    return ImportPlan(
        filename, kind, columns, frame, notes + team_notes, [], digest, len(table.cells)
    )


def _with_response_ids(frame: pd.DataFrame, digest: str) -> pd.DataFrame:
    """Give rows without an id one derived from the file and the row.

    Importing the same file twice (a double click, a re-run script) then
    clashes with the stored ids and is refused by the store, instead of
    counting every answer twice.
    """
    derived = pd.Series([f"import-{digest[:24]}-{row}" for row in frame.index], index=frame.index)
    if "response_id" not in frame:
        return frame.assign(response_id=derived)[["response_id", *frame.columns]]
    given = frame["response_id"].astype(str)
    return frame.assign(response_id=given.where(given.ne(""), derived))

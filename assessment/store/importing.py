"""Importing responses in the wide format: all rows or none.

Validation is a pure function (`validate_import`) over the whole frame with
pandas and numpy, and it reports every problem with its row and column, so a
file is fixed in one pass. Storing is one transaction of bulk inserts
(executemany), never one statement per row.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from assessment.bank import Bank
from assessment.errors import InputError
from assessment.policy import MAX_COMMENT_CHARS, MAX_NAME_CHARS, MAX_TOKEN_CHARS
from assessment.store.bulk import AnswerRow, insert_answers
from assessment.store.reads import META_COLUMNS
from assessment.store.rounds import get_round, now_utc, round_row
from assessment.store.schema import comments, responses, writing

__all__ = ["ValidatedImport", "import_responses", "validate_import"]

MAX_MESSAGES = 20
_CHUNK = 20_000  # answer rows per executemany: bounds memory for big files


@dataclass(frozen=True)
class ValidatedImport:
    """A validated frame, ready to store: one entry per response, values in bank order."""

    response_ids: list[str]
    submitted_at: list[datetime]
    teams: list[str]
    roles: list[str]
    comments: list[str | None]
    item_positions: list[int]  # of the frame's item columns, in the bank
    values: np.ndarray  # float, shape (responses, item columns), NaN where missing


def _row_messages(mask: np.ndarray, column: str, problem: str) -> list[str]:
    """One message per offending row; rows counted from 1, header not counted."""
    return [f"row {i + 1}, column '{column}': {problem}" for i in np.flatnonzero(mask)]


def _text_column(
    frame: pd.DataFrame, column: str, *, required: bool
) -> tuple[pd.Series, list[str]]:
    """Stripped text with '' for missing; reports empty cells when `required`."""
    text = frame[column].astype("str").where(frame[column].notna(), "").str.strip()
    problems = []
    if required:
        problems += _row_messages((text == "").to_numpy(), column, "is empty")
    limit = MAX_COMMENT_CHARS if column == "comment" else MAX_NAME_CHARS
    too_long = (text.str.len() > limit).to_numpy()
    problems += _row_messages(too_long, column, f"longer than {limit} characters")
    return text, problems


def _shown(value: object) -> str:
    """A cell as the user typed it: 6 rather than np.float64(6.0)."""
    if isinstance(value, str):
        return repr(value)
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return repr(value)
    return str(int(number)) if number.is_integer() else str(number)


def _value_matrix(
    frame: pd.DataFrame, item_ids: list[str], points: int
) -> tuple[np.ndarray, list[str]]:
    raw = frame[item_ids]
    numbers = raw.apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    blank = (
        raw.isna().to_numpy() | raw.astype("str").apply(lambda c: c.str.strip() == "").to_numpy()
    )
    with np.errstate(invalid="ignore"):
        bad = ~blank & (np.isnan(numbers) | (numbers < 1) | (numbers > points) | (numbers % 1 != 0))
    problems = [
        f"row {r + 1}, column '{item_ids[c]}': {_shown(raw.iat[r, c])} is not a whole number"
        f" from 1 to {points} (leave the cell empty for don't know)"
        for r, c in np.argwhere(bad)
    ]
    return np.where(blank, np.nan, numbers), problems


def _response_ids(frame: pd.DataFrame) -> tuple[list[str], list[str]]:
    if "response_id" not in frame:
        return [secrets.token_hex(16) for _ in range(len(frame))], []
    given, problems = _text_column(frame, "response_id", required=False)
    problems += _row_messages(
        (given.str.len() > MAX_TOKEN_CHARS).to_numpy(),
        "response_id",
        f"longer than {MAX_TOKEN_CHARS} characters",
    )
    duplicated = given.duplicated(keep="first") & (given != "")
    problems += _row_messages(duplicated.to_numpy(), "response_id", "repeats an earlier row's id")
    ids = [value or secrets.token_hex(16) for value in given.tolist()]
    return ids, problems


def _timestamps(frame: pd.DataFrame, now: datetime) -> tuple[list[datetime], list[str]]:
    if "submitted_at" not in frame:
        return [now] * len(frame), []
    text, _ = _text_column(frame, "submitted_at", required=False)
    parsed = pd.to_datetime(text.where(text != ""), utc=True, errors="coerce", format="ISO8601")
    bad = (text != "") & parsed.isna()
    problems = _row_messages(bad.to_numpy(), "submitted_at", "not an ISO 8601 date and time")
    stamps = parsed.dt.floor("s").fillna(pd.Timestamp(now))
    return [stamp.to_pydatetime() for stamp in stamps], problems


def validate_import(
    frame: pd.DataFrame, bank: Bank, *, now: datetime | None = None
) -> ValidatedImport:
    """Validate a wide responses frame against `bank`; raise `InputError` listing the problems.

    Required: ``team`` and ``role`` (any non-empty text: imported data may come
    from teams the round does not list) and at least one item column. Optional:
    ``response_id`` and ``submitted_at`` (generated / now when absent or
    empty), ``round`` (ignored: rows go to the round imported into) and
    ``comment``. Item cells are whole numbers in ``1..points`` or empty.
    """
    now = now or now_utc()
    item_ids = [item for item in bank.item_ids if item in frame.columns]
    known = {*META_COLUMNS, "comment", *bank.item_ids}
    problems = [
        f"column '{column}': not an item of bank '{bank.id}' v{bank.version}"
        f" (nor one of {', '.join(META_COLUMNS)}, comment)"
        for column in frame.columns
        if str(column) not in known
    ]
    problems += [f"column '{c}': missing (required)" for c in ("team", "role") if c not in frame]
    if not item_ids:
        problems.append(
            f"no item columns: expected ids from bank '{bank.id}' such as '{bank.item_ids[0]}'"
        )
    if len(frame) == 0:
        problems.append("no rows to import")
    if problems:
        raise InputError(problems)
    teams, team_problems = _text_column(frame, "team", required=True)
    roles, role_problems = _text_column(frame, "role", required=True)
    notes = (
        _text_column(frame, "comment", required=False)
        if "comment" in frame
        else (pd.Series("", index=frame.index), [])
    )
    values, value_problems = _value_matrix(frame, item_ids, bank.scale.points)
    ids, id_problems = _response_ids(frame)
    stamps, time_problems = _timestamps(frame, now)
    problems = [
        *team_problems,
        *role_problems,
        *notes[1],
        *value_problems,
        *id_problems,
        *time_problems,
    ]
    if problems:
        extra = len(problems) - MAX_MESSAGES
        raise InputError(problems[:MAX_MESSAGES] + ([f"... and {extra} more"] if extra > 0 else []))
    return ValidatedImport(
        response_ids=ids,
        submitted_at=stamps,
        teams=teams.tolist(),
        roles=roles.tolist(),
        comments=[text or None for text in notes[0].tolist()],
        item_positions=[bank.item_ids.index(item) for item in item_ids],
        values=values,
    )


def _already_stored(conn: Connection, ids: list[str]) -> list[str]:
    found: list[str] = []
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        query = sa.select(responses.c.response_id).where(responses.c.response_id.in_(chunk))
        found += conn.scalars(query).all()
    return found


def _answer_rows(pks: np.ndarray, prepared: ValidatedImport) -> Iterator[list[AnswerRow]]:
    """Answer rows in chunks, built column-wise with numpy before the tuples."""
    k = len(prepared.item_positions)
    response_pk = np.repeat(pks, k).tolist()
    item = np.tile(np.array(prepared.item_positions, dtype=np.int64), len(pks)).tolist()
    flat = prepared.values.reshape(-1)
    value = [None if v != v else int(v) for v in flat.tolist()]  # v != v: NaN
    for start in range(0, len(value), _CHUNK):
        stop = start + _CHUNK
        yield list(zip(response_pk[start:stop], item[start:stop], value[start:stop], strict=True))


def import_responses(
    engine: Engine, token: str, frame: pd.DataFrame, *, source: str = "import"
) -> int:
    """Store every row of a wide responses frame in the round, or none; return how many.

    The round may be closed: importing is a leader's action (paper forms,
    another tool's export), not a respondent's. Raises `InputError` naming each
    bad row and column, or each response id that is already stored.
    """
    if not source or len(source) > 20:
        raise InputError("source: must be a label of 1 to 20 characters, e.g. 'import'")
    rnd = get_round(engine, token)
    prepared = validate_import(frame, rnd.bank)
    try:
        with writing(engine) as conn:
            _store(conn, token, prepared, source, check_ids="response_id" in frame)
    except IntegrityError:
        # A concurrent import stored one of these ids between our check and our insert.
        raise InputError(
            "column 'response_id': some ids were stored meanwhile by another import;"
            " nothing was imported, check the round and try again"
        ) from None
    return len(prepared.response_ids)


def _store(
    conn: Connection, token: str, prepared: ValidatedImport, source: str, *, check_ids: bool
) -> None:
    """Insert one prepared import with bulk statements, inside the caller's transaction."""
    round_id = round_row(conn, token).id
    clashes = _already_stored(conn, prepared.response_ids) if check_ids else []
    if clashes:
        shown = ", ".join(clashes[:5]) + (" ..." if len(clashes) > 5 else "")
        raise InputError(
            f"column 'response_id': {len(clashes)} id(s) already stored ({shown});"
            " was this file imported before?"
        )
    rows = [
        {"response_id": rid, "round_id": round_id, "team": team, "role": role,
         "submitted_at": stamp, "source": source, "client_token": None}
        for rid, team, role, stamp in zip(prepared.response_ids, prepared.teams, prepared.roles,
                                          prepared.submitted_at, strict=True)
    ]  # fmt: skip
    inserted = conn.execute(
        responses.insert().returning(responses.c.pk, sort_by_parameter_order=True), rows
    )
    pks = np.array(inserted.scalars().all(), dtype=np.int64)
    for chunk in _answer_rows(pks, prepared):
        insert_answers(conn, chunk)
    notes = [
        {"id": secrets.token_hex(16), "round_id": round_id, "team": team, "role": role,
         "comment": note}
        for team, role, note in zip(prepared.teams, prepared.roles, prepared.comments, strict=True)
        if note
    ]  # fmt: skip
    if notes:
        conn.execute(comments.insert(), notes)

"""Importing responses in the wide format: all rows or none.

The rules are not here: `interchange.validate` checks every cell, with the
file, the spreadsheet row and the column, for the Import page's preview, the
CLI and a frame handed in directly alike, and gives a `ValidatedImport`. This
module stores one: a cheap check that it fits the round (`_unfit`), then one
transaction of bulk inserts (executemany), never one statement per row.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from assessment.bank import LINE_BREAKS, NAME_CONTROLS, Bank, control_characters
from assessment.errors import AssessmentError, InputError
from assessment.interchange.validate import ValidatedImport, validate_import
from assessment.policy import MAX_COMMENT_CHARS, MAX_NAME_CHARS, MAX_TOKEN_CHARS
from assessment.store.bulk import AnswerRow, insert_answers
from assessment.store.responses import has_web_answers
from assessment.store.rounds import Round, get_round, not_found, now_utc, round_row
from assessment.store.schema import comments, reading, responses, rounds, writing
from assessment.survey import DONT_KNOW_CODE, NOT_APPLICABLE_CODE

__all__ = ["ValidatedImport", "import_responses", "validate_import"]

_CHUNK = 20_000  # answer rows per executemany: bounds memory for big files


def _unfit(prepared: ValidatedImport, bank: Bank) -> list[str]:
    """Why a validated import cannot go into a round with `bank`; cheap, whole-column checks.

    `validate_import` has checked everything already; this only guards
    against a result checked for another bank, or built by hand.
    """
    where = f"{prepared.source}: "
    if (prepared.bank_id, prepared.bank_version) != (bank.id, bank.version):
        return [
            f"{where}checked against bank '{prepared.bank_id}' v{prepared.bank_version}, but"
            f" the round uses '{bank.id}' v{bank.version}; check the file again for this round"
        ]
    n = len(prepared.response_ids)
    values = prepared.values
    problems = []
    if not (
        len(prepared.teams)
        == len(prepared.roles)
        == len(prepared.comments)
        == len(prepared.submitted_at)
        == n
    ) or values.shape != (n, len(prepared.item_ids)):
        problems.append("its columns have different lengths")  # fmt: skip
    if set(prepared.item_ids) - set(bank.item_ids) or not prepared.item_ids:
        problems.append("its items are not the round's")
    with np.errstate(invalid="ignore"):
        answered = values[~np.isnan(values)]
    codes = [DONT_KNOW_CODE] * bank.scale.dont_know
    codes += [NOT_APPLICABLE_CODE] * bank.scale.not_applicable
    answered = answered[~np.isin(answered, codes)]
    if ((answered < 1) | (answered > bank.scale.points) | (answered % 1 != 0)).any():
        problems.append(f"some answers are not whole numbers from 1 to {bank.scale.points}")
    for label, texts, longest, allowed in (
        ("team", prepared.teams, MAX_NAME_CHARS, NAME_CONTROLS),
        ("role", prepared.roles, MAX_NAME_CHARS, NAME_CONTROLS),
        ("comment", [c for c in prepared.comments if c], MAX_COMMENT_CHARS, LINE_BREAKS),
        ("response_id", prepared.response_ids, MAX_TOKEN_CHARS, ""),
    ):
        distinct = set(texts)
        if "" in distinct and label != "comment":
            problems.append(f"a {label} is empty")
        if any(len(text) > longest for text in distinct):
            problems.append(f"a {label} is longer than {longest} characters")
        if control_characters("".join(distinct), allowed):
            problems.append(f"a {label} holds a control character")
    if len(set(prepared.response_ids)) != n:
        problems.append("a response id repeats")
    if problems:
        return [f"{where}the checked data does not fit the round ({'; '.join(problems)})"]
    return []


def _already_stored(conn: Connection, ids: list[str]) -> list[str]:
    found: list[str] = []
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        query = sa.select(responses.c.response_id).where(responses.c.response_id.in_(chunk))
        found += conn.scalars(query).all()
    return found


def _answer_rows(
    pks: np.ndarray, positions: list[int], values: np.ndarray, empty_is_skipped: bool = False
) -> Iterator[list[AnswerRow]]:
    """Answer rows in chunks, built column-wise with numpy before the tuples.

    `values` hold points, 0 (don't know: NULL), -1 (not applicable) or NaN:
    NULL too in a scale with the combined choice, as imports always stored
    an empty cell; no row (skipped) where `empty_is_skipped`.
    """
    k = len(positions)
    flat = values.reshape(-1)
    keep = ~np.isnan(flat) if empty_is_skipped else np.ones(len(flat), dtype=bool)
    response_pk = np.repeat(pks, k)[keep].tolist()
    item = np.tile(np.array(positions, dtype=np.int64), len(pks))[keep].tolist()
    flat = flat[keep]
    value = [None if v != v or v == DONT_KNOW_CODE else int(v) for v in flat.tolist()]  # NaN
    for start in range(0, len(value), _CHUNK):
        stop = start + _CHUNK
        yield list(zip(response_pk[start:stop], item[start:stop], value[start:stop], strict=True))


def import_responses(
    engine: Engine,
    token: str,
    data: ValidatedImport | pd.DataFrame,
    *,
    source: str = "import",
    coded: bool = False,
) -> int:
    """Store every response in the round, or none; return how many.

    `data` is a `ValidatedImport` (from `forms.prepare_import`, whose messages
    the leader has seen) or a wide frame, validated here by the same
    `validate_import`. Raises `InputError` naming each bad row and column, or
    the response ids that are already stored; `source` is the label stored
    with each row ("import", "demo"). With `coded`, a frame may hold a coded
    frame's don't know (0) and not applicable (-1) (`validate_import`).

    Refused (`AssessmentError`, nothing stored) into a closed round, and into
    one that collects answers through its link: a few known answers imported
    next to one real person's would give that person's answers away as the
    shown counts less the known ones (`store.responses.answers_source`).
    """
    if not source or len(source) > 20:
        raise InputError("source: must be a label of 1 to 20 characters, e.g. 'import'")
    rnd = get_round(engine, token)
    _refuse_unless_importable(rnd.name, rnd.is_open, _has_web(engine, rnd))
    if isinstance(data, ValidatedImport):
        prepared = data
    else:
        prepared = validate_import(data, rnd.bank, source=f"{source} frame", coded=coded)
    problems = _unfit(prepared, rnd.bank)
    if problems:
        raise InputError(problems)
    try:
        with writing(engine) as conn:
            _store(conn, token, prepared, rnd.bank, source)
    except IntegrityError:
        # A concurrent import stored one of these ids between our check and our insert.
        raise InputError(
            f"{prepared.source}, column 'response_id': some ids were stored meanwhile by another"
            " import; nothing was imported, check the round and try again"
        ) from None
    return len(prepared.response_ids)


def _refuse_unless_importable(name: str, is_open: bool, has_web: bool) -> None:
    if not is_open:
        raise AssessmentError(
            f"Round '{name}' is closed: it takes no more answers, imported ones included."
            " To add answers collected meanwhile, reopen it first (Rounds page, or"
            " `assessment round reopen`)."
        )
    if has_web:
        raise AssessmentError(
            f"Round '{name}' collects answers through its link, so it takes no imported ones:"
            " mixed with answers you know, they would give a real person's answers away."
            " Open a new round for these answers and import them there."
        )


def _has_web(engine: Engine, rnd: Round) -> bool:
    """A cheap look before the file is checked; the transaction looks again under its lock."""
    with reading(engine) as conn:
        return has_web_answers(conn, round_row(conn, rnd.token).id)


# The round's row, locked for update on PostgreSQL: a submission (which takes a key-share
# lock) waits for this import, and this import for submissions in flight.
_LOCK_ROUND = (
    sa.select(rounds.c.id, rounds.c.name, rounds.c.is_open)
    .where(rounds.c.token == sa.bindparam("token"))
    .with_for_update(of=rounds)
)


def _store(
    conn: Connection, token: str, prepared: ValidatedImport, bank: Bank, source: str
) -> None:
    """Insert one prepared import with bulk statements, inside the caller's transaction."""
    row = conn.execute(_LOCK_ROUND, {"token": token}).first()
    if row is None:
        raise not_found(token)
    _refuse_unless_importable(row.name, bool(row.is_open), has_web_answers(conn, row.id))
    round_id = row.id
    clashes = _already_stored(conn, prepared.response_ids) if prepared.ids_given else []
    if clashes:
        shown = ", ".join(clashes[:5]) + (" ..." if len(clashes) > 5 else "")
        raise InputError(
            f"{prepared.source}, column 'response_id': {len(clashes)} id(s) already stored"
            f" ({shown}); was this file imported before?"
        )
    now = now_utc()
    rows = [
        {"response_id": rid, "round_id": round_id, "team": team, "role": role,
         "submitted_at": stamp or now, "source": source, "client_token": None}
        for rid, team, role, stamp in zip(prepared.response_ids, prepared.teams, prepared.roles,
                                          prepared.submitted_at, strict=True)
    ]  # fmt: skip
    inserted = conn.execute(
        responses.insert().returning(responses.c.pk, sort_by_parameter_order=True), rows
    )
    pks = np.array(inserted.scalars().all(), dtype=np.int64)
    positions = [bank.item_ids.index(item) for item in prepared.item_ids]
    skipped = bank.scale.not_applicable  # a file that can say DK and NA says skipped by empty
    for chunk in _answer_rows(pks, positions, prepared.values, skipped):
        insert_answers(conn, chunk)
    notes = [
        {"id": secrets.token_hex(16), "round_id": round_id, "team": team, "role": role,
         "comment": note}
        for team, role, note in zip(prepared.teams, prepared.roles, prepared.comments, strict=True)
        if note
    ]  # fmt: skip
    if notes:
        conn.execute(comments.insert(), notes)

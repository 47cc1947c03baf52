"""Reading a round back: the wide responses table, counts and comments.

Reads run in a snapshot (`reading`) and never take SQLite's write lock, so
leader pages can load results while respondents keep submitting.
"""

from __future__ import annotations

import json
import random
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from assessment.store.rounds import Round, not_found, round_from_row, round_row
from assessment.store.schema import (
    answers,
    comment_publications,
    comments,
    project_gate_answers,
    publications,
    reading,
    responses,
    rounds,
)
from assessment.survey import DONT_KNOW_CODE, GATE_COLUMN, NOT_APPLICABLE_CODE

__all__ = [
    "GATE_COLUMN",
    "META_COLUMNS",
    "comments_frame",
    "response_count",
    "response_counts",
    "responses_frame",
    "team_counts",
]

META_COLUMNS = ["response_id", "submitted_at", "round", "team", "role"]


def _published(column: sa.ColumnElement[int]) -> sa.ColumnElement[bool]:
    return column.in_(sa.select(publications.c.response_pk))


def responses_frame(
    engine: Engine, token: str, *, published_only: bool = False, kinds: bool = False
) -> pd.DataFrame:
    """The round's responses in the wide format (docs/architecture.md, "Files").

    With `published_only`, only responses already released to leaders
    (`store.publication.publish`): what every leader page and file uses.

    Columns ``response_id, submitted_at, round, team, role`` and one float
    column per bank item (bank order), NaN for don't know, not applicable or
    skipped; ``submitted_at`` is ISO 8601 UTC to the second. Sorted by
    submitted_at, response_id. When the round's bank asks the routing
    question, a nullable boolean column `GATE_COLUMN` follows ``role``.

    With `kinds`, a *coded* frame instead, for files and answer counts:
    don't know is `survey.DONT_KNOW_CODE` (0), not applicable
    `survey.NOT_APPLICABLE_CODE` (-1), and only skipped answers are NaN.
    Never score a coded frame: 0 and -1 are not points of the scale.

    Notes
    -----
    100,000 responses x 40 items are 4 million answer rows; fetched one
    row at a time through the driver they cost about 13 s of CPU and 600 MB
    here, in Python objects alone. So the database packs each response's
    answers into one string (`_packed_answers`) and numpy unpacks them all at
    once: one query, 100,000 rows, no Python loop per answer.
    """
    with reading(engine) as conn:
        row = round_row(conn, token)
        rnd = round_from_row(row)
        meta = conn.execute(
            sa.select(
                responses.c.pk,
                responses.c.response_id,
                # Raw values: pandas parses 100,000 timestamps faster than SQLAlchemy does.
                sa.type_coerce(responses.c.submitted_at, sa.String).label("submitted_at"),
                responses.c.team,
                responses.c.role,
                project_gate_answers.c.works_in_projects,
            )
            .select_from(responses.outerjoin(project_gate_answers))
            .where(responses.c.round_id == row.id)
            .where(_published(responses.c.pk) if published_only else sa.true())
            .order_by(responses.c.submitted_at, responses.c.response_id)
        ).all()
        width, offset = _packing(len(rnd.bank.items))
        packed = conn.execute(_packed_answers(row.id, offset, published_only)).all()
    columns = dict(zip(_HEAD, list(zip(*meta, strict=True)) or [()] * len(_HEAD), strict=True))
    matrix = np.full((len(meta), len(rnd.bank.items)), np.nan)
    if packed:
        pks, strings = zip(*packed, strict=True)
        owners, positions, values = _unpack(list(strings), width, offset)
        rows = pd.Index(np.asarray(columns["pk"])).get_indexer(np.asarray(pks))[owners]
        keep = (rows >= 0) & (positions < matrix.shape[1])
        kept = values[keep]
        dont_know = np.nan if not kinds else DONT_KNOW_CODE
        not_applicable = np.nan if not kinds else NOT_APPLICABLE_CODE
        kept = np.where(kept == _NULL_SLOT, dont_know, kept)
        kept = np.where(kept == _NOT_APPLICABLE_SLOT, not_applicable, kept)
        matrix[rows[keep], positions[keep]] = kept
    return _wide_frame(rnd, columns, matrix)


_HEAD = ["pk", "response_id", "submitted_at", "team", "role", GATE_COLUMN]
_VALUE_SLOTS = 16  # scale points are at most 11
_NULL_SLOT = 0  # a NULL answer: don't know
_NOT_APPLICABLE_SLOT = _VALUE_SLOTS - 1  # a stored -1: not applicable


def _packing(n_items: int) -> tuple[int, int]:
    """Fixed width and offset of one packed answer: every code has the same number of digits."""
    width = max(6, len(str(n_items * _VALUE_SLOTS)) + 1)
    return width, 10 ** (width - 1)


def _packed_answers(round_id: int, offset: int, published_only: bool = False) -> sa.Select[Any]:
    """Per response: its answers as one string of fixed-width codes.

    code = offset + item_pos * 16 + slot, the slot being the value, 0 for NULL
    (don't know) and 15 for -1 (not applicable). Each code names its item, so
    the order in which the database concatenates them does not matter (SQLite
    before 3.44 cannot order inside group_concat).
    """
    position = sa.cast(answers.c.item_pos, sa.Integer)  # SMALLINT would overflow on PostgreSQL
    code = sa.literal(offset, sa.Integer) + position * _VALUE_SLOTS
    value = sa.cast(answers.c.value, sa.Integer)
    slot = sa.case(
        (answers.c.value.is_(None), _NULL_SLOT),
        (answers.c.value < 0, _NOT_APPLICABLE_SLOT),
        else_=value,
    )
    code = code + slot
    in_round = sa.select(responses.c.pk).where(responses.c.round_id == round_id)
    if published_only:
        in_round = in_round.where(_published(responses.c.pk))
    # IN, not JOIN: SQLite then walks answers in key order and groups without a sort.
    return (
        sa.select(answers.c.response_pk, sa.func.aggregate_strings(sa.cast(code, sa.String), ""))
        .where(answers.c.response_pk.in_(in_round))
        .group_by(answers.c.response_pk)
    )


def _unpack(
    strings: list[str], width: int, offset: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Decode packed strings: (index of the owning string, item position, value) per answer."""
    lengths = np.fromiter(map(len, strings), dtype=np.int64, count=len(strings)) // width
    raw = np.frombuffer("".join(strings).encode("ascii"), dtype=np.uint8)
    digits = raw.reshape(-1, width).astype(np.int64) - ord("0")
    codes = digits @ (10 ** np.arange(width - 1, -1, -1, dtype=np.int64)) - offset
    positions, values = np.divmod(codes, _VALUE_SLOTS)
    owners = np.repeat(np.arange(len(strings)), lengths)
    return owners, positions, values.astype(float)


def _wide_frame(rnd: Round, head: dict[str, tuple[Any, ...]], matrix: np.ndarray) -> pd.DataFrame:
    """The wide table from the responses' columns as read (`_HEAD`) and the answer matrix.

    Each column goes straight from the driver's values to its Series, with
    pandas inferring its type as it would in a frame of them.
    """
    index = pd.RangeIndex(len(matrix))
    stamps = pd.to_datetime(pd.Series(head["submitted_at"]), utc=True, format="ISO8601")
    seconds = stamps.dt.tz_convert(None).to_numpy(dtype="datetime64[s]")
    iso = np.char.add(np.datetime_as_string(seconds, unit="s"), "Z")
    out = pd.DataFrame(
        {
            "response_id": pd.Series(head["response_id"]).astype("str"),
            "submitted_at": pd.Series(iso, index=index, dtype="str"),
            "round": pd.Series(rnd.name, index=index, dtype="str"),
            "team": pd.Series(head["team"]).astype("str"),
            "role": pd.Series(head["role"]).astype("str"),
        }
    )
    if rnd.bank.project_gate is not None:
        out[GATE_COLUMN] = pd.Series(head[GATE_COLUMN]).astype("boolean")
    items = pd.DataFrame(matrix, columns=rnd.bank.item_ids, index=index)
    return pd.concat([out, items], axis=1)


def response_count(engine: Engine, token: str) -> int:
    """How many responses the round holds: one indexed count, cheap enough for a cache key."""
    count = (
        sa.select(sa.func.count())
        .select_from(responses)
        .where(responses.c.round_id == rounds.c.id)
        .scalar_subquery()
    )
    with reading(engine) as conn:
        row = conn.execute(sa.select(count).where(rounds.c.token == token)).first()
    if row is None:
        raise not_found(token)
    return int(row[0])


def response_counts(engine: Engine, token: str, *, published_only: bool = False) -> pd.DataFrame:
    """Responses per (team, role): columns ``team, role, n``, only pairs that have any.

    With `published_only`, only responses released to leaders.

    Use `team_counts` for a table that lists every team of the round, with 0s.
    """
    with reading(engine) as conn:
        round_id = round_row(conn, token).id
        rows = conn.execute(
            sa.select(responses.c.team, responses.c.role, sa.func.count())
            .where(responses.c.round_id == round_id)
            .where(_published(responses.c.pk) if published_only else sa.true())
            .group_by(responses.c.team, responses.c.role)
            .order_by(responses.c.team, responses.c.role)
        ).all()
    frame = pd.DataFrame(rows, columns=["team", "role", "n"])
    return frame.astype({"team": "str", "role": "str", "n": "int64"})


def team_counts(engine: Engine, token: str) -> pd.DataFrame:
    """Responses per team: columns ``team, n``; every round team appears, with 0 if none.

    Round teams come first in the round's order; teams that only imported
    rows carry follow, sorted.
    """
    with reading(engine) as conn:
        row = round_row(conn, token)
        counted: dict[str, int] = dict(
            conn.execute(
                sa.select(responses.c.team, sa.func.count())
                .where(responses.c.round_id == row.id)
                .group_by(responses.c.team)
            ).all()
        )
    teams = list(json.loads(row.teams_json))
    teams += sorted(set(counted) - set(teams))
    frame = pd.DataFrame({"team": teams, "n": [int(counted.get(t, 0)) for t in teams]})
    return frame.astype({"team": "str", "n": "int64"})


def comments_frame(engine: Engine, token: str, *, published_only: bool = False) -> pd.DataFrame:
    """The round's comments: ``team, role, comment`` in random order, without ids or times.

    With `published_only`, only comments released with their cell's responses.

    Callers still apply the comment threshold (groups of at least 10).
    """
    with reading(engine) as conn:
        round_id = round_row(conn, token).id
        rows = [
            tuple(r)
            for r in conn.execute(
                sa.select(comments.c.team, comments.c.role, comments.c.comment)
                .where(comments.c.round_id == round_id)
                .where(
                    comments.c.id.in_(sa.select(comment_publications.c.comment_id))
                    if published_only
                    else sa.true()
                )
            )
        ]
    random.SystemRandom().shuffle(rows)
    return pd.DataFrame(rows, columns=["team", "role", "comment"], dtype="str")

"""Releasing a round's pending responses in safe steps (the rule: `scoring.publication`).

Leader pages, exports and the CLI read only published responses. `publish`
runs before they read: it releases whatever the rule allows, in one write
transaction, and records the step, so the published part of a round only
ever grows, in steps the rule chose.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from assessment.scoring.publication import release
from assessment.store.rounds import now_utc, round_from_row, round_row
from assessment.store.schema import (
    UTCDateTime,
    comment_publications,
    comments,
    publications,
    reading,
    responses,
    writing,
)

__all__ = ["Publication", "last_published", "publish"]

Publication = tuple[int, datetime | None]
"""(published responses, when the latest step was released)."""


# Responses per team, role and release step (NULL: pending), counted by the database: the
# rule needs only these counts, and a round's rows never cross the driver one by one.
_CELL_COUNTS = (
    sa.select(responses.c.team, responses.c.role, publications.c.step, sa.func.count())
    .select_from(responses.outerjoin(publications, publications.c.response_pk == responses.c.pk))
    .where(responses.c.round_id == sa.bindparam("round_id"))
    .group_by(responses.c.team, responses.c.role, publications.c.step)
)
_WAITING = (
    sa.select(sa.func.count())
    .select_from(responses.outerjoin(publications, publications.c.response_pk == responses.c.pk))
    .where(responses.c.round_id == sa.bindparam("round_id"), publications.c.response_pk.is_(None))
)
_PUBLISHED = (
    sa.select(sa.func.count(), sa.func.max(publications.c.published_at))
    .select_from(publications.join(responses, responses.c.pk == publications.c.response_pk))
    .where(responses.c.round_id == sa.bindparam("round_id"))
)


# A step: the pending responses and the unreleased comments of a chosen cell, marked by one
# statement each (INSERT ... SELECT, run for every cell at once), so no row crosses the driver.
_RELEASE_RESPONSES = publications.insert().from_select(
    ["response_pk", "step", "published_at"],
    sa.select(
        responses.c.pk,
        sa.bindparam("step", type_=sa.Integer),
        sa.bindparam("now", type_=UTCDateTime),
    )
    .select_from(responses.outerjoin(publications, publications.c.response_pk == responses.c.pk))
    .where(
        responses.c.round_id == sa.bindparam("round_id"),
        publications.c.response_pk.is_(None),
        responses.c.team == sa.bindparam("team"),
        responses.c.role == sa.bindparam("role"),
    ),
)
_RELEASE_COMMENTS = comment_publications.insert().from_select(
    ["comment_id", "step"],
    sa.select(comments.c.id, sa.bindparam("step", type_=sa.Integer))
    .select_from(
        comments.outerjoin(comment_publications, comment_publications.c.comment_id == comments.c.id)
    )
    .where(
        comments.c.round_id == sa.bindparam("round_id"),
        comment_publications.c.comment_id.is_(None),
        comments.c.team == sa.bindparam("team"),
        comments.c.role == sa.bindparam("role"),
    ),
)


def _counts(conn: Connection, round_id: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``team, role, step, n`` of the published responses and ``team, role, n`` of the pending.

    Rows sorted by team, role (and step), as pandas' groupby gives them.
    """
    rows = conn.execute(_CELL_COUNTS, {"round_id": round_id}).all()
    done = sorted((str(t), str(r), int(step), int(n)) for t, r, step, n in rows if step is not None)
    wait = sorted((str(t), str(r), int(n)) for t, r, step, n in rows if step is None)
    published = _count_frame(done, ("team", "role", "step", "n"))
    return published, _count_frame(wait, ("team", "role", "n"))


def _count_frame(rows: list[tuple[Any, ...]], names: tuple[str, ...]) -> pd.DataFrame:
    columns = list(zip(*rows, strict=True)) or [()] * len(names)
    return pd.DataFrame(
        {
            name: pd.Series(values, dtype="str" if name in ("team", "role") else "int64")
            for name, values in zip(names, columns, strict=True)
        }
    )


def publish(engine: Engine, token: str) -> Publication:
    """Release what may be released now; return the published count and the latest step's time.

    Cheap when nothing waits: one read. A step is one transaction that also
    releases the comments of the released cells (comments carry no link to
    their response, only their team and role, and a cell is released whole).
    """
    with reading(engine) as conn:
        row = round_row(conn, token)
        waiting = conn.scalar(_WAITING, {"round_id": row.id})
        if not waiting:
            return _published(conn, row.id)
    _step(engine, token)
    return last_published(engine, token)


def _step(engine: Engine, token: str) -> None:
    with writing(engine) as conn:
        row = round_row(conn, token)
        if conn.dialect.name == "postgresql":
            # No submission may slip in between reading the pending cells and marking them.
            conn.execute(sa.text("LOCK TABLE responses, comments IN SHARE ROW EXCLUSIVE MODE"))
        rnd = round_from_row(row)
        published, waiting = _counts(conn, row.id)
        chosen = release(published, waiting, rnd.min_group_size, rnd.teams)
        if chosen.empty:
            return
        step = int(published["step"].max()) + 1 if len(published) else 1
        now = now_utc()
        cells = [
            {"round_id": row.id, "step": step, "team": team, "role": role}
            for team, role in sorted(set(zip(chosen["team"], chosen["role"], strict=True)))
        ]
        conn.execute(_RELEASE_RESPONSES, [cell | {"now": now} for cell in cells])
        conn.execute(_RELEASE_COMMENTS, cells)


def _published(conn: Connection, round_id: int) -> Publication:
    count, latest = conn.execute(_PUBLISHED, {"round_id": round_id}).one()
    return int(count), latest


def last_published(engine: Engine, token: str) -> Publication:
    """How many responses are published, and when the latest step was released."""
    with reading(engine) as conn:
        return _published(conn, round_row(conn, token).id)

"""Releasing a round's pending responses in safe steps (the rule: `scoring.publication`).

Leader pages, exports and the CLI read only published responses. `publish`
runs before they read: it releases whatever the rule allows, in one write
transaction, and records the step, so the published part of a round only
ever grows, in steps the rule chose.
"""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from assessment.scoring.publication import release
from assessment.store.rounds import now_utc, round_from_row, round_row
from assessment.store.schema import (
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


def _state(conn: Connection, round_id: int) -> pd.DataFrame:
    rows = conn.execute(
        sa.select(responses.c.pk, responses.c.team, responses.c.role, publications.c.step)
        .select_from(
            responses.outerjoin(publications, publications.c.response_pk == responses.c.pk)
        )
        .where(responses.c.round_id == round_id)
    ).all()
    frame = pd.DataFrame(rows, columns=["pk", "team", "role", "step"])
    return frame.astype({"team": "str", "role": "str"})


def publish(engine: Engine, token: str) -> Publication:
    """Release what may be released now; return the published count and the latest step's time.

    Cheap when nothing waits: one read. A step is one transaction that also
    releases the comments of the released cells (comments carry no link to
    their response, only their team and role, and a cell is released whole).
    """
    with reading(engine) as conn:
        row = round_row(conn, token)
        waiting = conn.scalar(
            sa.select(sa.func.count())
            .select_from(
                responses.outerjoin(publications, publications.c.response_pk == responses.c.pk)
            )
            .where(responses.c.round_id == row.id, publications.c.response_pk.is_(None))
        )
    if waiting:
        _step(engine, token)
    return last_published(engine, token)


def _step(engine: Engine, token: str) -> None:
    with writing(engine) as conn:
        row = round_row(conn, token)
        if conn.dialect.name == "postgresql":
            # No submission may slip in between reading the pending cells and marking them.
            conn.execute(sa.text("LOCK TABLE responses, comments IN SHARE ROW EXCLUSIVE MODE"))
        rnd = round_from_row(row)
        state = _state(conn, row.id)
        done = state[state["step"].notna()]
        published = (
            done.astype({"step": "int64"}).groupby(["team", "role", "step"], as_index=False).size()
        ).rename(columns={"size": "n"})
        pending = state[state["step"].isna()]
        waiting = (
            pending.groupby(["team", "role"], as_index=False).size().rename(columns={"size": "n"})
        )
        chosen = release(published, waiting, rnd.min_group_size, rnd.teams)
        if chosen.empty:
            return
        step = int(published["step"].max()) + 1 if len(published) else 1
        cells = set(zip(chosen["team"], chosen["role"], strict=True))
        pks = [
            int(pk)
            for pk, team, role in zip(pending["pk"], pending["team"], pending["role"], strict=True)
            if (team, role) in cells
        ]
        now = now_utc()
        conn.execute(
            publications.insert(),
            [{"response_pk": pk, "step": step, "published_at": now} for pk in pks],
        )
        unpublished = (
            sa.select(comments.c.id, comments.c.team, comments.c.role)
            .select_from(
                comments.outerjoin(
                    comment_publications, comment_publications.c.comment_id == comments.c.id
                )
            )
            .where(comments.c.round_id == row.id, comment_publications.c.comment_id.is_(None))
        )
        notes = [r.id for r in conn.execute(unpublished) if (r.team, r.role) in cells]
        if notes:
            conn.execute(
                comment_publications.insert(), [{"comment_id": i, "step": step} for i in notes]
            )


def last_published(engine: Engine, token: str) -> Publication:
    """How many responses are published, and when the latest step was released."""
    with reading(engine) as conn:
        round_id = round_row(conn, token).id
        count, latest = conn.execute(
            sa.select(sa.func.count(), sa.func.max(publications.c.published_at))
            .select_from(publications.join(responses, responses.c.pk == publications.c.response_pk))
            .where(responses.c.round_id == round_id)
        ).one()
    return int(count), latest

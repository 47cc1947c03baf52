"""Drafts: a half-filled survey kept server-side under a resume token.

Streamlit session state is lost on a page refresh or a dropped connection
(streamlit#10229, #8901), so the survey page saves answers as it goes and reloads them
from the token in the URL. Submitting deletes the draft.

Anyone with a round's link can write drafts, so they are bounded: a draft is
only what the survey itself writes for this round (`survey.draft_problems`:
answers on the scale, the round's teams and roles, nothing else) and at most
`MAX_DRAFT_CHARS`; a round keeps at most `policy.max_drafts` of them; and one
untouched for `policy.DRAFT_DAYS` is never loaded again and is deleted when the
next draft is created. Resume tokens are made by the server (`survey_state`): a
token from a URL is used only when a draft is stored under it.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine

from assessment import policy
from assessment.bank import LINE_BREAKS, control_characters
from assessment.errors import AssessmentError, InputError
from assessment.policy import MAX_DRAFT_CHARS
from assessment.store.rounds import now_utc, round_bank, round_row, token_problems
from assessment.store.schema import drafts, reading, writing
from assessment.survey import draft_problems

__all__ = ["load_draft", "save_draft"]

FULL = (
    "Your answers could not be saved for later: this round already keeps as many unfinished"
    " surveys as it may. Finish in this window (submitting works as usual), or try again later."
)


def save_draft(
    engine: Engine,
    token: str,
    resume_token: str,
    draft: dict[str, Any],
    *,
    now: datetime | None = None,
) -> None:
    """Keep a half-filled survey server-side, so a refresh or a lost connection loses nothing.

    Raises `InputError` for a draft the survey could not have written, and
    `AssessmentError` for a closed round or one that keeps `policy.max_drafts`
    drafts already (an existing draft may still be updated).
    """
    problems = token_problems("resume token", resume_token)
    try:
        data = json.dumps(draft, ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError, RecursionError) as exc:
        problems.append(f"draft: cannot be stored as JSON ({exc})")
        data = ""
    if not isinstance(draft, dict):
        problems.append("draft: must be a dictionary")
    elif data:
        problems += _text_problems(draft)
    if len(data) > MAX_DRAFT_CHARS:
        problems.append(f"draft: larger than {MAX_DRAFT_CHARS} characters")
    if problems:
        raise InputError(problems)
    now = now or now_utc()
    with writing(engine) as conn:
        row = round_row(conn, token)
        if not row.is_open:
            raise AssessmentError(f"This round is closed: '{row.name}' no longer accepts answers.")
        teams = json.loads(row.teams_json)
        problems = draft_problems(draft, round_bank(conn, row.id, token), teams)
        if problems:
            raise InputError(problems)
        key = {"round_id": row.id, "resume_token": resume_token}
        if not _exists(conn, key):
            _delete_expired(conn, now)
            if _count(conn, row.id) >= policy.max_drafts(len(teams)):
                raise AssessmentError(FULL)
        values = key | {"data_json": data, "updated_at": now}
        conn.execute(_upsert(conn, drafts, values, ["round_id", "resume_token"]))


def _cutoff(now: datetime) -> datetime:
    return now - timedelta(days=policy.DRAFT_DAYS)


def _exists(conn: Connection, key: dict[str, Any]) -> bool:
    query = sa.select(sa.literal(1)).where(
        drafts.c.round_id == key["round_id"], drafts.c.resume_token == key["resume_token"]
    )
    return conn.scalar(query) is not None


def _count(conn: Connection, round_id: int) -> int:
    return int(conn.scalar(sa.select(sa.func.count()).where(drafts.c.round_id == round_id)) or 0)


def _delete_expired(conn: Connection, now: datetime) -> None:
    """Every round's drafts untouched for `DRAFT_DAYS`; closed rounds' drafts go this way too."""
    conn.execute(drafts.delete().where(drafts.c.updated_at < _cutoff(now)))


def _text_problems(draft: dict[str, Any]) -> list[str]:
    """Text in a draft holding control characters other than line breaks and tabs.

    JSON would escape them, but a draft is restored into the survey: a comment
    with a NUL could then never be submitted. Refused at once, the survey page
    shows why while the respondent is still typing.
    """
    problems = []
    stack: list[tuple[str, Any]] = [(str(key), value) for key, value in draft.items()]
    while stack:
        where, value = stack.pop()
        if isinstance(value, dict):
            stack += [(f"{where}.{key}", item) for key, item in value.items()]
        elif isinstance(value, list):
            stack += [(f"{where}[{i}]", item) for i, item in enumerate(value)]
        texts = [value] if isinstance(value, str) else []
        texts += [str(key) for key in value] if isinstance(value, dict) else []
        found = ", ".join(filter(None, (control_characters(t, LINE_BREAKS) for t in texts)))
        if found:
            problems.append(
                f"{where}: holds an invisible control character ({found}); please remove it"
            )
    return sorted(problems)


def _upsert(
    conn: Connection, table: sa.Table, values: dict[str, Any], keys: list[str]
) -> sa.Executable:
    # Both dialects spell the upsert the same way, each from its own insert().
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(table).values(**values)
    changed = {name: stmt.excluded[name] for name in values if name not in keys}
    return stmt.on_conflict_do_update(index_elements=keys, set_=changed)


def load_draft(
    engine: Engine, token: str, resume_token: str, *, now: datetime | None = None
) -> dict[str, Any] | None:
    """The draft saved under `resume_token`, or None when there is none (submitted, expired)."""
    with reading(engine) as conn:
        round_id = round_row(conn, token).id
        data = conn.scalar(
            sa.select(drafts.c.data_json).where(
                drafts.c.round_id == round_id,
                drafts.c.resume_token == resume_token,
                drafts.c.updated_at >= _cutoff(now or now_utc()),
            )
        )
    return None if data is None else dict(json.loads(data))

"""Submitting a response: validated, idempotent, one transaction.

A submission is stored at most once per client token, because a double click
or a retried request must never count twice (several quick clicks can register
during one slow rerun: streamlit#8291).
The response, its answers, its comment and the deletion of the respondent's
draft commit together or not at all.

A round takes its answers from its link or from imports, never both
(`answers_source`): otherwise a leader could import a few answers they know into
a team of one and read the real person's answers as the shown counts less their
own. The source is derived from the stored responses, so it cannot drift: a web
response always carries the client token it was submitted with, an imported one
never does (`responses.client_token` is NULL exactly for imports), which the
unique index on (round_id, client_token) answers in one seek. On PostgreSQL a
submission holds a key-share lock on the round's row and an import an update
lock, so the two cannot interleave; SQLite writers take turns anyway.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping
from numbers import Integral
from typing import Literal

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from assessment.bank import LINE_BREAKS, NAME_CONTROLS, Bank, control_characters
from assessment.errors import AssessmentError, InputError
from assessment.policy import MAX_COMMENT_CHARS
from assessment.store.bulk import insert_answers
from assessment.store.rounds import (
    new_pk,
    not_found,
    now_utc,
    round_bank,
    round_row,
    token_problems,
)
from assessment.store.schema import (
    comments,
    drafts,
    project_gate_answers,
    reading,
    responses,
    rounds,
    writing,
)
from assessment.survey import NOT_APPLICABLE, NOT_APPLICABLE_CODE, StoredAnswer

__all__ = [
    "AnswersSource",
    "answers_source",
    "collects_online",
    "has_imports",
    "has_web_answers",
    "submit_response",
]

AnswersSource = Literal["link", "import", "both"]
"""Where a round's answers come from; "both" only in rounds stored before the rule."""


def _is_answer(value: object, points: int, dont_know: bool, not_applicable: bool) -> bool:
    if value is None:
        return dont_know  # "don't know" is an answer only where the scale offers it
    if value == NOT_APPLICABLE and type(value) is str:
        return not_applicable
    if type(value) is not int and (not isinstance(value, Integral) or isinstance(value, bool)):
        return False  # checked in this order: the ABC check is slow, and most values are int
    return 1 <= int(value) <= points


def _answer_problems(answers_: Mapping[str, StoredAnswer], bank: Bank) -> list[str]:
    known = set(bank.item_ids)
    scale = bank.scale
    points, dont_know, not_applicable = scale.points, scale.dont_know, scale.not_applicable
    others = [
        *(["None for don't know"] if dont_know else []),
        *([f"'{NOT_APPLICABLE}'"] if not_applicable else []),
    ]
    problems = []
    for item_id, value in answers_.items():
        if item_id not in known:
            problems.append(f"answers: unknown item '{item_id}'")
        elif not _is_answer(value, points, dont_know, not_applicable):
            problems.append(
                f"answers: item '{item_id}': {value!r} is not a whole number from 1 to {points}"
                + (f" (or {' or '.join(others)})" if others else "")
            )
    return problems


def _stored_value(value: StoredAnswer) -> int | None:
    """``answers.value``: the point, NULL for don't know, -1 for not applicable."""
    if value is None:
        return None
    return NOT_APPLICABLE_CODE if value == NOT_APPLICABLE else int(value)


def _submission_problems(
    teams: list[str],
    bank: Bank,
    team: str,
    role: str,
    answers_: Mapping[str, StoredAnswer],
    comment: str | None,
    works_in_projects: bool | None = None,
) -> list[str]:
    problems = []
    # Control characters first: a NUL would reach the database (PostgreSQL refuses it with
    # an error naming the statement) and a terminal escape would reach the CLI.
    for label, value in (("team", team), ("role", role)):
        found = control_characters(value, NAME_CONTROLS) if isinstance(value, str) else ""
        if found:
            problems.append(f"{label}: holds a control character ({found}); remove it")
    if team not in teams and not problems:
        problems.append(f"team: '{team}' is not one of this round's teams ({', '.join(teams)})")
    role_ids = [r.id for r in bank.roles]
    if role not in role_ids and not problems:
        problems.append(f"role: '{role}' is not one of {', '.join(role_ids)}")
    if not isinstance(answers_, Mapping):
        problems.append("answers: must map item ids to answers")
    else:
        problems += _answer_problems(answers_, bank)
    if works_in_projects is not None and (
        type(works_in_projects) is not bool or bank.project_gate is None
    ):
        problems.append(
            f"works_in_projects: {works_in_projects!r} is not an answer of this survey"
            " (True or False where the bank asks whether the team works in projects, else None)"
        )
    if comment is not None and not isinstance(comment, str):
        problems.append("comment: must be text")
    elif comment is not None and len(comment.strip()) > MAX_COMMENT_CHARS:
        problems.append(f"comment: longer than {MAX_COMMENT_CHARS} characters; please shorten it")
    elif comment is not None and control_characters(comment, LINE_BREAKS):
        problems.append(
            f"comment: holds an invisible control character"
            f" ({control_characters(comment, LINE_BREAKS)}); please remove it"
        )
    return problems


# Built once: a submission runs these thousands of times, and a statement object
# that is reused skips SQLAlchemy's per-call construction and cache-key work.
_EXISTING = sa.select(responses.c.response_id).where(
    responses.c.round_id == sa.bindparam("round_id"),
    responses.c.client_token == sa.bindparam("client_token"),
)
_DELETE_DRAFT = drafts.delete().where(
    drafts.c.round_id == sa.bindparam("draft_round_id"),
    drafts.c.resume_token == sa.bindparam("draft_resume_token"),
)
# The round's state and any response already stored under this client token, in one
# statement: a submission is a handful of statements and each costs a round trip. The
# key-share lock (PostgreSQL only; SQLite has none and needs none) waits for an import
# in progress, which holds an update lock on the row (`importing`).
_ROUND_STATE = (
    sa.select(
        rounds.c.id, rounds.c.name, rounds.c.is_open, rounds.c.teams_json, responses.c.response_id
    )
    .select_from(
        rounds.outerjoin(
            responses,
            sa.and_(
                responses.c.round_id == rounds.c.id,
                responses.c.client_token == sa.bindparam("client_token"),
            ),
        )
    )
    .where(rounds.c.token == sa.bindparam("token"))
    .with_for_update(read=True, key_share=True, of=rounds)
)
# Own statements, after the lock: in PostgreSQL's READ COMMITTED a statement sees what
# committed before it started, so one that waited for an import must not judge by it.
_IMPORTED = sa.select(
    sa.exists().where(
        responses.c.round_id == sa.bindparam("round_id"), responses.c.client_token.is_(None)
    )
)
_FROM_LINK = sa.select(
    sa.exists().where(
        responses.c.round_id == sa.bindparam("round_id"), responses.c.client_token.is_not(None)
    )
)
_INSERT_RESPONSE = responses.insert()
_INSERT_COMMENT = comments.insert()
_INSERT_GATE = project_gate_answers.insert()

NOT_ONLINE = (
    "This round is not collecting answers online: its answers are brought in from"
    " another survey or from paper forms. Ask the person who shared the link how to take part."
)


def has_imports(conn: Connection, round_id: int) -> bool:
    """Whether the round holds an imported response (one without a client token)."""
    return bool(conn.scalar(_IMPORTED, {"round_id": round_id}))


def has_web_answers(conn: Connection, round_id: int) -> bool:
    """Whether the round holds a response submitted through its link."""
    return bool(conn.scalar(_FROM_LINK, {"round_id": round_id}))


def answers_source(engine: Engine, token: str) -> AnswersSource | None:
    """Where the round's answers come from: its link, imports, or None while it has none.

    Whichever comes first decides, for the round's whole life: a round with
    answers from its link refuses imports, and one with imports refuses
    answers through its link. A round stored before this rule may hold both
    ("both"), and then takes neither.
    """
    with reading(engine) as conn:
        round_id = round_row(conn, token).id
        web, imported = has_web_answers(conn, round_id), has_imports(conn, round_id)
    return "both" if web and imported else "link" if web else "import" if imported else None


def collects_online(engine: Engine, token: str) -> bool:
    """Whether the round's link may take answers (open or not): none of them imported."""
    return answers_source(engine, token) in (None, "link")


def _existing_response(conn: Connection, round_id: int, client_token: str) -> str | None:
    return conn.scalar(_EXISTING, {"round_id": round_id, "client_token": client_token})


def submit_response(
    engine: Engine,
    token: str,
    *,
    team: str,
    role: str,
    answers: Mapping[str, StoredAnswer],
    comment: str | None,
    client_token: str,
    resume_token: str | None = None,
    works_in_projects: bool | None = None,
) -> str:
    """Store one response with its answers and comment; return its response id.

    Idempotent: a second submit with the same `client_token` (a double click,
    a retried request, a race between two threads) returns the first one's id
    and stores nothing. The draft under `resume_token` (default: the client
    token) is deleted in the same transaction. `answers` maps item ids to
    ``1..points``, None ("don't know") or `survey.NOT_APPLICABLE` where the
    scale offers it; items left out count as skipped. `works_in_projects` is
    the answer to the bank's routing question (None: not asked).
    """
    problems = token_problems("client token", client_token)
    if resume_token is not None:
        problems += token_problems("resume token", resume_token)
    if problems:
        raise InputError(problems)
    try:
        with writing(engine) as conn:
            return _submit(
                conn,
                token,
                team,
                role,
                answers,
                comment,
                client_token,
                resume_token,
                works_in_projects,
            )
    except IntegrityError:
        # Another transaction stored this client token first (PostgreSQL race).
        with reading(engine) as conn:
            existing = _existing_response(conn, round_row(conn, token).id, client_token)
        if existing is None:
            raise
        return existing


def _submit(
    conn: Connection,
    token: str,
    team: str,
    role: str,
    answers_: Mapping[str, StoredAnswer],
    comment: str | None,
    client_token: str,
    resume_token: str | None,
    works_in_projects: bool | None,
) -> str:
    row = conn.execute(_ROUND_STATE, {"token": token, "client_token": client_token}).first()
    if row is None:
        raise not_found(token)
    if row.response_id is not None:
        return str(row.response_id)
    if not row.is_open:
        raise AssessmentError(
            f"This round is closed: '{row.name}' no longer accepts responses."
            " Ask the person who shared the link whether a new round is open."
        )
    if has_imports(conn, row.id):
        raise AssessmentError(NOT_ONLINE)
    bank = round_bank(conn, row.id, token)
    problems = _submission_problems(
        json.loads(row.teams_json), bank, team, role, answers_, comment, works_in_projects
    )
    if problems:
        raise InputError(problems)
    response_id = secrets.token_hex(16)
    pk = new_pk(
        conn.execute(
            _INSERT_RESPONSE,
            {
                "response_id": response_id,
                "round_id": row.id,
                "team": team,
                "role": role,
                "submitted_at": now_utc(),
                "source": "web",
                "client_token": client_token,
            },
        )
    )
    if answers_:
        position = {item_id: pos for pos, item_id in enumerate(bank.item_ids)}
        rows = [(pk, position[item], _stored_value(v)) for item, v in answers_.items()]
        insert_answers(conn, rows)
    if works_in_projects is not None:
        conn.execute(_INSERT_GATE, {"response_pk": pk, "works_in_projects": works_in_projects})
    text = comment.strip() if comment else ""
    if text:
        note = {"id": secrets.token_hex(16), "round_id": row.id, "team": team, "role": role}
        conn.execute(_INSERT_COMMENT, note | {"comment": text})
    draft = {"draft_round_id": row.id, "draft_resume_token": resume_token or client_token}
    conn.execute(_DELETE_DRAFT, draft)
    return response_id

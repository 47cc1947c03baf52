"""Rounds: open, read, list, close, reopen; and the helpers every store module shares.

A round keeps the bank it was opened with as a JSON snapshot; `Round.bank` is
rebuilt from it, so editing a YAML file never changes an old round's results.
"""

from __future__ import annotations

import json
import secrets
import threading
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from numbers import Integral
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, CursorResult, Engine, Row

from assessment.bank import Bank, bank_from_dict, control_characters, escape_character
from assessment.errors import InputError, NotFoundError
from assessment.policy import (
    DRAFT_DAYS,
    MAX_NAME_CHARS,
    MAX_TEAM_HEADCOUNT,
    MAX_TOKEN_CHARS,
    min_group_size_problem,
)
from assessment.round import Round
from assessment.store.schema import (
    drafts,
    reading,
    round_items,
    rounds,
    team_headcounts,
    writing,
)

__all__ = [
    "Round",
    "close_round",
    "get_round",
    "list_rounds",
    "new_pk",
    "not_found",
    "now_utc",
    "open_drafts",
    "open_round",
    "reopen_round",
    "round_bank",
    "round_row",
    "team_headcounts_of",
]


def now_utc() -> datetime:
    """Now, in UTC, to the second: exports show seconds, and finer times only help linking."""
    return datetime.now(UTC).replace(microsecond=0)


@lru_cache(maxsize=64)
def _bank_from_json(text: str, token: str) -> Bank:
    # Snapshots never change, so parsing each one once per process is enough.
    return bank_from_dict(json.loads(text), source=f"round {token}")


def round_from_row(row: Row[Any]) -> Round:
    return Round(
        token=row.token,
        name=row.name,
        teams=tuple(json.loads(row.teams_json)),
        min_group_size=row.min_group_size,
        is_open=bool(row.is_open),
        bank=_bank_from_json(row.bank_json, row.token),
        created_at=row.created_at,
        closed_at=row.closed_at,
    )


_BY_TOKEN = sa.select(rounds).where(rounds.c.token == sa.bindparam("token"))
_BANK_BY_ID = sa.select(rounds.c.bank_json).where(rounds.c.id == sa.bindparam("round_id"))
_banks: dict[str, Bank] = {}
_banks_lock = threading.Lock()
_BANKS_KEPT = 256


def round_bank(conn: Connection, round_id: int, token: str) -> Bank:
    """The round's bank snapshot, read and parsed once per process.

    A snapshot never changes, so the hot path (a submission) need not fetch
    and hash tens of kilobytes of JSON each time.
    """
    bank = _banks.get(token)
    if bank is None:
        bank = _bank_from_json(conn.scalar(_BANK_BY_ID, {"round_id": round_id}), token)
        with _banks_lock:
            if len(_banks) >= _BANKS_KEPT:
                _banks.pop(next(iter(_banks)))
            _banks[token] = bank
    return bank


def new_round_token() -> str:
    """An unguessable URL-safe token (128 bits) that never starts with "-".

    A leading dash would make `assessment export --round TOKEN` read the token
    as an option.
    """
    while True:
        token = secrets.token_urlsafe(16)
        if not token.startswith("-"):
            return token


def not_found(token: str) -> NotFoundError:
    return NotFoundError(f"No round with token '{token}'; check the link or run `round list`.")


def round_row(conn: Connection, token: str) -> Row[Any]:
    """The round's row, or `NotFoundError` naming the token."""
    row = conn.execute(_BY_TOKEN, {"token": token}).first()
    if row is None:
        raise not_found(token)
    return row


def _text_problems(label: str, value: object) -> list[str]:
    """Why a round or team name cannot be stored; it is checked as stored, i.e. stripped.

    A name is shown on every page, in every file and on the CLI, and a team name
    is what respondents pick, so it holds only characters a person can see:
    no control characters (a NUL, a terminal escape, a tab) and nothing else
    `str.isprintable` refuses (zero-width and direction marks that make two
    names look alike or reorder the text, a no-break space). Markdown
    characters are fine ("R&D", "Team #1"): every page shows names as plain
    text (`ui.common.md_text`).
    """
    if not isinstance(value, str) or not value.strip():
        return [f"{label}: must not be empty"]
    text = value.strip()
    if len(text) > MAX_NAME_CHARS:
        return [f"{label}: longer than {MAX_NAME_CHARS} characters"]
    controls = control_characters(text)
    if controls:
        return [f"{label}: holds a control character ({controls}); remove it"]
    hidden = sorted({char for char in text if not char.isprintable()})
    if hidden:
        shown = ", ".join(escape_character(char) for char in hidden)
        return [
            f"{label}: holds a character that does not show or looks like another ({shown});"
            " retype the name"
        ]
    return []


def _round_problems(name: str, teams: Sequence[str], min_group_size: object) -> list[str]:
    problems = _text_problems("round name", name)
    if isinstance(teams, str) or not teams:
        problems.append("teams: give at least one team")
        teams = []
    seen: set[str] = set()
    for position, team in enumerate(teams, start=1):
        problems += _text_problems(f"team #{position}", team)
        key = team.strip().casefold() if isinstance(team, str) else ""
        if key and key in seen:
            problems.append(f"team #{position}: '{team.strip()}' is listed twice")
        seen.add(key)
    size_problem = min_group_size_problem(min_group_size)
    if size_problem:
        problems.append(f"minimum group size: {size_problem}")
    return problems


def _headcount_problems(teams: Sequence[str], headcounts: Mapping[str, object]) -> list[str]:
    """Why an expected headcount cannot be stored: it names a listed team, and is 1 or more."""
    listed = {team.strip() for team in teams if isinstance(team, str)}
    problems = []
    for team, headcount in headcounts.items():
        label = f"expected headcount of '{team}'"
        if team.strip() not in listed:
            problems.append(f"{label}: no such team in this round; list the team first")
        elif (
            not isinstance(headcount, Integral)
            or isinstance(headcount, bool)
            or not 1 <= int(headcount) <= MAX_TEAM_HEADCOUNT
        ):
            problems.append(
                f"{label}: must be a whole number from 1 to {MAX_TEAM_HEADCOUNT}"
                f" (got {headcount!r}); leave it out when you do not know it"
            )
    return problems


def open_round(
    engine: Engine,
    name: str,
    teams: Sequence[str],
    bank: Bank,
    min_group_size: int | None = None,
    headcounts: Mapping[str, int] | None = None,
) -> Round:
    """Open a round with an unguessable token and a snapshot of `bank`.

    `min_group_size` defaults to the bank's and is fixed for the round's life,
    so respondents are promised one anonymity threshold. `headcounts` is how
    many people the leader expects per team, for any of its teams (optional):
    the Rounds page turns it into response rates. Raises `InputError` listing
    every problem with the name, the teams, the size or a headcount.
    """
    size = bank.min_group_size if min_group_size is None else min_group_size
    headcounts = dict(headcounts or {})
    problems = _round_problems(name, teams, size) + _headcount_problems(teams, headcounts)
    if problems:
        raise InputError(problems)
    token = new_round_token()
    values = {
        "token": token,
        "name": name.strip(),
        "teams_json": json.dumps([team.strip() for team in teams], ensure_ascii=False),
        "min_group_size": int(size),
        "is_open": True,
        "bank_id": bank.id,
        "bank_version": bank.version,
        "bank_json": json.dumps(bank.model_dump(mode="json"), ensure_ascii=False),
        "created_at": now_utc(),
        "closed_at": None,
    }
    with writing(engine) as conn:
        round_id = new_pk(conn.execute(rounds.insert().values(**values)))
        conn.execute(
            round_items.insert(),
            [
                {"round_id": round_id, "item_pos": pos, "item_id": item_id}
                for pos, item_id in enumerate(bank.item_ids)
            ],
        )
        if headcounts:
            conn.execute(
                team_headcounts.insert(),
                [
                    {"round_id": round_id, "team": team.strip(), "headcount": int(headcount)}
                    for team, headcount in headcounts.items()
                ],
            )
        return round_from_row(round_row(conn, token))


def new_pk(result: CursorResult[Any]) -> int:
    key = result.inserted_primary_key
    if key is None:  # every insert here has an integer key; this would be a schema bug
        raise RuntimeError("the database returned no primary key for the new row")
    return int(key[0])


def get_round(engine: Engine, token: str) -> Round:
    """The round with this token; `NotFoundError` when there is none."""
    with reading(engine) as conn:
        return round_from_row(round_row(conn, token))


def list_rounds(engine: Engine) -> list[Round]:
    """Every round, newest first."""
    query = sa.select(rounds).order_by(rounds.c.created_at.desc(), rounds.c.id.desc())
    with reading(engine) as conn:
        return [round_from_row(row) for row in conn.execute(query)]


def team_headcounts_of(engine: Engine, token: str) -> dict[str, int]:
    """The expected headcount of each team that has one, as given when the round opened."""
    query = (
        sa.select(team_headcounts.c.team, team_headcounts.c.headcount)
        .join(rounds, rounds.c.id == team_headcounts.c.round_id)
        .where(rounds.c.token == token)
    )
    with reading(engine) as conn:
        round_row(conn, token)
        return {str(team): int(headcount) for team, headcount in conn.execute(query)}


def open_drafts(engine: Engine, token: str) -> int:
    """How many surveys of the round are started and not submitted (drafts still kept).

    Closing a round loses them, so the Rounds page asks before it closes. A
    draft untouched for `DRAFT_DAYS` no longer counts: it is never loaded again.
    """
    cutoff = now_utc() - timedelta(days=DRAFT_DAYS)
    with reading(engine) as conn:
        row = round_row(conn, token)
        query = sa.select(sa.func.count()).where(
            drafts.c.round_id == row.id, drafts.c.updated_at >= cutoff
        )
        return int(conn.scalar(query) or 0)


def _set_open(engine: Engine, token: str, is_open: bool) -> Round:
    with writing(engine) as conn:
        row = round_row(conn, token)
        if bool(row.is_open) != is_open:
            closed_at = None if is_open else now_utc()
            conn.execute(
                rounds.update()
                .where(rounds.c.id == row.id)
                .values(is_open=is_open, closed_at=closed_at)
            )
        return round_from_row(round_row(conn, token))


def close_round(engine: Engine, token: str) -> Round:
    """Stop accepting responses; closing a closed round changes nothing."""
    return _set_open(engine, token, False)


def reopen_round(engine: Engine, token: str) -> Round:
    """Accept responses again (e.g. a round closed by mistake)."""
    return _set_open(engine, token, True)


def token_problems(label: str, value: object) -> list[str]:
    if not isinstance(value, str) or not value or len(value) > MAX_TOKEN_CHARS:
        return [f"{label}: must be a string of 1 to {MAX_TOKEN_CHARS} characters"]
    return []

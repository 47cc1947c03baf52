"""Leader sign-ins that outlive a reload: one server-side record per signed-in browser.

A sign-in creates a random token of 256 bits. The browser keeps the token in
an HttpOnly cookie; the database keeps only its SHA-256 (`token_hash`), with
when the record was made, when it expires and when it was revoked. Every run
of a leader page hashes the cookie it was sent and looks the record up
(`is_active`), so signing out (`revoke`) ends that sign-in in every tab at
once, a passcode reset (`revoke_all`) ends them all, and a database dump
gives no usable cookie away. A plain hash suffices (no salt, no slow hash):
the token is random, so there is no dictionary to try.

Times are aware UTC datetimes; callers may pass `now` so tests need no clock.
Expired and revoked records are deleted when a new one is made, a day after
they stopped counting, which keeps the table to the sign-ins of about a day.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from assessment.store.schema import leader_sessions, reading, writing

__all__ = ["TOKEN_BYTES", "create", "is_active", "revoke", "revoke_all", "token_hash"]

TOKEN_BYTES = 32
_KEEP_AFTER_END = timedelta(days=1)  # how long an ended record stays, for whoever reads the table


def token_hash(token: str) -> str:
    """The SHA-256 of a session token, as 64 hex digits: all the database ever holds."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _now(now: datetime | None) -> datetime:
    return now if now is not None else datetime.now(UTC)


def create(engine: sa.Engine, lifetime: timedelta, *, now: datetime | None = None) -> str:
    """Record a new sign-in valid for `lifetime` and return its token (for the cookie only)."""
    if lifetime <= timedelta(0):
        raise ValueError("a leader session needs a positive lifetime")
    now = _now(now)
    token = secrets.token_urlsafe(TOKEN_BYTES)
    with writing(engine) as conn:
        conn.execute(
            leader_sessions.delete().where(
                sa.or_(
                    leader_sessions.c.expires_at < now - _KEEP_AFTER_END,
                    leader_sessions.c.revoked_at < now - _KEEP_AFTER_END,
                )
            )
        )
        conn.execute(
            leader_sessions.insert().values(
                token_hash=token_hash(token), created_at=now, expires_at=now + lifetime
            )
        )
    return token


def is_active(engine: sa.Engine, token: str | None, *, now: datetime | None = None) -> bool:
    """True when `token` belongs to a sign-in that has neither expired nor been revoked."""
    if not token or len(token) > 200:  # no real token is that long; no need to hash junk
        return False
    now = _now(now)
    with reading(engine) as conn:
        found = conn.scalar(
            sa.select(sa.literal(1)).where(
                leader_sessions.c.token_hash == token_hash(token),
                leader_sessions.c.revoked_at.is_(None),
                leader_sessions.c.expires_at > now,
            )
        )
    return found is not None


def revoke(engine: sa.Engine, token: str | None, *, now: datetime | None = None) -> bool:
    """End one sign-in (signing out); True when a live record was ended."""
    if not token:
        return False
    with writing(engine) as conn:
        ended = conn.execute(
            leader_sessions.update()
            .where(
                leader_sessions.c.token_hash == token_hash(token),
                leader_sessions.c.revoked_at.is_(None),
            )
            .values(revoked_at=_now(now))
        ).rowcount
    return bool(ended)


def revoke_all(engine: sa.Engine, *, now: datetime | None = None) -> int:
    """End every sign-in (a passcode reset); returns how many were still live."""
    now = _now(now)
    with writing(engine) as conn:
        return int(
            conn.execute(
                leader_sessions.update()
                .where(leader_sessions.c.revoked_at.is_(None), leader_sessions.c.expires_at > now)
                .values(revoked_at=now)
            ).rowcount
        )

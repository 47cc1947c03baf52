"""Leader access, without Streamlit: passcode hashes, the first-start passcode, back-off, e-mails.

Role Radar has one leader credential, like Jupyter's token: either the
operator chooses it (``ASSESSMENT_LEADER_PASSWORD``), or the first start
creates a random passcode, stores only its salted scrypt hash in the database
(table ``leader_credentials`` of the recorded schema) and prints the passcode once to the terminal.
Passcodes are compared as scrypt hashes with `hmac.compare_digest`, so neither
a database dump nor the timing of a wrong guess gives the passcode away.

Wrong guesses are slowed down per browser session (`Backoff`): the first
mistake is free (typos happen), then the wait doubles up to 30 s. The scrypt
cost (tens of milliseconds a guess) slows down scripted guessing across
sessions too.

Optionally, leaders sign in with OpenID Connect (``st.login``); who counts as
a leader is then an allow-list of e-mail addresses (`email_allowed`).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import importlib.util
import math
import secrets
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from assessment.errors import AssessmentError
from assessment.store.schema import init_db, leader_credentials

__all__ = [
    "MAX_DELAY_S",
    "Backoff",
    "LeaderCredential",
    "authlib_installed",
    "clock",
    "email_allowed",
    "ensure_passcode",
    "generate_passcode",
    "hash_passcode",
    "init_auth",
    "leader_credential",
    "leader_credentials",
    "parse_emails",
    "passcode_banner",
    "reset_passcode",
    "stored_hash",
    "verify_passcode",
]

# scrypt work factors: n=2**14, r=8 needs 16 MiB and ~50 ms a hash (OWASP's minimum is n=2**17
# for stored passwords of many users; one leader passcode of 16+ random characters needs less).
_SCHEME = "scrypt"
_N, _R, _P = 2**14, 8, 1
_SALT_BYTES, _KEY_BYTES = 16, 32
_MAXMEM = 64 * 1024 * 1024
MAX_DELAY_S = 30
_CREDENTIAL_ID = 1  # one leader credential per installation


# -- hashing -----------------------------------------------------------------------------------


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _scrypt(passcode: str, salt: bytes, n: int, r: int, p: int, length: int) -> bytes:
    return hashlib.scrypt(
        passcode.encode("utf-8"), salt=salt, n=n, r=r, p=p, maxmem=_MAXMEM, dklen=length
    )


def hash_passcode(passcode: str, *, salt: bytes | None = None) -> str:
    """Hash a passcode as ``scrypt$n=…,r=…,p=…$<salt>$<hash>`` (salt and parameters travel along).

    Keeping the parameters in the string lets a later version raise the cost
    without invalidating hashes already stored.
    """
    if not passcode:
        raise AssessmentError("the leader passcode must not be empty")
    salt = salt if salt is not None else secrets.token_bytes(_SALT_BYTES)
    digest = _scrypt(passcode, salt, _N, _R, _P, _KEY_BYTES)
    return f"{_SCHEME}$n={_N},r={_R},p={_P}${_b64(salt)}${_b64(digest)}"


def _parse_hash(encoded: str) -> tuple[bytes, bytes, dict[str, int]]:
    try:
        scheme, params_text, salt_text, digest_text = encoded.split("$")
        params = {k: int(v) for k, v in (part.split("=") for part in params_text.split(","))}
        if scheme != _SCHEME or set(params) != {"n", "r", "p"}:
            raise ValueError(scheme)
        return _unb64(salt_text), _unb64(digest_text), params
    except ValueError:
        raise AssessmentError(
            "the stored leader passcode hash is not in the scrypt$n=…,r=…,p=…$salt$hash form;"
            " reset it with: assessment leader reset-passcode"
        ) from None


def verify_passcode(passcode: str, encoded: str) -> bool:
    """True when `passcode` hashes to `encoded`; compares the digests in constant time."""
    salt, expected, params = _parse_hash(encoded)
    actual = _scrypt(passcode, salt, params["n"], params["r"], params["p"], len(expected))
    return hmac.compare_digest(actual, expected)


def generate_passcode() -> str:
    """A random passcode of 16 URL-safe characters (96 bits): easy to paste, hopeless to guess."""
    return secrets.token_urlsafe(12)


# -- the stored credential -----------------------------------------------------------------------


def init_auth(engine: sa.Engine) -> None:
    """Bring the schema, which holds ``leader_credentials``, up to date; safe at every start."""
    init_db(engine)


def stored_hash(engine: sa.Engine) -> str | None:
    """The stored passcode hash, or None when the first start has not created one yet."""
    with engine.connect() as conn:
        return conn.scalar(
            sa.select(leader_credentials.c.passcode_hash).where(
                leader_credentials.c.id == _CREDENTIAL_ID
            )
        )


def _now_text() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def ensure_passcode(engine: sa.Engine, env_password: str | None = None) -> str | None:
    """Create the first-start passcode; return it, or None when a credential already exists.

    A chosen password (``ASSESSMENT_LEADER_PASSWORD``) always wins, so nothing
    is created then. Two processes starting at once cannot both create one:
    the second insert violates the primary key and that process returns None.
    """
    init_auth(engine)
    if env_password or stored_hash(engine) is not None:
        return None
    passcode = generate_passcode()
    row = {"passcode_hash": hash_passcode(passcode), "created_at": _now_text()}
    try:
        with engine.begin() as conn:
            conn.execute(leader_credentials.insert().values(id=_CREDENTIAL_ID, **row))
    except IntegrityError:
        return None
    return passcode


def reset_passcode(engine: sa.Engine, passcode: str | None = None) -> str:
    """Replace the stored passcode (random unless given) and return it.

    Sessions already signed in stay signed in until they sign out or close the tab.
    """
    init_auth(engine)
    passcode = passcode or generate_passcode()
    row = {"passcode_hash": hash_passcode(passcode), "created_at": _now_text()}
    with engine.begin() as conn:
        done = conn.execute(
            leader_credentials.update()
            .where(leader_credentials.c.id == _CREDENTIAL_ID)
            .values(**row)
        ).rowcount
        if not done:
            conn.execute(leader_credentials.insert().values(id=_CREDENTIAL_ID, **row))
    return passcode


def passcode_banner(passcode: str | None, *, env_password: bool) -> str:
    """The start-up terminal message: the new passcode once, else where the credential lives."""
    if passcode:
        line = "=" * 72
        return (
            f"\n{line}\n  Role Radar leader passcode: {passcode}\n"
            "  Shown once: only its hash is stored. Set ASSESSMENT_LEADER_PASSWORD to choose\n"
            f"  your own, or run `assessment leader reset-passcode` for a new one.\n{line}\n"
        )
    if env_password:
        return "Role Radar: leaders sign in with ASSESSMENT_LEADER_PASSWORD."
    return (
        "Role Radar: a leader passcode exists (stored as a hash). Lost it? Run"
        " `assessment leader reset-passcode`, or set ASSESSMENT_LEADER_PASSWORD."
    )


@dataclass(frozen=True)
class LeaderCredential:
    """The hash to check passcodes against, and where it came from ("environment" | "database")."""

    passcode_hash: str
    source: str

    def accepts(self, passcode: str) -> bool:
        return bool(passcode) and verify_passcode(passcode, self.passcode_hash)


def leader_credential(
    engine: sa.Engine, env_password: str | None = None, env_hash: str | None = None
) -> LeaderCredential | None:
    """The credential in force: the chosen password (as `env_hash`, hashed once) or the stored one.

    `env_hash` lets a caller hash the chosen password once per process instead
    of at every sign-in; it is computed here when only `env_password` is given.
    A chosen password may itself be a ``scrypt$…`` hash, so secrets files need
    not hold the plain text.
    """
    if env_password:
        if env_password.startswith(f"{_SCHEME}$"):
            try:
                _parse_hash(env_password)
            except AssessmentError:
                raise AssessmentError(
                    "ASSESSMENT_LEADER_PASSWORD starts like a scrypt hash but is not one;"
                    " make one with `assessment leader hash-passcode`"
                ) from None
            return LeaderCredential(env_password, "environment")
        return LeaderCredential(env_hash or hash_passcode(env_password), "environment")
    stored = stored_hash(engine)
    return LeaderCredential(stored, "database") if stored else None


# -- back-off ------------------------------------------------------------------------------------


def clock() -> float:
    """Seconds on a monotonic clock; the one place pages read time, so tests can replace it."""
    return time.monotonic()


@dataclass(frozen=True)
class Backoff:
    """Wrong passcode attempts of one browser session; immutable, so a page just stores the latest.

    The first wrong attempt costs nothing; from the second on, the session
    waits ``min(2 ** (failures - 1), 30)`` seconds before the next attempt counts.
    """

    failures: int = 0
    locked_until: float = 0.0

    @staticmethod
    def delay(failures: int) -> int:
        if failures < 2:
            return 0
        return min(2 ** (failures - 1), MAX_DELAY_S)

    def failed(self, now: float) -> Backoff:
        failures = self.failures + 1
        return Backoff(failures, now + self.delay(failures))

    def wait_seconds(self, now: float) -> int:
        """Whole seconds still to wait (0 when an attempt may be made now)."""
        return max(0, math.ceil(self.locked_until - now))

    def is_locked(self, now: float) -> bool:
        return self.wait_seconds(now) > 0


# -- OpenID Connect ------------------------------------------------------------------------------


def parse_emails(text: str | Iterable[str] | None) -> frozenset[str]:
    """Leader e-mails from ``a@x.org, b@x.org`` (or a list); trimmed and lower-cased."""
    if text is None:
        return frozenset()
    parts = text.split(",") if isinstance(text, str) else list(text)
    emails = {part.strip().lower() for part in parts if part.strip()}
    bad = sorted(email for email in emails if email.count("@") != 1 or " " in email)
    if bad:
        raise AssessmentError(
            f"ASSESSMENT_LEADER_EMAILS: '{email}' is not an e-mail address" for email in bad
        )
    return frozenset(emails)


def email_allowed(email: str | None, allowed: Iterable[str]) -> bool:
    """True when a signed-in e-mail is on the leader list; an empty list allows nobody."""
    if not email:
        return False
    return email.strip().lower() in {a.strip().lower() for a in allowed}


def authlib_installed() -> bool:
    """`st.login` needs Authlib (``pip install 'streamlit[auth]'``)."""
    return importlib.util.find_spec("authlib") is not None

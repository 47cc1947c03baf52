"""Leader access, without Streamlit: passcode hashes, the first-start passcode, sign-in, e-mails.

Role Radar has one leader credential, like Jupyter's token: either the
operator chooses it (``ASSESSMENT_LEADER_PASSWORD``, at least 12 characters),
or the first start creates a random passcode, stores only its salted scrypt
hash in the database (table ``leader_credentials`` of the recorded schema) and
prints the passcode once to the terminal. Passcodes are compared as scrypt
hashes with `hmac.compare_digest`, so neither a database dump nor the timing
of a wrong guess gives the passcode away.

`sign_in` is what the sign-in route does with a typed passcode: refuse it
while its client must wait (`limits.SIGN_IN`: per address and for the whole
process), check it, log a wrong one (never the guess), and for a
right one create a leader session (`store.sessions`), whose token goes into
the browser's cookie. A passcode reset ends every session.

Optionally, leaders sign in with OpenID Connect (``st.login``); who counts as
a leader is then an allow-list of e-mail addresses (`email_allowed`), and
only for an identity provider that says the address is verified.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import importlib.util
import logging
import math
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from assessment.errors import AssessmentError
from assessment.service import limits
from assessment.store import sessions
from assessment.store.schema import init_db, leader_credentials

__all__ = [
    "LeaderCredential",
    "SignIn",
    "authlib_installed",
    "email_allowed",
    "ensure_passcode",
    "generate_passcode",
    "hash_passcode",
    "init_auth",
    "leader_credential",
    "leader_credentials",
    "oidc_leader_email",
    "parse_emails",
    "passcode_banner",
    "reset_passcode",
    "sign_in",
    "stored_hash",
    "verify_passcode",
]

log = logging.getLogger("assessment.auth")

# scrypt work factors: n=2**14, r=8 needs 16 MiB and ~50 ms a hash (OWASP's minimum is n=2**17
# for stored passwords of many users; one leader passcode of 16+ random characters needs less).
_SCHEME = "scrypt"
_N, _R, _P = 2**14, 8, 1
_SALT_BYTES, _KEY_BYTES = 16, 32
_MAXMEM = 64 * 1024 * 1024
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
    """Replace the stored passcode (random unless given), end every leader session, return it.

    Whoever knew the old passcode may have signed in with it: after a reset
    every browser signs in again with the new one.
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
    sessions.revoke_all(engine)
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


# -- signing in ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SignIn:
    """The outcome of one passcode attempt: a session token, or why not and how long to wait."""

    token: str | None = None
    problem: str | None = None  # "wrong" | "wait" | "missing"
    wait_seconds: int = 0


def sign_in(
    engine: sa.Engine,
    credential: LeaderCredential | None,
    passcode: str,
    client: str,
    *,
    lifetime: timedelta,
    now: float,
    limiter: limits.SignInLimiter | None = None,
) -> SignIn:
    """Check one passcode from `client` (an address key); a right one starts a leader session.

    Every attempt spends from the limiter first; one refused there is not
    hashed at all, so it costs the server nothing and teaches the guesser
    nothing. `now` is the limiter's monotonic clock.
    """
    limiter = limiter or limits.SIGN_IN  # read at each call: tests swap in a fresh one
    wait = limiter.attempt(client, now)
    if wait > 0:
        log.warning("leader sign-in refused for %s: too many wrong passcodes", client)
        return SignIn(problem="wait", wait_seconds=math.ceil(wait))
    if credential is None:
        return SignIn(problem="missing")
    if not credential.accepts(passcode):
        log.warning("leader sign-in failed for %s: wrong passcode", client)
        return SignIn(problem="wrong", wait_seconds=math.ceil(limiter.wait(client, now)))
    limiter.succeeded(client, now)
    log.info("leader signed in from %s", client)
    return SignIn(token=sessions.create(engine, lifetime))


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


def oidc_leader_email(user: Mapping[str, object], allowed: Iterable[str]) -> str | None:
    """The e-mail of a signed-in OIDC user who is a leader, else None.

    Only an address the identity provider marks verified (``email_verified``
    true) counts: some providers let anyone type any address into a profile.
    """
    email = user.get("email")
    if not user.get("is_logged_in") or user.get("email_verified") is not True:
        return None
    return str(email) if isinstance(email, str) and email_allowed(email, allowed) else None


def authlib_installed() -> bool:
    """`st.login` needs Authlib (``pip install 'streamlit[auth]'``)."""
    return importlib.util.find_spec("authlib") is not None

"""Leader access without Streamlit: hashes, the first-start passcode, sessions, limits, e-mails."""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from assessment.errors import AssessmentError
from assessment.service import auth, limits
from assessment.settings import load_settings
from assessment.store import sessions
from assessment.store.schema import leader_sessions, make_engine


@pytest.fixture
def auth_engine(tmp_path: Path) -> Iterator[sa.Engine]:
    """A fresh SQLite file with nothing in it: the state of a first start."""
    engine = make_engine(f"sqlite:///{tmp_path / 'auth.db'}")
    yield engine
    engine.dispose()


# -- hashing -------------------------------------------------------------------------------------


def test_hash_passcode_round_trip() -> None:
    encoded = auth.hash_passcode("opal-kettle-42")
    assert auth.verify_passcode("opal-kettle-42", encoded)


@pytest.mark.parametrize(
    "attempt", ["opal-kettle-43", "OPAL-KETTLE-42", "opal-kettle-42 ", "", "opal-kettle-4"]
)
def test_verify_passcode_wrong_passcode_fails(attempt: str) -> None:
    assert not auth.verify_passcode(attempt, auth.hash_passcode("opal-kettle-42"))


def test_hash_passcode_stores_salt_and_parameters_not_the_passcode() -> None:
    passcode = auth.generate_passcode()
    encoded = auth.hash_passcode(passcode)
    scheme, params, salt, digest = encoded.split("$")
    assert (scheme, params) == ("scrypt", "n=16384,r=8,p=1")
    assert salt and digest
    assert encoded != passcode
    # No piece of the passcode (6+ characters) appears in what is stored.
    pieces = {passcode[i : i + 6] for i in range(len(passcode) - 5)}
    assert not any(piece in encoded for piece in pieces)


def test_hash_passcode_salts_every_hash() -> None:
    assert auth.hash_passcode("same") != auth.hash_passcode("same")


def test_hash_passcode_same_salt_same_hash() -> None:
    salt = bytes(16)
    assert auth.hash_passcode("same", salt=salt) == auth.hash_passcode("same", salt=salt)


def test_hash_passcode_empty_is_refused() -> None:
    with pytest.raises(AssessmentError, match="must not be empty"):
        auth.hash_passcode("")


@pytest.mark.parametrize(
    "encoded", ["", "plain-text", "bcrypt$n=1,r=1,p=1$AA$AA", "scrypt$n=x$AA$AA", "scrypt$$$"]
)
def test_verify_passcode_malformed_hash_names_the_fix(encoded: str) -> None:
    with pytest.raises(AssessmentError, match="reset-passcode"):
        auth.verify_passcode("anything", encoded)


def test_generate_passcode_is_long_and_random() -> None:
    codes = {auth.generate_passcode() for _ in range(50)}
    assert len(codes) == 50
    assert all(len(code) >= 16 for code in codes)


# -- the first-start passcode --------------------------------------------------------------------


def test_ensure_passcode_first_start_creates_one_that_signs_in(auth_engine: sa.Engine) -> None:
    passcode = auth.ensure_passcode(auth_engine)
    assert passcode
    credential = auth.leader_credential(auth_engine)
    assert credential is not None and credential.source == "database"
    assert credential.accepts(passcode)
    assert not credential.accepts(passcode + "x")


def test_ensure_passcode_stores_only_the_hash(auth_engine: sa.Engine) -> None:
    passcode = auth.ensure_passcode(auth_engine)
    assert passcode
    with auth_engine.connect() as conn:
        rows = [tuple(map(str, row)) for row in conn.execute(sa.select(auth.leader_credentials))]
    assert len(rows) == 1
    assert not any(passcode in cell for cell in rows[0])


def test_ensure_passcode_second_start_keeps_the_first(auth_engine: sa.Engine) -> None:
    first = auth.ensure_passcode(auth_engine)
    stored = auth.stored_hash(auth_engine)
    assert auth.ensure_passcode(auth_engine) is None
    assert auth.stored_hash(auth_engine) == stored
    credential = auth.leader_credential(auth_engine)
    assert credential is not None and first is not None and credential.accepts(first)


def test_ensure_passcode_concurrent_starts_create_exactly_one(auth_engine: sa.Engine) -> None:
    auth.init_auth(auth_engine)
    results: list[str | None] = []
    threads = [
        threading.Thread(target=lambda: results.append(auth.ensure_passcode(auth_engine)))
        for _ in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    created = [code for code in results if code]
    assert len(created) == 1
    credential = auth.leader_credential(auth_engine)
    assert credential is not None and credential.accepts(created[0])


def test_ensure_passcode_env_password_wins(auth_engine: sa.Engine) -> None:
    assert auth.ensure_passcode(auth_engine, env_password="chosen by the operator") is None
    assert auth.stored_hash(auth_engine) is None
    credential = auth.leader_credential(auth_engine, "chosen by the operator")
    assert credential is not None and credential.source == "environment"
    assert credential.accepts("chosen by the operator")


def test_leader_credential_env_password_wins_over_stored(auth_engine: sa.Engine) -> None:
    stored = auth.ensure_passcode(auth_engine)
    assert stored
    credential = auth.leader_credential(auth_engine, "chosen by the operator")
    assert credential is not None
    assert credential.accepts("chosen by the operator")
    assert not credential.accepts(stored)


def test_leader_credential_env_password_may_be_a_hash(auth_engine: sa.Engine) -> None:
    credential = auth.leader_credential(auth_engine, auth.hash_passcode("kept out of secrets"))
    assert credential is not None and credential.accepts("kept out of secrets")


def test_leader_credential_malformed_env_hash_names_the_variable(auth_engine: sa.Engine) -> None:
    with pytest.raises(AssessmentError, match=r"ASSESSMENT_LEADER_PASSWORD.*hash-passcode"):
        auth.leader_credential(auth_engine, "scrypt$n=1$broken")


def test_leader_credential_none_before_first_start(auth_engine: sa.Engine) -> None:
    auth.init_auth(auth_engine)
    assert auth.leader_credential(auth_engine) is None


def test_leader_credential_refuses_empty_passcode(auth_engine: sa.Engine) -> None:
    credential = auth.leader_credential(auth_engine, "x")
    assert credential is not None and not credential.accepts("")


def test_reset_passcode_replaces_the_old_one(auth_engine: sa.Engine) -> None:
    old = auth.ensure_passcode(auth_engine)
    new = auth.reset_passcode(auth_engine)
    credential = auth.leader_credential(auth_engine)
    assert old and new != old
    assert credential is not None and credential.accepts(new) and not credential.accepts(old)


def test_reset_passcode_works_before_first_start(auth_engine: sa.Engine) -> None:
    new = auth.reset_passcode(auth_engine, "given")
    assert new == "given"
    assert auth.ensure_passcode(auth_engine) is None


def test_passcode_banner_shows_new_passcode_once_and_how_to_choose() -> None:
    banner = auth.passcode_banner("abc123XYZ", env_password=False)
    assert "Role Radar leader passcode: abc123XYZ" in banner
    assert "ASSESSMENT_LEADER_PASSWORD" in banner and "shown once" in banner.lower()
    later = auth.passcode_banner(None, env_password=False)
    assert "abc123XYZ" not in later and "reset-passcode" in later
    assert "ASSESSMENT_LEADER_PASSWORD" in auth.passcode_banner(None, env_password=True)


# -- e-mail allow-list ---------------------------------------------------------------------------


def test_parse_emails_trims_and_lowercases() -> None:
    assert auth.parse_emails(" Ana@Example.org,bo@example.org ,, ") == {
        "ana@example.org",
        "bo@example.org",
    }
    assert auth.parse_emails(None) == frozenset()
    assert auth.parse_emails(["X@y.z"]) == {"x@y.z"}


@pytest.mark.parametrize("text", ["ana", "ana@@x.org", "ana@x.org, bob smith@x.org"])
def test_parse_emails_rejects_non_addresses(text: str) -> None:
    with pytest.raises(AssessmentError, match="ASSESSMENT_LEADER_EMAILS"):
        auth.parse_emails(text)


@pytest.mark.parametrize(
    ("email", "allowed", "expected"),
    [
        ("ana@example.org", {"ana@example.org"}, True),
        ("ANA@Example.org ", {"ana@example.org"}, True),
        ("eve@example.org", {"ana@example.org"}, False),
        ("ana@example.org.evil", {"ana@example.org"}, False),
        ("ana@example.org", set(), False),
        (None, {"ana@example.org"}, False),
        ("", {""}, False),
    ],
)
def test_email_allowed(email: str | None, allowed: set[str], expected: bool) -> None:
    assert auth.email_allowed(email, allowed) is expected


def test_oidc_leader_needs_a_verified_listed_email() -> None:
    allowed = {"ana@example.org"}
    user = {"is_logged_in": True, "email": "Ana@example.org", "email_verified": True}
    assert auth.oidc_leader_email(user, allowed) == "Ana@example.org"
    for change in ({"email_verified": False}, {"email_verified": "true"}, {"is_logged_in": False}):
        assert auth.oidc_leader_email({**user, **change}, allowed) is None
    unverified = {key: value for key, value in user.items() if key != "email_verified"}
    assert auth.oidc_leader_email(unverified, allowed) is None
    assert auth.oidc_leader_email({**user, "email": "eve@example.org"}, allowed) is None


# -- leader sessions -----------------------------------------------------------------------------

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def test_session_stores_only_the_hash_of_its_token(sqlite_engine: sa.Engine) -> None:
    token = sessions.create(sqlite_engine, timedelta(hours=12), now=T0)
    assert len(token) >= 43  # 256 random bits, URL-safe
    with sqlite_engine.connect() as conn:
        rows = [tuple(map(str, row)) for row in conn.execute(sa.select(leader_sessions))]
    assert len(rows) == 1
    assert rows[0][0] == hashlib.sha256(token.encode()).hexdigest()
    assert not any(token in cell for cell in rows[0])
    assert sessions.is_active(sqlite_engine, token, now=T0)


def test_session_expires_after_its_lifetime(sqlite_engine: sa.Engine) -> None:
    token = sessions.create(sqlite_engine, timedelta(hours=12), now=T0)
    assert sessions.is_active(sqlite_engine, token, now=T0 + timedelta(hours=11, minutes=59))
    assert not sessions.is_active(sqlite_engine, token, now=T0 + timedelta(hours=12))


@pytest.mark.parametrize("presented", [None, "", "not-a-token", "x" * 5000])
def test_session_unknown_tokens_grant_nothing(sqlite_engine: sa.Engine, presented: str) -> None:
    sessions.create(sqlite_engine, timedelta(hours=1), now=T0)
    assert not sessions.is_active(sqlite_engine, presented, now=T0)


def test_sign_out_ends_one_session_only(sqlite_engine: sa.Engine) -> None:
    mine = sessions.create(sqlite_engine, timedelta(hours=12), now=T0)
    theirs = sessions.create(sqlite_engine, timedelta(hours=12), now=T0)
    assert sessions.revoke(sqlite_engine, mine, now=T0)
    assert not sessions.revoke(sqlite_engine, mine, now=T0)  # already ended
    assert not sessions.is_active(sqlite_engine, mine, now=T0)
    assert sessions.is_active(sqlite_engine, theirs, now=T0)


def test_passcode_reset_ends_every_session(auth_engine: sa.Engine) -> None:
    auth.init_auth(auth_engine)
    tokens = [sessions.create(auth_engine, timedelta(hours=12)) for _ in range(3)]
    auth.reset_passcode(auth_engine)
    assert not any(sessions.is_active(auth_engine, token) for token in tokens)


def test_ended_sessions_are_deleted_a_day_later(sqlite_engine: sa.Engine) -> None:
    old = sessions.create(sqlite_engine, timedelta(hours=1), now=T0)
    sessions.revoke(
        sqlite_engine, sessions.create(sqlite_engine, timedelta(hours=9), now=T0), now=T0
    )
    sessions.create(sqlite_engine, timedelta(hours=1), now=T0 + timedelta(days=1, hours=2))
    with sqlite_engine.connect() as conn:
        hashes = set(conn.scalars(sa.select(leader_sessions.c.token_hash)))
    assert len(hashes) == 1 and sessions.token_hash(old) not in hashes


# -- the sign-in limit ---------------------------------------------------------------------------


def fresh_limiter() -> limits.SignInLimiter:
    return limits.SignInLimiter(limits.RateLimiter(5, 30.0), limits.RateLimiter(30, 4.0))


def test_sign_in_limit_per_address_five_then_one_every_30_s() -> None:
    limiter = fresh_limiter()
    assert [limiter.attempt("192.0.2.1", 0.0) for _ in range(5)] == [0.0] * 5
    assert limiter.attempt("192.0.2.1", 0.0) == pytest.approx(30.0)
    assert limiter.attempt("192.0.2.2", 0.0) == 0.0  # another address is not slowed
    assert limiter.wait("192.0.2.1", 12.0) == pytest.approx(18.0)
    assert limiter.attempt("192.0.2.1", 30.0) == 0.0  # one more after the wait, and only one
    assert limiter.attempt("192.0.2.1", 30.0) == pytest.approx(30.0)


def test_sign_in_limit_for_everyone_caps_guesses_spread_over_addresses() -> None:
    limiter = fresh_limiter()
    allowed = [limiter.attempt(f"198.51.100.{i}", 0.0) == 0.0 for i in range(40)]
    assert sum(allowed) == 30 and not any(allowed[30:])
    assert limiter.wait("203.0.113.9", 0.0) == pytest.approx(4.0)  # a new address waits too
    assert limiter.attempt("203.0.113.9", 4.0) == 0.0


def test_sign_in_limit_right_passcode_gives_its_attempt_back() -> None:
    limiter = fresh_limiter()
    for _ in range(20):
        assert limiter.attempt("192.0.2.1", 0.0) == 0.0
        limiter.succeeded("192.0.2.1", 0.0)


class PlainCredential:
    """Accepts one passcode without scrypt's tenth of a second: the limiter is under test."""

    def accepts(self, passcode: str) -> bool:
        return passcode == "the right passcode"


@pytest.fixture
def credential() -> Any:
    return PlainCredential()


def test_sign_in_right_passcode_opens_a_session(sqlite_engine: sa.Engine, credential: Any) -> None:
    outcome = auth.sign_in(
        sqlite_engine, credential, "the right passcode", "192.0.2.1",
        lifetime=timedelta(hours=12), now=0.0, limiter=fresh_limiter(),
    )  # fmt: skip
    assert outcome.problem is None and sessions.is_active(sqlite_engine, outcome.token)


def test_sign_in_wrong_passcodes_are_logged_without_the_guess_then_refused(
    sqlite_engine: sa.Engine, credential: Any, caplog: pytest.LogCaptureFixture
) -> None:
    limiter = fresh_limiter()

    def attempt(passcode: str) -> auth.SignIn:
        return auth.sign_in(
            sqlite_engine, credential, passcode, "192.0.2.1",
            lifetime=timedelta(hours=12), now=0.0, limiter=limiter,
        )  # fmt: skip

    with caplog.at_level(logging.WARNING, logger="assessment.auth"):
        outcomes = [attempt(f"guess-{n}-xyzzy") for n in range(5)]
    assert [o.problem for o in outcomes] == ["wrong"] * 5
    assert [o.wait_seconds for o in outcomes] == [0, 0, 0, 0, 30]
    assert caplog.text.count("wrong passcode") == 5 and "192.0.2.1" in caplog.text
    assert "xyzzy" not in caplog.text
    refused = attempt("the right passcode")  # even the right one waits its turn
    assert (refused.problem, refused.wait_seconds, refused.token) == ("wait", 30, None)


def test_sign_in_without_a_credential_says_so(sqlite_engine: sa.Engine) -> None:
    outcome = auth.sign_in(
        sqlite_engine, None, "anything", "192.0.2.1",
        lifetime=timedelta(hours=1), now=0.0, limiter=fresh_limiter(),
    )  # fmt: skip
    assert (outcome.problem, outcome.token) == ("missing", None)


# -- settings of leader access -------------------------------------------------------------------


def test_a_chosen_password_under_12_characters_is_refused_without_echoing_it() -> None:
    with pytest.raises(AssessmentError) as caught:
        load_settings({"ASSESSMENT_LEADER_PASSWORD": "hunter2hunt"}, {})
    (problem,) = caught.value.problems
    assert problem.startswith("ASSESSMENT_LEADER_PASSWORD: is shorter than 12 characters")
    assert "hunter2" not in problem
    assert load_settings({"ASSESSMENT_LEADER_PASSWORD": "hunter2hunt!"}, {}).leader_password
    hashed = auth.hash_passcode("short")  # a hash is not a password to measure
    assert load_settings({"ASSESSMENT_LEADER_PASSWORD": hashed}, {}).leader_password


@pytest.mark.parametrize(
    ("environ", "problem"),
    [
        ({"ASSESSMENT_LEADER_SESSION_HOURS": "0"}, "ASSESSMENT_LEADER_SESSION_HOURS"),
        ({"ASSESSMENT_LEADER_SESSION_HOURS": "1000"}, "ASSESSMENT_LEADER_SESSION_HOURS"),
        ({"ASSESSMENT_LEADER_SESSION_HOURS": "soon"}, "ASSESSMENT_LEADER_SESSION_HOURS"),
        ({"ASSESSMENT_TRUSTED_PROXIES": "127.0.0.1, nginx"}, "'nginx' is not an IP address"),
    ],
)
def test_leader_access_settings_are_checked(environ: dict[str, str], problem: str) -> None:
    with pytest.raises(AssessmentError, match=problem):
        load_settings(environ, {})


def test_leader_access_settings_defaults_and_values() -> None:
    default = load_settings({}, {})
    assert (default.leader_session_hours, default.trusted_proxies) == (12.0, None)
    chosen = load_settings(
        {
            "ASSESSMENT_LEADER_SESSION_HOURS": "0.5",
            "ASSESSMENT_TRUSTED_PROXIES": " 10.0.0.0/8 ,::1",
        },
        {},
    )
    assert (chosen.leader_session_hours, chosen.trusted_proxies) == (0.5, "10.0.0.0/8,::1")

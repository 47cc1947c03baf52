"""Leader access without Streamlit: hashes, the first-start passcode, back-off, the e-mail list."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from assessment.errors import AssessmentError
from assessment.service import auth
from assessment.store.schema import make_engine


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


# -- back-off ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("failures", "delay"),
    [(0, 0), (1, 0), (2, 2), (3, 4), (4, 8), (5, 16), (6, 30), (7, 30), (50, 30)],
)
def test_backoff_delay_grows_and_caps(failures: int, delay: int) -> None:
    assert auth.Backoff.delay(failures) == delay


def test_backoff_first_mistake_is_free_then_waits() -> None:
    backoff = auth.Backoff().failed(now=100.0)
    assert not backoff.is_locked(100.0)
    backoff = backoff.failed(now=100.0)
    assert backoff.wait_seconds(100.0) == 2
    assert backoff.wait_seconds(101.2) == 1
    assert not backoff.is_locked(102.0)


def test_backoff_wait_is_counted_from_the_last_failure() -> None:
    backoff = auth.Backoff()
    for now in (0.0, 1.0, 10.0, 20.0):
        backoff = backoff.failed(now)
    assert backoff.failures == 4
    assert backoff.wait_seconds(20.0) == 8


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

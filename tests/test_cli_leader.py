"""`assessment leader ...` through the CLI entry point: exit codes and what the terminal shows."""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path

import pytest

from assessment.cli import main
from assessment.service import auth
from assessment.store import sessions
from assessment.store.schema import make_engine


@pytest.fixture
def leader_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A fresh database chosen by environment, with no chosen leader password."""
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("ASSESSMENT_DATABASE_URL", url)
    monkeypatch.delenv("ASSESSMENT_LEADER_PASSWORD", raising=False)
    monkeypatch.chdir(tmp_path)  # no .streamlit/secrets.toml of the developer's
    return url


def printed_passcode(out: str) -> str:
    return out.split("Role Radar leader passcode:")[1].split()[0]


def test_reset_passcode_prints_a_new_passcode_that_works(
    leader_db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    engine = make_engine(leader_db)
    old = auth.ensure_passcode(engine)
    assert main(["leader", "reset-passcode"]) == 0
    new = printed_passcode(capsys.readouterr().out)
    credential = auth.leader_credential(engine)
    assert credential is not None and credential.accepts(new)
    assert old and not credential.accepts(old)
    engine.dispose()


def test_reset_passcode_signs_every_leader_browser_out(
    leader_db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    engine = make_engine(leader_db)
    auth.init_auth(engine)
    token = sessions.create(engine, timedelta(hours=12))
    assert main(["leader", "reset-passcode"]) == 0
    assert "Every leader browser was signed out" in capsys.readouterr().out
    assert not sessions.is_active(engine, token)
    engine.dispose()


def test_sign_out_everyone_ends_every_session_and_keeps_the_passcode(
    leader_db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    engine = make_engine(leader_db)
    auth.init_auth(engine)
    tokens = [sessions.create(engine, timedelta(hours=12)) for _ in range(2)]
    stored = auth.stored_hash(engine)
    assert main(["leader", "sign-out-everyone"]) == 0
    assert capsys.readouterr().out.strip() == "Signed out 2 leader browsers."
    assert not any(sessions.is_active(engine, token) for token in tokens)
    assert auth.stored_hash(engine) == stored
    engine.dispose()


def test_reset_passcode_refused_while_env_password_is_set(
    leader_db: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ASSESSMENT_LEADER_PASSWORD", "chosen by the operator")
    assert main(["leader", "reset-passcode"]) == 2
    captured = capsys.readouterr()
    assert "ASSESSMENT_LEADER_PASSWORD is set" in captured.err
    assert "leader passcode:" not in captured.out


@pytest.mark.parametrize(
    ("env_password", "first_start", "expected"),
    [
        ("chosen by the operator", False, "ASSESSMENT_LEADER_PASSWORD"),
        (None, True, "is stored"),
        (None, False, "No leader passcode yet"),
    ],
)
def test_status_says_where_the_credential_comes_from(
    leader_db: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    env_password: str | None,
    first_start: bool,
    expected: str,
) -> None:
    if env_password:
        monkeypatch.setenv("ASSESSMENT_LEADER_PASSWORD", env_password)
    if first_start:
        engine = make_engine(leader_db)
        auth.ensure_passcode(engine)
        engine.dispose()
    assert main(["leader", "status"]) == 0
    assert expected in capsys.readouterr().out


def test_hash_passcode_prints_a_hash_the_app_accepts(
    leader_db: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("a long chosen passcode\n"))
    assert main(["leader", "hash-passcode"]) == 0
    encoded = capsys.readouterr().out.strip()
    assert "a long chosen passcode" not in encoded
    assert auth.verify_passcode("a long chosen passcode", encoded)


def test_hash_passcode_refuses_a_short_passcode(
    leader_db: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    assert main(["leader", "hash-passcode"]) == 2
    assert "at least 12 characters" in capsys.readouterr().err


@pytest.mark.parametrize("action", ["status", "reset-passcode"])
def test_unreachable_database_is_one_line_without_the_password(
    leader_db: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    action: str,
) -> None:
    monkeypatch.setenv("ASSESSMENT_DATABASE_URL", "postgresql://admin:hunter2@127.0.0.1:1/radar")
    assert main(["leader", action]) == 2
    captured = capsys.readouterr()
    assert captured.err.splitlines() == [
        "error: cannot reach the database at postgresql://admin:***@127.0.0.1:1/radar"
        " (connection refused); check ASSESSMENT_DATABASE_URL and that the server runs"
    ]
    assert "hunter2" not in captured.err + captured.out

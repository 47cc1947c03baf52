"""`assessment round ...` and `assessment demo`: exit codes and what the operator reads."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa

from assessment import store
from assessment.service.demo import demo_round_names
from assessment.store.rounds import team_headcounts_of
from assessment.store.schema import init_db, make_engine
from assessment.survey import SurveyDraft, new_resume_token
from tests.support.banks import DATA
from tests.support.cli import Result

Run = Callable[..., Result]


@pytest.fixture
def db_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A temp SQLite file as the configured database; no secrets file in the working directory."""
    monkeypatch.chdir(tmp_path)
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    for name in ("ASSESSMENT_MIN_GROUP_SIZE", "ASSESSMENT_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("ASSESSMENT_DATABASE_URL", url)
    return url


@pytest.fixture
def run(db_url: str, run_cli: Run) -> Run:
    """Run `assessment ARGS...` in-process against the temp database."""
    return run_cli


def rounds_in(url: str) -> list[store.Round]:
    engine = make_engine(url)
    try:
        init_db(engine)
        return store.list_rounds(engine)
    finally:
        engine.dispose()


def test_round_open_prints_token_and_share_link(
    run: Run, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ASSESSMENT_BASE_URL", "https://radar.example.org/")
    result = run("round", "open", "Q3 check-in", "--team", "Checkout", "--team", "Search")
    assert result.code == 0, result.err
    (rnd,) = rounds_in(db_url)
    assert (rnd.name, rnd.teams, rnd.min_group_size) == ("Q3 check-in", ("Checkout", "Search"), 5)
    assert f"Token: {rnd.token}" in result.out
    assert f"https://radar.example.org/?round={rnd.token}" in result.out


@pytest.mark.parametrize(
    ("flag", "environment", "expected"),
    [
        ([], None, 3),  # the bank's
        ([], "6", 6),  # configured explicitly: wins over the bank
        (["--min-group-size", "4"], "6", 4),  # the flag wins over both
    ],
)
def test_round_open_min_group_size_precedence(
    run: Run,
    db_url: str,
    monkeypatch: pytest.MonkeyPatch,
    flag: list[str],
    environment: str | None,
    expected: int,
) -> None:
    if environment:
        monkeypatch.setenv("ASSESSMENT_MIN_GROUP_SIZE", environment)
    tiny = str(DATA / "tiny_bank.yaml")
    result = run("round", "open", "Q3", "--team", "A", "--bank", tiny, *flag)
    assert result.code == 0, result.err
    assert rounds_in(db_url)[0].min_group_size == expected


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--team", "A", "--team", "a"], "error: team #2: 'a' is listed twice"),
        (["--team", "A", "--min-group-size", "2"], "error: minimum group size: must be"),
        (["--team", "A", "--bank", "missing.yaml"], "error: missing.yaml: file not found"),
    ],
)
def test_round_open_bad_input_exits_2(run: Run, db_url: str, args: list[str], message: str) -> None:
    result = run("round", "open", "Q3", *args)
    assert result.code == 2
    assert message in result.err.splitlines()[0]
    assert rounds_in(db_url) == []


def test_round_open_takes_an_expected_headcount_per_team(run: Run, db_url: str) -> None:
    result = run("round", "open", "Q3", "--team", "Checkout=12", "--team", "Search")
    assert result.code == 0, result.err
    assert "2 team(s): Checkout (12 expected), Search." in result.out
    (rnd,) = rounds_in(db_url)
    assert rnd.teams == ("Checkout", "Search")
    engine = make_engine(db_url)
    try:
        assert team_headcounts_of(engine, rnd.token) == {"Checkout": 12}
    finally:
        engine.dispose()


def test_round_open_refuses_a_zero_headcount(run: Run, db_url: str) -> None:
    result = run("round", "open", "Q3", "--team", "Checkout=0")
    assert result.code == 2
    assert "expected headcount of 'Checkout': must be a whole number" in result.err
    assert rounds_in(db_url) == []


def test_round_open_without_team_is_a_usage_error(run: Run) -> None:
    assert run("round", "open", "Q3").code == 2


def test_round_list_empty_says_how_to_start(run: Run) -> None:
    result = run("round", "list")
    assert result.code == 0
    assert "No rounds yet" in result.out and "assessment demo" in result.out


def test_round_list_shows_each_round_with_its_counts(run: Run, db_url: str) -> None:
    run("round", "open", "Older", "--team", "A")
    run("round", "open", "Newer", "--team", "A", "--team", "B")
    older = next(r for r in rounds_in(db_url) if r.name == "Older")
    run("round", "close", older.token)
    lines = run("round", "list").out.splitlines()
    assert re.split(r"\s{2,}", lines[0]) == [
        "TOKEN",
        "NAME",
        "STATUS",
        "TEAMS",
        "RESPONSES",
        "CREATED",
    ]
    assert [re.split(r"\s{2,}", line)[1:5] for line in lines[1:]] == [
        ["Newer", "open", "A, B", "fewer than 5"],  # under the minimum: never an exact count
        ["Older", "closed", "A", "fewer than 5"],
    ]


def test_round_close_and_reopen(run: Run, db_url: str) -> None:
    run("round", "open", "Q3", "--team", "A")
    token = rounds_in(db_url)[0].token
    engine = make_engine(db_url)
    try:
        store.save_draft(engine, token, new_resume_token(), SurveyDraft().model_dump())
    finally:
        engine.dispose()
    closed = run("round", "close", token)
    assert closed.code == 0 and "accepts no more responses" in closed.out
    assert "1 survey is started and not yet submitted: that person cannot submit" in closed.out
    assert not rounds_in(db_url)[0].is_open
    reopened = run("round", "reopen", token)
    assert reopened.code == 0 and "accepts responses again" in reopened.out
    assert rounds_in(db_url)[0].is_open


@pytest.mark.parametrize("action", ["close", "reopen"])
def test_round_close_unknown_token_exits_2(run: Run, action: str) -> None:
    result = run("round", action, "no-such-token")
    assert result.code == 2
    assert "error: No round with token 'no-such-token'" in result.err


def test_demo_loads_its_rounds_and_prints_their_links(run: Run, db_url: str) -> None:
    result = run("demo")
    assert result.code == 0, result.err
    rounds = rounds_in(db_url)
    assert [r.name for r in rounds] == demo_round_names()
    assert [r.name for r in rounds][:2] == ["Demo round", "Demo round — previous quarter"]
    assert f"in {len(rounds)} rounds a quarter apart" in result.out
    for rnd in rounds:
        assert f"http://localhost:8501/?round={rnd.token}" in result.out
    engine = make_engine(db_url)
    try:
        assert store.response_count(engine, rounds[0].token) > 50
    finally:
        engine.dispose()


def test_cli_default_database_is_the_per_user_file(
    run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ASSESSMENT_DATABASE_URL")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert run("round", "open", "Q3", "--team", "A").code == 0
    default = tmp_path / "xdg" / "role-radar" / "role_radar.db"
    assert default.is_file() and not (tmp_path / "data").exists()
    with sa.create_engine(f"sqlite:///{default}").connect() as conn:
        assert conn.execute(sa.text("SELECT name FROM rounds")).scalars().all() == ["Q3"]

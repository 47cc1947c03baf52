"""Engine and schema: URLs, SQLite tuning, migrations that are safe to run at every start."""

from __future__ import annotations

import secrets
import threading
from pathlib import Path

import pytest
import sqlalchemy as sa

from assessment import store
from assessment.bank import Bank
from assessment.errors import AssessmentError
from assessment.store.schema import SCHEMA_VERSION, init_db, make_engine, reading, schema_version
from tests.support.db import make_postgres_engine, make_sqlite_engine


def test_make_engine_default_is_the_per_user_sqlite_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    db = make_engine()
    assert db.url.get_backend_name() == "sqlite"
    assert Path(db.url.database or "") == tmp_path / "xdg" / "role-radar" / "role_radar.db"
    assert (tmp_path / "xdg" / "role-radar").is_dir()
    assert not (tmp_path / "data").exists()  # never the working directory
    db.dispose()


@pytest.mark.parametrize(
    "url",
    ["postgresql://u:p@db.example/radar", "postgres://u:p@db.example/radar"],
)
def test_make_engine_postgres_urls_use_psycopg(url: str) -> None:
    db = make_engine(url)  # no connection is made until first use
    assert db.url.drivername == "postgresql+psycopg"
    assert db.pool._pre_ping
    db.dispose()


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("mysql://root:hunter2@db/x", "unsupported database 'mysql'"),
        ("not a url", "cannot parse it"),
    ],
)
def test_make_engine_bad_url_raises_without_the_password(url: str, message: str) -> None:
    with pytest.raises(AssessmentError, match=message) as caught:
        make_engine(url)
    assert "hunter2" not in str(caught.value)


def test_sqlite_connections_are_tuned(sqlite_engine: sa.Engine) -> None:
    with sqlite_engine.connect() as conn:
        pragmas = {
            name: conn.exec_driver_sql(f"PRAGMA {name}").scalar()
            for name in ("journal_mode", "busy_timeout", "synchronous", "foreign_keys")
        }
    assert pragmas == {"journal_mode": "wal", "busy_timeout": 15000, "synchronous": 1,
                       "foreign_keys": 1}  # fmt: skip


def test_sqlite_reads_do_not_block_a_writer(sqlite_engine: sa.Engine, tiny_bank: Bank) -> None:
    rnd = store.open_round(sqlite_engine, "Q", ["A"], tiny_bank)
    with reading(sqlite_engine) as conn:
        conn.execute(sa.select(schema_version)).all()  # a deferred BEGIN holds no write lock
        store.close_round(sqlite_engine, rnd.token)
    assert not store.get_round(sqlite_engine, rnd.token).is_open


def test_init_db_twice_is_harmless(engine: sa.Engine, tiny_bank: Bank) -> None:
    rnd = store.open_round(engine, "Q", ["A"], tiny_bank)
    assert init_db(engine) == SCHEMA_VERSION
    assert init_db(engine) == SCHEMA_VERSION
    assert store.get_round(engine, rnd.token) == rnd
    with engine.connect() as conn:
        assert conn.execute(sa.select(schema_version.c.version)).scalars().all() == [SCHEMA_VERSION]


def test_init_db_newer_schema_refused(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        conn.execute(schema_version.update().values(version=SCHEMA_VERSION + 1))
    with pytest.raises(AssessmentError, match="newer than this Role Radar"):
        init_db(engine)


def _start_together(engines: list[sa.Engine]) -> list[BaseException]:
    """init_db on every engine at once, as separate processes starting together would."""
    start = threading.Barrier(len(engines))
    errors: list[BaseException] = []

    def run(db: sa.Engine) -> None:
        start.wait()
        try:
            init_db(db)
        except BaseException as exc:  # collected: a failure must show, not vanish in a thread
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(db,)) for db in engines]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def test_init_db_concurrent_first_start_on_sqlite(tmp_path: Path) -> None:
    engines = [make_engine(f"sqlite:///{tmp_path / 'fresh.db'}") for _ in range(4)]
    assert _start_together(engines) == []
    for db in engines:
        db.dispose()
    db = make_sqlite_engine(tmp_path / "fresh.db")
    with db.connect() as conn:
        assert conn.execute(sa.select(schema_version.c.version)).scalar_one() == SCHEMA_VERSION
    db.dispose()


@pytest.mark.postgres
def test_init_db_concurrent_first_start_on_postgres(postgres_admin: sa.Engine) -> None:
    schema = f"test_init_{secrets.token_hex(6)}"  # runs of other sessions may share the server
    with postgres_admin.begin() as conn:
        conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
    engines = [make_postgres_engine(schema) for _ in range(4)]
    try:
        assert _start_together(engines) == []
        with engines[0].connect() as conn:
            version = conn.execute(sa.select(schema_version.c.version)).scalar_one()
        assert version == SCHEMA_VERSION
    finally:
        for db in engines:
            db.dispose()
        with postgres_admin.begin() as conn:
            conn.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))

"""Database fixtures: a temp-file SQLite engine, a PostgreSQL engine, and both in turn.

Each PostgreSQL test gets its own schema (a random name put first on the
connection's search_path, dropped afterwards), so tests never see each
other's rows and need no clean-up between them. When the server is not
reachable the PostgreSQL tests skip -- except in CI (``CI=true``), where they
fail, because CI must prove the PostgreSQL path works.

A test module with many small database tests can set ``SHARE_DATABASE = True``:
its tests then share one database per backend, emptied before each test (no
rows, ids from 1: what a fresh migrated database holds). That saves building a
schema and warming an engine's statement cache for every test.
"""

from __future__ import annotations

import atexit
import functools
import os
import secrets
import shutil
import sqlite3
import tempfile
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from assessment.store.schema import init_db, make_engine, metadata

__all__ = [
    "POSTGRES_URL",
    "_module_postgres_engine",
    "_module_sqlite_engine",
    "_private_data_home",
    "emptied",
    "engine",
    "make_postgres_engine",
    "make_sqlite_engine",
    "postgres_admin",
    "postgres_engine",
    "sqlite_engine",
]

POSTGRES_URL = os.environ.get(
    "ASSESSMENT_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


@functools.cache
def _migrated_template() -> Path:
    """One SQLite file per test process with every migration applied, to copy from.

    Running the migrations costs about 30 ms a database, and hundreds of tests each
    want a fresh one; a file copy costs well under 1 ms. `init_db` still runs on every
    copy (it finds the schema current and changes nothing), so a test sees exactly
    what a fresh migration gives.
    """
    folder = Path(tempfile.mkdtemp(prefix="role-radar-tests-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    path = folder / "migrated.db"
    db = make_engine(f"sqlite:///{path}")
    init_db(db)
    db.dispose()
    with closing(sqlite3.connect(path)) as conn:  # all into the main file: no -wal to copy
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path


def make_sqlite_engine(path: Path) -> sa.Engine:
    """A migrated SQLite engine on a file (``:memory:`` would be one database per thread)."""
    shutil.copyfile(_migrated_template(), path)
    db = make_engine(f"sqlite:///{path}")
    init_db(db)
    return db


def make_postgres_engine(schema: str) -> sa.Engine:
    """An engine whose connections use `schema` first (not migrated: callers decide)."""
    url = make_url(POSTGRES_URL).update_query_dict({"options": f"-csearch_path={schema}"})
    return make_engine(url.render_as_string(hide_password=False))


def emptied(db: sa.Engine) -> sa.Engine:
    """`db` with every row deleted and every id sequence reset, its schema version kept."""
    with db.begin() as conn:
        for table in reversed(metadata.sorted_tables):
            if table.name == "schema_version":
                continue
            conn.execute(table.delete())
            column = table.autoincrement_column
            if conn.dialect.name == "postgresql" and column is not None:
                serial = sa.func.pg_get_serial_sequence(table.name, column.name)
                conn.execute(sa.select(sa.func.setval(serial, 1, False)))
    return db


def _shares_database(request: pytest.FixtureRequest) -> bool:
    return bool(getattr(request.module, "SHARE_DATABASE", False))


@pytest.fixture(scope="module")
def _module_sqlite_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[sa.Engine]:
    db = make_sqlite_engine(tmp_path_factory.mktemp("db") / "role_radar.db")
    yield db
    db.dispose()


@pytest.fixture
def sqlite_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[sa.Engine]:
    """A migrated engine on a fresh temp-file SQLite database (or the module's, emptied)."""
    if _shares_database(request):
        yield emptied(request.getfixturevalue("_module_sqlite_engine"))
        return
    db = make_sqlite_engine(tmp_path / "role_radar.db")
    yield db
    db.dispose()


@pytest.fixture(scope="session")
def postgres_admin() -> Iterator[sa.Engine]:
    """An engine on the test server for creating and dropping schemas; skips if unreachable."""
    admin = make_engine(POSTGRES_URL)
    try:
        with admin.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except sa.exc.OperationalError as exc:
        admin.dispose()
        shown = make_url(POSTGRES_URL).render_as_string(hide_password=True)
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        message = f"PostgreSQL not reachable at {shown}: {reason}"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message + " (CI=true: PostgreSQL tests must run)")
        pytest.skip(message)
    yield admin
    admin.dispose()


@contextmanager
def _postgres_schema(admin: sa.Engine) -> Iterator[sa.Engine]:
    """A migrated engine in a new schema of its own, dropped on the way out."""
    schema = f"test_{secrets.token_hex(6)}"
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    db = make_postgres_engine(schema)
    try:
        init_db(db)
        yield db
    finally:
        db.dispose()
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))


@pytest.fixture(scope="module")
def _module_postgres_engine(postgres_admin: sa.Engine) -> Iterator[sa.Engine]:
    with _postgres_schema(postgres_admin) as db:
        yield db


@pytest.fixture
def postgres_engine(request: pytest.FixtureRequest) -> Iterator[sa.Engine]:
    """A migrated engine in a fresh schema of its own on the test server (or the module's)."""
    if _shares_database(request):
        yield emptied(request.getfixturevalue("_module_postgres_engine"))
        return
    with _postgres_schema(request.getfixturevalue("postgres_admin")) as db:
        yield db


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest) -> sa.Engine:
    """Each backend in turn: the same test must pass on SQLite and on PostgreSQL."""
    return request.getfixturevalue(f"{request.param}_engine")


@pytest.fixture(autouse=True)
def _private_data_home(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No test may touch the real ~/.local/share/role-radar: the default database lives here."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path_factory.mktemp("xdg")))

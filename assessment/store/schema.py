"""Database engine and schema: SQLite by default, PostgreSQL by URL.

Schema changes are a short, recorded list of steps (`MIGRATIONS`) applied in
order from the version stored in the database, automatically by `init_db` at
start-up. Not Alembic, on purpose: the schema is a handful of tables, the list
needs no extra dependency, no separate command and no migration folder, and a
self-hoster who upgrades the app gets the new schema simply by starting it.
Step *n* brings a database from version *n* to *n + 1*; steps are never
edited once released, only appended (when a table changes, freeze the old
shape into its step first, then append the change).

SQLite is tuned for a threaded web server: WAL so readers
never block the writer, a 15 s busy timeout, and -- following SQLAlchemy's
"Transactions with SQLite" recipe -- SQLAlchemy, not the driver, emits BEGIN:
``BEGIN IMMEDIATE`` for every transaction unless the connection carries the
`READ_ONLY` execution option. A deferred BEGIN that later writes can fail at
once with "database is locked" (the busy handler cannot help a read lock that
must be upgraded); an immediate one queues for the write lock instead.

Privacy: no table has a column for names, e-mail addresses or IP addresses.
Comments live in their own table with a random key and no link to the
response, so a comment cannot be joined back to a respondent's answers.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
import weakref
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import URL, Connection, Dialect, Engine, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError

from assessment.errors import AssessmentError

__all__ = [
    "MIGRATIONS",
    "READ_ONLY",
    "SCHEMA_VERSION",
    "answers",
    "comment_publications",
    "comments",
    "default_db_path",
    "drafts",
    "init_db",
    "leader_credentials",
    "leader_sessions",
    "make_engine",
    "metadata",
    "project_gate_answers",
    "publications",
    "reading",
    "responses",
    "round_items",
    "rounds",
    "schema_version",
    "team_headcounts",
    "writing",
]

DB_FOLDER, DB_FILE = "role-radar", "role_radar.db"
READ_ONLY = "role_radar_read_only"
"""Execution option: on SQLite, begin with a deferred BEGIN (a snapshot read, no write lock)."""

_PG_INIT_LOCK = 0x526F6C65  # any constant: serialises init_db across processes ("Role")


class UTCDateTime(sa.types.TypeDecorator[datetime]):
    """Aware UTC datetimes in and out, on every backend.

    SQLite has no time zone type; it stores naive UTC text that sorts in time
    order. PostgreSQL stores ``timestamptz``.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: Role Radar stores only aware UTC timestamps")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


metadata = sa.MetaData()

schema_version = sa.Table(
    "schema_version",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("version", sa.Integer, nullable=False),
)

rounds = sa.Table(
    "rounds",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("token", sa.String(64), nullable=False, unique=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("teams_json", sa.Text, nullable=False),
    sa.Column("min_group_size", sa.Integer, nullable=False),
    sa.Column("is_open", sa.Boolean, nullable=False),
    sa.Column("bank_id", sa.String(200), nullable=False),
    sa.Column("bank_version", sa.Integer, nullable=False),
    sa.Column("bank_json", sa.Text, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("closed_at", UTCDateTime, nullable=True),
)

responses = sa.Table(
    "responses",
    metadata,
    # Integer key for the answers table (compact, fast to read back); the
    # random `response_id` is the public id used in exports.
    sa.Column("pk", sa.Integer, primary_key=True),
    sa.Column("response_id", sa.String(64), nullable=False, unique=True),
    sa.Column("round_id", sa.ForeignKey("rounds.id", ondelete="CASCADE"), nullable=False),
    sa.Column("team", sa.String(200), nullable=False),
    sa.Column("role", sa.String(200), nullable=False),
    sa.Column("submitted_at", UTCDateTime, nullable=False),
    sa.Column("source", sa.String(20), nullable=False),
    # NULL for imported rows; UNIQUE allows several NULLs on both backends.
    sa.Column("client_token", sa.String(64), nullable=True),
    sa.UniqueConstraint("round_id", "client_token", name="uq_responses_round_client_token"),
    sa.Index("ix_responses_round_submitted", "round_id", "submitted_at"),
)

round_items = sa.Table(
    "round_items",
    metadata,
    # The round's items in bank order, so `answers` can name an item by a
    # small integer and a SQL user can still join back to the stable item id.
    sa.Column("round_id", sa.ForeignKey("rounds.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("item_pos", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("item_id", sa.String(200), nullable=False),
    sa.UniqueConstraint("round_id", "item_id", name="uq_round_items_item_id"),
)

answers = sa.Table(
    "answers",
    metadata,
    # One row per (response, item); `item_pos` is the item's 0-based position
    # in the round's bank snapshot (round_items). Integers, not item-id
    # strings, because reading 100,000 x 40 answers back is dominated by the
    # size of what crosses the driver (see reads.py).
    sa.Column("response_pk", sa.ForeignKey("responses.pk", ondelete="CASCADE"), primary_key=True),
    sa.Column("item_pos", sa.SmallInteger, primary_key=True, autoincrement=False),
    # 1..points a scale point; NULL "don't know" (or a bank's combined "don't know / not
    # applicable"); -1 "not applicable" (`survey.NOT_APPLICABLE_CODE`); no row: skipped.
    sa.Column("value", sa.SmallInteger, nullable=True),
    # Clustered by response on SQLite: a round's answers are read in one range scan.
    sqlite_with_rowid=False,
)

comments = sa.Table(
    "comments",
    metadata,
    # Random key and no rowid: neither the key nor the storage order tells
    # which response a comment came with.
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("round_id", sa.ForeignKey("rounds.id", ondelete="CASCADE"), nullable=False),
    sa.Column("team", sa.String(200), nullable=False),
    sa.Column("role", sa.String(200), nullable=False),
    sa.Column("comment", sa.Text, nullable=False),
    sa.Index("ix_comments_round", "round_id"),
    sqlite_with_rowid=False,
)

drafts = sa.Table(
    "drafts",
    metadata,
    sa.Column("round_id", sa.ForeignKey("rounds.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("resume_token", sa.String(64), primary_key=True),
    sa.Column("data_json", sa.Text, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
)


leader_credentials = sa.Table(
    "leader_credentials",
    metadata,
    # One row (id 1): the leader passcode's salted scrypt hash, never the passcode.
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("passcode_hash", sa.String(300), nullable=False),
    sa.Column("created_at", sa.String(40), nullable=False),
)


def _v1_create_tables(conn: Connection) -> None:
    """Version 1: rounds, round_items, responses, answers, comments, drafts."""
    metadata.create_all(conn, tables=[rounds, round_items, responses, answers, comments, drafts])


def _v2_leader_credentials(conn: Connection) -> None:
    """Version 2: the leader credential joins the recorded schema.

    Release 0.1 created this table outside the migrations, at the first
    sign-in; ``checkfirst`` keeps such a database's stored passcode.
    """
    leader_credentials.create(conn, checkfirst=True)


publications = sa.Table(
    "publications",
    metadata,
    # Which responses the leader pages and files may use, and in which step they were
    # released (see scoring/publication.py); a response without a row here is pending.
    sa.Column("response_pk", sa.ForeignKey("responses.pk", ondelete="CASCADE"), primary_key=True),
    sa.Column("step", sa.Integer, nullable=False),
    sa.Column("published_at", UTCDateTime, nullable=False),
)

comment_publications = sa.Table(
    "comment_publications",
    metadata,
    # Comments are released with their cell's responses; still no link to any response.
    sa.Column("comment_id", sa.ForeignKey("comments.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("step", sa.Integer, nullable=False),
)


def _v3_publications(conn: Connection) -> None:
    """Version 3: results are published in steps; what was visible before stays published."""
    metadata.create_all(conn, tables=[publications, comment_publications])
    now = sa.literal(datetime.now(UTC).replace(microsecond=0), UTCDateTime)
    conn.execute(
        publications.insert().from_select(
            ["response_pk", "step", "published_at"],
            sa.select(responses.c.pk, sa.literal(1), now),
        )
    )
    conn.execute(
        comment_publications.insert().from_select(
            ["comment_id", "step"], sa.select(comments.c.id, sa.literal(1))
        )
    )


team_headcounts = sa.Table(
    "team_headcounts",
    metadata,
    # How many people a leader expects to answer per team, if they said so when the round
    # opened: the Rounds page turns it into a response rate. A team without a row has none.
    sa.Column("round_id", sa.ForeignKey("rounds.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("team", sa.String(200), primary_key=True),
    sa.Column("headcount", sa.Integer, nullable=False),
)


def _team_headcounts(conn: Connection) -> None:
    """Expected headcounts per team, optional, for response rates while a round runs."""
    team_headcounts.create(conn, checkfirst=True)


project_gate_answers = sa.Table(
    "project_gate_answers",
    metadata,
    # The routing answer of a response whose bank asks "does your team's work include
    # projects?" (`Bank.project_gate`); no row: not asked (no gate, or an imported response).
    sa.Column("response_pk", sa.ForeignKey("responses.pk", ondelete="CASCADE"), primary_key=True),
    sa.Column("works_in_projects", sa.Boolean, nullable=False),
)


def _answer_kinds(conn: Connection) -> None:
    """Not applicable apart from don't know, and the routing answer kept with a response.

    ``answers.value`` holds -1 for "not applicable" from now on (NULL stays "don't
    know", which in a bank with one combined choice is that choice): no stored row
    changes meaning, so only the routing answers' table is new.
    """
    project_gate_answers.create(conn, checkfirst=True)


leader_sessions = sa.Table(
    "leader_sessions",
    metadata,
    # One row per leader sign-in (store/sessions.py): the SHA-256 of the random token the
    # browser keeps in its cookie, never the token itself; no name, address or e-mail.
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("expires_at", UTCDateTime, nullable=False),
    sa.Column("revoked_at", UTCDateTime, nullable=True),
)


def _leader_sessions(conn: Connection) -> None:
    """Leader sign-ins that outlive a reload: one record per signed-in browser."""
    leader_sessions.create(conn, checkfirst=True)


MIGRATIONS: list[Callable[[Connection], None]] = [
    _v1_create_tables,
    _v2_leader_credentials,
    _v3_publications,
    _team_headcounts,
    _answer_kinds,
    _leader_sessions,
]
SCHEMA_VERSION = len(MIGRATIONS)


def default_db_path(environ: Mapping[str, str] | None = None) -> Path:
    """The SQLite file used when no database URL is configured: one per user, never per folder.

    ``$XDG_DATA_HOME/role-radar/role_radar.db``, where XDG_DATA_HOME defaults to
    ``~/.local/share`` when it is unset, empty or not absolute (the XDG Base
    Directory rule). The app and the command line find the same file from any
    working directory; ``assessment serve`` prints it at start.
    """
    environ = os.environ if environ is None else environ
    xdg = environ.get("XDG_DATA_HOME", "")
    if xdg and Path(xdg).is_absolute():
        base = Path(xdg)
    else:
        try:
            base = Path.home() / ".local" / "share"
        except RuntimeError:
            raise AssessmentError(
                "no home directory for the default database: set ASSESSMENT_DATABASE_URL"
                " (e.g. sqlite:////var/lib/role-radar/role_radar.db) or XDG_DATA_HOME"
            ) from None
    return base / DB_FOLDER / DB_FILE


def make_engine(url: str | None = None) -> Engine:
    """Create the engine for `url`; the SQLite file `default_db_path()` when None.

    ``postgresql://`` and ``postgres://`` URLs are rewritten to the psycopg 3
    driver, the one Role Radar installs. Raises `AssessmentError` for a URL
    that cannot be used, without ever echoing its password.
    """
    parsed = _parse_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(parsed)
    return _postgres_engine(parsed)


def _parse_url(url: str | None) -> URL:
    if url is None:
        return URL.create("sqlite", database=str(default_db_path()))
    try:
        parsed = make_url(url.strip())
    except ArgumentError:
        raise AssessmentError(
            "database URL: cannot parse it; expected e.g. sqlite:///data/role_radar.db"
            " or postgresql://user:password@host:5432/dbname"
        ) from None
    backend = parsed.get_backend_name()
    if backend in ("postgresql", "postgres"):
        return parsed.set(drivername="postgresql+psycopg")
    if backend != "sqlite":
        raise AssessmentError(
            f"database URL {parsed.render_as_string(hide_password=True)}: unsupported database"
            f" '{backend}'; use sqlite:///... or postgresql://..."
        )
    return parsed


def _sqlite_engine(url: URL) -> Engine:
    database = url.database or ""
    in_memory = database in ("", ":memory:") or "mode=memory" in str(url.query)
    if in_memory:
        # One shared connection: otherwise each pooled connection is its own empty database.
        engine = sa.create_engine(
            url, poolclass=sa.StaticPool, connect_args={"check_same_thread": False}
        )
    else:
        if not database.startswith("file:"):
            Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(url)
    sa.event.listen(engine, "connect", _sqlite_on_connect)
    sa.event.listen(engine, "begin", _sqlite_on_begin)
    return engine


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # the recipe: SQLAlchemy emits BEGIN, not the driver
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA busy_timeout=15000")
    _switch_to_wal(cursor)
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _switch_to_wal(cursor: Any) -> None:
    """Put the file in WAL mode once; it stays so, and later connections only check.

    Switching needs an exclusive lock, and when several processes open a new
    file at the same instant SQLite can answer "database is locked" at once,
    without calling its busy handler; so the switch is retried for a while.
    """
    deadline = time.monotonic() + 15
    while True:
        try:
            if cursor.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
                cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def _sqlite_on_begin(conn: Connection) -> None:
    read_only = conn.get_execution_options().get(READ_ONLY, False)
    conn.exec_driver_sql("BEGIN DEFERRED" if read_only else "BEGIN IMMEDIATE")


def _postgres_engine(url: URL) -> Engine:
    try:
        return sa.create_engine(url, pool_pre_ping=True)
    except (ModuleNotFoundError, NoSuchModuleError):
        raise AssessmentError(
            "PostgreSQL needs the psycopg driver: pip install 'role-radar[postgres]'"
        ) from None


_write_locks: weakref.WeakKeyDictionary[Engine, threading.RLock] = weakref.WeakKeyDictionary()
_write_locks_guard = threading.Lock()


@contextmanager
def writing(engine: Engine) -> Iterator[Connection]:
    """A write transaction; on SQLite, this process's writers first queue on a lock.

    SQLite's busy handler polls with sleeps of up to 100 ms, so threads that
    meet at the database lock waste most of that time; queueing them on a
    Python lock hands the database over at once. Other processes still wait
    through the busy timeout, as before.
    """
    if engine.dialect.name != "sqlite":
        with engine.begin() as conn:
            yield conn
        return
    with _write_locks_guard:
        lock = _write_locks.setdefault(engine, threading.RLock())
    with lock, engine.begin() as conn:
        yield conn


@contextmanager
def reading(engine: Engine) -> Iterator[Connection]:
    """A consistent snapshot for reads that never takes SQLite's write lock."""
    with engine.connect() as conn:
        options: dict[str, Any] = {READ_ONLY: True}
        if conn.dialect.name == "postgresql":
            options.update(isolation_level="REPEATABLE READ", postgresql_readonly=True)
        conn.execution_options(**options)
        with conn.begin():
            yield conn


def init_db(engine: Engine) -> int:
    """Bring the schema up to date and return its version; safe to run at every start.

    Runs inside one write transaction that holds a lock (SQLite: BEGIN
    IMMEDIATE; PostgreSQL: a transaction-scoped advisory lock), so two
    processes starting at once take turns and the second finds nothing to do.
    """
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(sa.select(sa.func.pg_advisory_xact_lock(_PG_INIT_LOCK)))
        schema_version.create(conn, checkfirst=True)
        stored = conn.scalar(sa.select(schema_version.c.version).where(schema_version.c.id == 1))
        current = stored or 0
        if current > SCHEMA_VERSION:
            raise AssessmentError(
                f"The database has schema version {current}, newer than this Role Radar"
                f" understands ({SCHEMA_VERSION}); upgrade Role Radar before starting it."
            )
        for step in MIGRATIONS[current:]:
            step(conn)
        if stored is None:
            conn.execute(schema_version.insert().values(id=1, version=SCHEMA_VERSION))
        elif current != SCHEMA_VERSION:
            conn.execute(
                schema_version.update()
                .where(schema_version.c.id == 1)
                .values(version=SCHEMA_VERSION)
            )
    return SCHEMA_VERSION

"""Submissions per second through `store.submit_response`, against raw executemany.

For each backend (a temp SQLite file; PostgreSQL when reachable) and each
number of concurrent writer threads, two runs on fresh databases:

* store: every thread calls ``submit_response`` N times through one shared
  Engine (validation, idempotency check, response + answers + draft
  deletion in one transaction);
* raw: every thread inserts the same rows (one response, one answer per
  item) with the bare driver -- ``execute`` + ``executemany`` -- in the same
  number of transactions, on a connection of its own.

The ratio raw/store is the price of the storage layer. Targets: >= 300
submissions/s with 8 writers on SQLite, zero errors, within 3x of raw.
``--frame N`` also times `responses_frame` over N imported responses.

    python benchmarks/bench_submit.py [--n 250] [--writers 1 8] [--frame 100000]
"""

from __future__ import annotations

import argparse
import os
import secrets
import sqlite3
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from assessment import store
from assessment.bank import Bank, load_bank
from assessment.store.schema import init_db, make_engine

PG_URL = os.environ.get(
    "ASSESSMENT_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
TEAMS = ["Checkout", "Search"]


def run_threads(writers: int, work: Callable[[int], None]) -> tuple[float, int]:
    """Run work(w) on `writers` threads started together; (seconds, errors)."""
    start = threading.Barrier(writers + 1)
    errors: list[BaseException] = []

    def body(w: int) -> None:
        start.wait()
        try:
            work(w)
        except BaseException as exc:  # counted and shown: a benchmark must not hide failures
            errors.append(exc)

    threads = [threading.Thread(target=body, args=(w,)) for w in range(writers)]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    for exc in errors[:3]:
        print(f"    error: {type(exc).__name__}: {exc}")
    return elapsed, len(errors)


def store_run(engine: sa.Engine, bank: Bank, writers: int, n: int) -> tuple[float, int]:
    rnd = store.open_round(engine, "bench", TEAMS, bank)
    answers = {item: 1 + i % bank.scale.points for i, item in enumerate(bank.item_ids)}

    def work(w: int) -> None:
        for k in range(n):
            store.submit_response(
                engine,
                rnd.token,
                team=TEAMS[k % 2],
                role="engineering",
                answers=answers,
                comment=None,
                client_token=f"w{w}-{k}",
            )

    return run_threads(writers, work)


RESPONSE_SQL = (
    "INSERT INTO responses (response_id, round_id, team, role, submitted_at, source, client_token)"
    " VALUES ({p}, {p}, {p}, {p}, {p}, {p}, {p})"
)
ANSWER_SQL = "INSERT INTO answers (response_pk, item_pos, value) VALUES ({p}, {p}, {p})"


def raw_run(
    connect: Callable[[], Any], begin: str, p: str, round_id: int, bank: Bank, writers: int, n: int
) -> tuple[float, int]:
    """The same rows with the bare driver: one transaction per submission."""
    values = [1 + i % bank.scale.points for i in range(len(bank.item_ids))]
    response_sql = RESPONSE_SQL.format(p=p) + " RETURNING pk"
    answer_sql = ANSWER_SQL.format(p=p)

    def work(w: int) -> None:
        conn = connect()
        try:
            cur = conn.cursor()
            for k in range(n):
                cur.execute(begin)
                now = datetime.now(UTC).replace(microsecond=0, tzinfo=None)
                cur.execute(
                    response_sql,
                    (
                        secrets.token_hex(16),
                        round_id,
                        TEAMS[k % 2],
                        "engineering",
                        now,
                        "web",
                        f"w{w}-{k}",
                    ),
                )
                pk = cur.fetchone()[0]
                cur.executemany(answer_sql, [(pk, i, v) for i, v in enumerate(values)])
                cur.execute("COMMIT")
        finally:
            conn.close()

    return run_threads(writers, work)


@contextmanager
def sqlite_backend() -> Iterator[tuple[Callable[[], sa.Engine], Callable[..., tuple[float, int]]]]:
    with tempfile.TemporaryDirectory() as folder:
        counter = iter(range(1_000_000))

        def engine() -> sa.Engine:
            db = make_engine(f"sqlite:///{Path(folder) / f'bench{next(counter)}.db'}")
            init_db(db)
            return db

        def raw(db: sa.Engine, bank: Bank, writers: int, n: int) -> tuple[float, int]:
            round_id = round_of(db, bank)

            def connect() -> sqlite3.Connection:
                conn = sqlite3.connect(
                    db.url.database or "", isolation_level=None, check_same_thread=False
                )
                for pragma in (
                    "busy_timeout=15000",
                    "journal_mode=WAL",
                    "synchronous=NORMAL",
                    "foreign_keys=ON",
                ):
                    conn.execute(f"PRAGMA {pragma}")
                return conn

            return raw_run(connect, "BEGIN IMMEDIATE", "?", round_id, bank, writers, n)

        yield engine, raw


@contextmanager
def postgres_backend() -> Iterator[
    tuple[Callable[[], sa.Engine], Callable[..., tuple[float, int]]]
]:
    import psycopg

    admin = make_engine(PG_URL)
    schemas: list[str] = []
    url = make_url(PG_URL)
    try:

        def engine() -> sa.Engine:
            schema = f"bench_{secrets.token_hex(6)}"
            schemas.append(schema)
            with admin.begin() as conn:
                conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
            scoped = url.update_query_dict({"options": f"-csearch_path={schema}"})
            db = make_engine(scoped.render_as_string(hide_password=False))
            init_db(db)
            return db

        def raw(db: sa.Engine, bank: Bank, writers: int, n: int) -> tuple[float, int]:
            round_id = round_of(db, bank)

            def connect() -> Any:
                return psycopg.connect(
                    host=url.host,
                    port=url.port,
                    user=url.username,
                    password=url.password,
                    dbname=url.database,
                    options=f"-csearch_path={schemas[-1]}",
                    autocommit=True,
                )

            return raw_run(connect, "BEGIN", "%s", round_id, bank, writers, n)

        yield engine, raw
    finally:
        with admin.begin() as conn:
            for schema in schemas:
                conn.execute(sa.text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        admin.dispose()


def round_of(db: sa.Engine, bank: Bank) -> int:
    store.open_round(db, "raw", TEAMS, bank)
    with db.connect() as conn:
        return int(conn.execute(sa.text("SELECT max(id) FROM rounds")).scalar_one())


def postgres_reachable() -> str | None:
    """None when reachable, else the reason."""
    admin = make_engine(PG_URL)
    try:
        with admin.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
        return None
    except sa.exc.OperationalError as exc:
        return str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
    finally:
        admin.dispose()


def frame_seconds(db: sa.Engine, bank: Bank, rows: int) -> float:
    """Seconds for `responses_frame` over `rows` imported responses."""
    rng = np.random.default_rng(1)
    values = rng.integers(1, bank.scale.points + 1, size=(rows, len(bank.item_ids))).astype(float)
    values[rng.random(values.shape) < 0.05] = np.nan
    frame = pd.DataFrame(values, columns=bank.item_ids)
    frame.insert(0, "team", np.array(TEAMS, dtype=object)[rng.integers(0, 2, rows)])
    frame.insert(1, "role", "engineering")
    rnd = store.open_round(db, "frame", TEAMS, bank)
    store.import_responses(db, rnd.token, frame)
    began = time.perf_counter()
    result = store.responses_frame(db, rnd.token)
    elapsed = time.perf_counter() - began
    if len(result) != rows:
        raise RuntimeError(f"responses_frame returned {len(result)} rows, expected {rows}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=250, help="submissions per writer")
    parser.add_argument("--writers", type=int, nargs="+", default=[1, 8])
    parser.add_argument(
        "--frame",
        type=int,
        default=0,
        metavar="N",
        help="also time responses_frame over N responses",
    )
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    bank = load_bank()
    backends: list[tuple[str, Any]] = [("sqlite", sqlite_backend)]
    reason = "skipped (--no-postgres)" if args.no_postgres else postgres_reachable()
    if reason is None:
        backends.append(("postgresql", postgres_backend))
    else:
        print(f"PostgreSQL: {reason}; measuring SQLite only.")
    print(f"{len(bank.items)} items per submission, {args.n} submissions per writer\n")
    header = f"{'backend':<11} {'writers':>7} {'submissions/s':>14} {'errors':>6}"
    print(header + f" {'raw/s':>8} {'raw errors':>10} {'raw/store':>9}")
    for name, backend in backends:
        with backend() as (engine, raw):
            for writers in args.writers:
                db = engine()
                seconds, errors = store_run(db, bank, writers, args.n)
                db.dispose()
                db = engine()
                raw_seconds, raw_errors = raw(db, bank, writers, args.n)
                db.dispose()
                total = writers * args.n
                rate, raw_rate = total / seconds, total / raw_seconds
                print(
                    f"{name:<11} {writers:>7} {rate:>14.0f} {errors:>6} {raw_rate:>8.0f}"
                    f" {raw_errors:>10} {raw_rate / rate:>8.2f}x"
                )
            if args.frame:
                db = engine()
                print(
                    f"{name}: responses_frame over {args.frame:,} responses x"
                    f" {len(bank.items)} items: {frame_seconds(db, bank, args.frame):.2f} s"
                )
                db.dispose()


if __name__ == "__main__":
    main()

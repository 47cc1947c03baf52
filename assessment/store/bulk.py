"""Writing many answer rows fast, with each backend's own bulk path.

An answer is one row per (response, item), so a submission writes ~40 rows and
an import of 20,000 responses ~800,000. Building SQLAlchemy parameters for each
row costs more than the database's own work, so answers go straight to the
driver: PostgreSQL's COPY, and SQLite's executemany with a prepared statement.
Both run on the caller's connection, inside the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy.engine import Connection

__all__ = ["AnswerRow", "insert_answers"]

AnswerRow = tuple[int, int, int | None]  # (response_pk, item_pos, value or None)

_COLUMNS = "answers (response_pk, item_pos, value)"


def insert_answers(conn: Connection, rows: Sequence[AnswerRow] | Iterable[AnswerRow]) -> None:
    """Insert answer rows in the transaction of `conn`."""
    if conn.dialect.name == "postgresql":
        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        with cursor.copy(f"COPY {_COLUMNS} FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    placeholder = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    values = ", ".join([placeholder] * 3)
    conn.exec_driver_sql(f"INSERT INTO {_COLUMNS} VALUES ({values})", list(rows))

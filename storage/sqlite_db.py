"""The SQLite side of storage/db.py, importable without PostgreSQL's driver (a verification
worker on SQLite starts in a fraction of the time)."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any
from uuid import UUID

Row = dict[str, Any]


class _SqliteTx:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self.c = conn

    def run(self, sql: str, params: Sequence[Any] = ()) -> int:
        return self.c.execute(sql, tuple(params)).rowcount

    def many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        self.c.executemany(sql, rows)

    def all(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        return [dict(r) for r in self.c.execute(sql, tuple(params)).fetchall()]

    def one(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        r = self.c.execute(sql, tuple(params)).fetchone()
        return dict(r) if r is not None else None

    def rows(
        self, sql: str, params: Sequence[Any] = (), size: int = 5000
    ) -> Iterator[tuple[Any, ...]]:
        for page in self.pages(sql, params, size):
            yield from page

    def pages(
        self, sql: str, params: Sequence[Any] = (), size: int = 5000
    ) -> Iterator[list[tuple[Any, ...]]]:
        cur = self.c.cursor()
        cur.row_factory = None
        cur.execute(sql, tuple(params))
        while batch := cur.fetchmany(size):
            yield batch


SqliteTx = _SqliteTx  # over a connection of one's own (an in-memory replica of read models)


class SqliteDatabase:
    dialect = "sqlite"
    notification_column = "rowid"
    events_table = "stored_events"

    def __init__(self, path: str) -> None:
        self.path = path
        self._local = threading.local()

    def _conn(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(
                self.path, isolation_level=None, timeout=30, check_same_thread=False
            )
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA busy_timeout=30000")
            self._local.conn = conn
        return conn

    @contextmanager
    def tx(self, *, write: bool = True, pipeline: bool = False) -> Iterator[_SqliteTx]:
        # `pipeline` batches round trips on PostgreSQL; SQLite has none to save.
        conn = self._conn()
        # IMMEDIATE takes the write lock up front, so a read-then-write never hits SQLITE_BUSY.
        conn.execute("BEGIN IMMEDIATE" if write else "BEGIN")
        try:
            yield _SqliteTx(conn)
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT" if write else "ROLLBACK")

    def ping(self) -> None:
        with self.tx(write=False) as tx:
            tx.one("SELECT 1")

    def oid(self, originator_id: UUID) -> str:
        return originator_id.hex

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

"""A small SQL helper over SQLite and PostgreSQL for read models, the ledger and verification.

Statements are written with `?` placeholders; the PostgreSQL side turns them into `%s`.
Rows come back as dicts on both.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import Any, Protocol
from uuid import UUID

import psycopg
from psycopg.rows import dict_row, tuple_row
from psycopg_pool import ConnectionPool, PoolTimeout

from storage.connection import RECONNECT_ROUND_S, EventStoreUrl
from storage.errors import StoreUnavailable
from storage.sqlite_db import Row as Row
from storage.sqlite_db import SqliteDatabase as SqliteDatabase

_cursor_ids = itertools.count()


class Tx(Protocol):
    def run(self, sql: str, params: Sequence[Any] = ()) -> int: ...
    def many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None: ...
    def all(self, sql: str, params: Sequence[Any] = ()) -> list[Row]: ...
    def one(self, sql: str, params: Sequence[Any] = ()) -> Row | None: ...
    def rows(
        self, sql: str, params: Sequence[Any] = (), size: int = 5000
    ) -> Iterator[tuple[Any, ...]]:
        """Stream tuples (not dicts) without holding the result: for scans of the whole log."""
        ...

    def pages(
        self, sql: str, params: Sequence[Any] = (), size: int = 5000
    ) -> Iterator[list[tuple[Any, ...]]]:
        """`rows` a page (list of up to `size` tuples) at a time."""
        ...


class Database(Protocol):
    dialect: str
    events_table: str  # the event store's table (its name differs between backends)

    def tx(self, *, write: bool = True, pipeline: bool = False) -> AbstractContextManager[Tx]: ...
    def ping(self) -> None: ...  # raises StoreUnavailable unless the database answers now
    def oid(self, originator_id: UUID) -> Any: ...
    def close(self) -> None: ...


class _PgTx:
    def __init__(self, cur: psycopg.Cursor[Row]) -> None:
        self.cur = cur

    def run(self, sql: str, params: Sequence[Any] = ()) -> int:
        self.cur.execute(sql.replace("?", "%s"), tuple(params))
        return self.cur.rowcount

    def many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        self.cur.executemany(sql.replace("?", "%s"), rows)

    def all(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        self.cur.execute(sql.replace("?", "%s"), tuple(params))
        return list(self.cur.fetchall())

    def one(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        self.cur.execute(sql.replace("?", "%s"), tuple(params))
        return self.cur.fetchone()

    def rows(
        self, sql: str, params: Sequence[Any] = (), size: int = 5000
    ) -> Iterator[tuple[Any, ...]]:
        for page in self.pages(sql, params, size):  # per-row iteration of a cursor costs more
            yield from page

    def pages(
        self, sql: str, params: Sequence[Any] = (), size: int = 5000
    ) -> Iterator[list[tuple[Any, ...]]]:
        # A server-side cursor in this transaction, binary rows: no hex-decoding of bytea.
        name = f"rows_{next(_cursor_ids)}"
        conn = self.cur.connection
        with conn.cursor(name, row_factory=tuple_row, binary=True) as cur:
            cur.execute(sql.replace("?", "%s"), tuple(params))
            while batch := cur.fetchmany(size):
                yield batch


class PostgresDatabase:
    dialect = "postgres"
    notification_column = "notification_id"
    events_table = "saksi_events"

    def __init__(self, url: EventStoreUrl, *, max_size: int = 8) -> None:
        self.url = url
        self.pool: ConnectionPool[psycopg.Connection[Row]] = ConnectionPool(
            url.conninfo(),
            min_size=1,
            max_size=max_size,
            kwargs={"options": f"-c search_path={url.schema}", "row_factory": dict_row},
            open=False,
            timeout=10,
            check=ConnectionPool.check_connection,
            reconnect_timeout=RECONNECT_ROUND_S,
        )
        self._opened = False
        self._open_lock = threading.Lock()

    def _open(self) -> None:
        """Open the pool once; `open(wait=True)` on every transaction raced between threads
        (psycopg_pool asserts when two threads wait for a full pool at once)."""
        if self._opened:
            return
        with self._open_lock:
            if not self._opened:
                self.pool.open(wait=True, timeout=10)
                self._opened = True

    @contextmanager
    def tx(self, *, write: bool = True, pipeline: bool = False) -> Iterator[_PgTx]:
        """A transaction; with `pipeline`, statements whose results are not read are sent
        without waiting for each answer (many small writes, e.g. a projection batch)."""
        try:
            self._open()
            conn_cm = self.pool.connection()
            conn = conn_cm.__enter__()
        except (psycopg.OperationalError, PoolTimeout) as e:
            raise StoreUnavailable(f"PostgreSQL is unavailable: {_first_line(e)}") from None
        try:
            with (
                conn.pipeline() if pipeline else nullcontext(),
                conn.transaction(force_rollback=not write),
                conn.cursor() as cur,
            ):
                yield _PgTx(cur)
        except BaseException as e:
            conn_cm.__exit__(type(e), e, e.__traceback__)
            if isinstance(e, psycopg.OperationalError):
                raise StoreUnavailable(f"PostgreSQL is unavailable: {_first_line(e)}") from None
            raise
        conn_cm.__exit__(None, None, None)

    def ping(self) -> None:
        """A connection of its own, not the pool's: readiness must answer within seconds and
        say whether the server answers now (the pool waits up to 10 s for a connection, and
        reconnects with back-off after an outage)."""
        try:
            with psycopg.connect(self.url.conninfo(), connect_timeout=2) as conn:
                conn.execute("SELECT 1")
        except psycopg.OperationalError as e:
            raise StoreUnavailable(f"PostgreSQL is unavailable: {_first_line(e)}") from None

    def oid(self, originator_id: UUID) -> UUID:
        return originator_id

    def close(self) -> None:
        self.pool.close()


def _first_line(e: BaseException) -> str:
    text = str(e).strip()
    return text.splitlines()[0] if text else type(e).__name__


def open_database(url: EventStoreUrl) -> SqliteDatabase | PostgresDatabase:
    if url.dialect == "sqlite":
        assert url.path is not None
        return SqliteDatabase(str(url.path))
    return PostgresDatabase(url)

"""The witness's own state: the latest cosigned checkpoint of each log, and the refusals it
keeps as evidence. SQLite (`sqlite:///PATH`) or PostgreSQL (`postgresql://...[?schema=S]`);
never the archive's database.

witness_latest    origin → size, root, the checkpoint note with this witness's cosignature
witness_refusals  every checkpoint refused with a good signature (or a stale size): the note,
                  the witness's latest at the time, status and reason — a fork's evidence

Reading the latest checkpoint, deciding and storing the new one happen in one transaction
holding a per-log lock (SQLite: BEGIN IMMEDIATE; PostgreSQL: a transaction advisory lock on
the origin), so two concurrent requests can never roll the log back (tlog-witness's race).
SQLite runs with synchronous=FULL: a cosignature is only sent once its checkpoint is on disk.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol
from urllib.parse import parse_qs, urlencode, urlparse, urlunparse

from ledger.witness import Latest

_DDL = (
    "CREATE TABLE IF NOT EXISTS witness_latest (origin TEXT PRIMARY KEY, size BIGINT NOT NULL, "
    "root {blob} NOT NULL, note TEXT NOT NULL, updated_at TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS witness_refusals (id {serial}, origin TEXT NOT NULL, "
    "status INTEGER NOT NULL, kind TEXT NOT NULL, detail TEXT NOT NULL, old_size BIGINT, "
    "note TEXT NOT NULL, latest_note TEXT, at TEXT NOT NULL)",
)


@dataclass(frozen=True)
class Refused:
    origin: str
    status: int
    kind: str
    detail: str
    old_size: int | None
    note: str
    latest_note: str | None
    at: str


class _Tx(Protocol):
    def run(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]: ...


Decide = Callable[[Latest | None], tuple[int, bytes, str]]  # -> new size, root, stored note


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


class WitnessState:
    """Latest checkpoints and refusals, on SQLite or PostgreSQL."""

    def __init__(self, url: str) -> None:
        self.url = url
        if url.startswith("sqlite:///") and len(url) > len("sqlite:///"):
            self.dialect = "sqlite"
            self._path = url[len("sqlite:///") :]
            self._local = threading.local()
        elif url.startswith(("postgresql://", "postgres://")):
            self.dialect = "postgres"
            self._conninfo, self._schema = _pg_url(url)
        else:
            raise ValueError("the witness state is sqlite:///PATH or postgresql://USER@HOST/DB")
        with self._tx() as tx:
            blob, serial = (
                ("BLOB", "INTEGER PRIMARY KEY AUTOINCREMENT")
                if self.dialect == "sqlite"
                else ("bytea", "bigserial PRIMARY KEY")
            )
            if self.dialect == "postgres":
                tx.run("SELECT pg_advisory_xact_lock(hashtext('saksi-witness-ddl'))")
                tx.run(f'CREATE SCHEMA IF NOT EXISTS "{self._schema}"')
            for statement in _DDL:
                tx.run(statement.format(blob=blob, serial=serial))

    @contextmanager
    def _tx(self) -> Iterator[_Tx]:
        if self.dialect == "sqlite":
            with self._sqlite_tx() as tx:
                yield tx
        else:
            with self._pg_tx() as tx:
                yield tx

    @contextmanager
    def _sqlite_tx(self) -> Iterator[_Tx]:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self._path, timeout=30, isolation_level=None)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=FULL")
            self._local.conn = conn
        conn.execute("BEGIN IMMEDIATE")  # the write lock first: one decision at a time
        try:
            yield _SqliteRun(conn)
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    @contextmanager
    def _pg_tx(self) -> Iterator[_Tx]:
        import psycopg

        with psycopg.connect(self._conninfo) as conn, conn.transaction():
            conn.execute(f'SET LOCAL search_path TO "{self._schema}"')
            yield _PgRun(conn)

    def _lock(self, tx: _Tx, origin: str) -> None:
        if self.dialect == "postgres":
            tx.run("SELECT pg_advisory_xact_lock(hashtext(%s))", (f"saksi-witness:{origin}",))

    def _q(self, sql: str) -> str:
        return sql if self.dialect == "sqlite" else sql.replace("?", "%s")

    def latest(self, origin: str) -> Latest | None:
        with self._tx() as tx:
            return self._latest(tx, origin)

    def _latest(self, tx: _Tx, origin: str) -> Latest | None:
        rows = tx.run(
            self._q("SELECT size, root, note FROM witness_latest WHERE origin=?"), (origin,)
        )
        return Latest(int(rows[0][0]), bytes(rows[0][1]), str(rows[0][2])) if rows else None

    def advance(self, origin: str, decide: Decide) -> tuple[int, bytes, str]:
        """Read the latest checkpoint of `origin`, let `decide` check the new one (it raises
        to refuse) and store what it returns, all under the log's lock."""
        with self._tx() as tx:
            self._lock(tx, origin)
            size, root, note = decide(self._latest(tx, origin))
            tx.run(
                self._q(
                    "INSERT INTO witness_latest (origin, size, root, note, updated_at) "
                    "VALUES (?,?,?,?,?) ON CONFLICT (origin) DO UPDATE SET size=excluded.size, "
                    "root=excluded.root, note=excluded.note, updated_at=excluded.updated_at"
                ),
                (origin, size, root, note, _now()),
            )
            return size, root, note

    def refused(
        self, origin: str, status: int, kind: str, detail: str, old_size: int | None, note: str
    ) -> None:
        """Keep a refused checkpoint beside the latest one, as evidence."""
        with self._tx() as tx:
            latest = self._latest(tx, origin)
            tx.run(
                self._q(
                    "INSERT INTO witness_refusals (origin, status, kind, detail, old_size, note, "
                    "latest_note, at) VALUES (?,?,?,?,?,?,?,?)"
                ),
                (
                    origin,
                    status,
                    kind,
                    detail[:2000],
                    old_size,
                    note,
                    latest and latest.note,
                    _now(),
                ),
            )

    def refusals(self) -> list[Refused]:
        with self._tx() as tx:
            rows = tx.run(
                "SELECT origin, status, kind, detail, old_size, note, latest_note, at "
                "FROM witness_refusals ORDER BY id"
            )
        return [Refused(*row) for row in rows]

    def close(self) -> None:
        conn = getattr(getattr(self, "_local", None), "conn", None)
        if conn is not None:
            conn.close()


class _SqliteRun:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def run(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        return self.conn.execute(sql, params).fetchall()


class _PgRun:
    def __init__(self, conn: Any) -> None:
        self.conn = conn

    def run(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        cur = self.conn.execute(sql, params)
        return list(cur.fetchall()) if cur.description else []


def _pg_url(url: str) -> tuple[str, str]:
    """libpq's URL without our `schema` parameter, and the schema."""
    u = urlparse(url)
    query = parse_qs(u.query)
    schema = query.pop("schema", ["public"])[0]
    if not schema.replace("_", "").isalnum():
        raise ValueError(f"invalid schema name {schema!r}")
    rest = urlencode({k: v[0] for k, v in query.items()})
    return urlunparse(u._replace(scheme="postgresql", query=rest)), schema

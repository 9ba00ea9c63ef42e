"""Reads the event log and the Merkle log in order, streamed, for verification.

Everything `audit verify` reads comes from one read-only transaction (REPEATABLE READ on
PostgreSQL; SQLite's WAL gives a read transaction one snapshot), so appends and sealing that
happen meanwhile are not mistaken for tampering. Rows are tuples from server-side cursors;
originator ids come as their 16 bytes on both databases.
"""

from __future__ import annotations

import contextlib
import itertools
import queue
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any
from uuid import UUID

import psycopg
from psycopg import sql as pgsql

from storage.db import Database, PostgresDatabase, Tx

PAGE = 5000


@contextmanager
def snapshot(db: Database, imported: str | None = None) -> Iterator[Tx]:
    """A read-only transaction with one snapshot; on PostgreSQL optionally one exported by
    another session (`export`), so two processes read the very same state."""
    with db.tx(write=False) as tx:
        if db.dialect == "postgres":
            tx.run("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            if imported is not None:
                tx.run(f"SET TRANSACTION SNAPSHOT '{_snapshot_id(imported)}'")
        yield tx


def _snapshot_id(text: str) -> str:
    if not all(c.isalnum() or c == "-" for c in text):
        raise ValueError(f"not a snapshot id: {text!r}")
    return text


def _nid(db: Database, alias: str) -> str:
    return f"{alias}.rowid" if db.dialect == "sqlite" else f"{alias}.notification_id"


def _oid(db: Database, column: str) -> str:
    return f"uuid_send({column})" if db.dialect == "postgres" else column


def event_pages(tx: Tx, db: Database) -> Iterator[list[tuple[Any, ...]]]:
    """Pages of `streams.EventRow`: every event with the chain link stored at its position,
    and whether that link is the event's own (the caller looks up the others)."""
    nid = _nid(db, "e")
    query = (
        f"SELECT {nid}, {_oid(db, 'e.originator_id')}, e.originator_version, e.topic, e.state, "
        "c.originator_id = e.originator_id AND c.originator_version = e.originator_version, "
        "c.prev_hash, c.hash "
        f"FROM {db.events_table} e LEFT JOIN event_chain c ON c.notification_id = {nid} "
        f"ORDER BY {nid}"
    )
    if isinstance(db, PostgresDatabase):
        yield from _prefetched(db, export(tx), query)
        return
    rows = tx.rows(query)
    while page := list(itertools.islice(rows, PAGE)):
        yield [(p, bytes.fromhex(o), v, t, s, own, pr, h) for p, o, v, t, s, own, pr, h in page]


def link_pages(tx: Tx, db: Database, prefetch: bool = True) -> Iterator[list[tuple[Any, ...]]]:
    """Pages of (position, oid, version, hash): the chain links in position order."""
    query = (
        f"SELECT notification_id, {_oid(db, 'originator_id')}, originator_version, hash "
        "FROM event_chain ORDER BY notification_id"
    )
    if isinstance(db, PostgresDatabase):
        if prefetch:
            yield from _prefetched(db, export(tx), query)
        else:
            rows = tx.rows(query)
            while page := list(itertools.islice(rows, PAGE)):
                yield page
        return
    rows = tx.rows(query)
    while page := list(itertools.islice(rows, PAGE)):
        yield [(p, bytes.fromhex(o), v, h) for p, o, v, h in page]


def export(tx: Tx) -> str:
    """An id other PostgreSQL sessions use to read in this transaction's snapshot."""
    row = tx.one("SELECT pg_export_snapshot() AS s")
    assert row is not None
    return str(row["s"])


def _prefetched(db: PostgresDatabase, snapshot_id: str, query: str) -> Iterator[list[Any]]:
    """Pages read by a helper thread on its own connection, in the caller's snapshot: the
    server produces the next page while the caller checks this one."""
    pages: queue.Queue[list[tuple[Any, ...]] | BaseException | None] = queue.Queue(maxsize=4)
    stop = threading.Event()

    def fetch() -> None:
        try:
            options = f"-c search_path={db.url.schema}"
            with psycopg.connect(db.url.conninfo(), options=options) as conn:
                conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
                conn.read_only = True
                conn.execute(pgsql.SQL("SET TRANSACTION SNAPSHOT {}").format(snapshot_id))
                with conn.cursor("verify_rows", binary=True) as cur:
                    cur.execute(query)
                    while not stop.is_set() and (page := cur.fetchmany(PAGE)):
                        pages.put(page)
                conn.rollback()
        except BaseException as e:  # handed to the reading thread
            pages.put(e)
        finally:
            pages.put(None)

    worker = threading.Thread(target=fetch, name="verify-prefetch", daemon=True)
    worker.start()
    try:
        while (page := pages.get()) is not None:
            if isinstance(page, BaseException):
                raise page
            yield page
    finally:
        stop.set()
        while worker.is_alive():  # unblock a pending put, then let it finish
            with contextlib.suppress(queue.Empty):
                pages.get(timeout=0.1)
        worker.join()


def link_of(tx: Tx, db: Database, oid: bytes, version: int) -> tuple[int, bytes, bytes] | None:
    """(position, prev hash, hash) of the link recorded for an event, wherever it sits."""
    r = tx.one(
        "SELECT notification_id AS pos, prev_hash AS prev, hash AS h FROM event_chain "
        "WHERE originator_id = ? AND originator_version = ?",
        (db.oid(UUID(bytes=oid)), version),
    )
    return None if r is None else (int(r["pos"]), bytes(r["prev"]), bytes(r["h"]))


def link_count(tx: Tx) -> int:
    row = tx.one("SELECT COUNT(*) AS n FROM event_chain")
    return int(row["n"]) if row else 0


def orphan_links(tx: Tx, db: Database) -> list[tuple[int, bytes, int]]:
    """Chain links whose event no longer exists."""
    rows = tx.all(
        "SELECT c.notification_id AS pos, c.originator_id AS oid, c.originator_version AS v "
        f"FROM event_chain c LEFT JOIN {db.events_table} e "
        "ON c.originator_id = e.originator_id AND c.originator_version = e.originator_version "
        "WHERE e.originator_id IS NULL ORDER BY c.notification_id"
    )
    return [(int(r["pos"]), _uuid_bytes(r["oid"]), int(r["v"])) for r in rows]


def _uuid_bytes(value: Any) -> bytes:
    return value.bytes if isinstance(value, UUID) else bytes.fromhex(str(value).replace("-", ""))


def leaves(
    tx: Tx, db: Database, prefetch: bool = True
) -> Iterator[tuple[int, int, bytes, int, bytes]]:
    """(leaf index, position, oid, version, event hash) in leaf order."""
    query = (
        f"SELECT leaf_index, notification_id, {_oid(db, 'originator_id')}, originator_version, "
        "event_hash FROM ledger_leaves ORDER BY leaf_index"
    )
    if isinstance(db, PostgresDatabase):
        if prefetch:
            return itertools.chain.from_iterable(_prefetched(db, export(tx), query))
        return tx.rows(query)
    rows = tx.rows(query)
    return ((i, pos, bytes.fromhex(oid), v, h) for i, pos, oid, v, h in rows)


def nodes(tx: Tx, level: int) -> Iterator[tuple[int, bytes]]:
    """(index, hash) of one level's stored nodes, by index."""
    return tx.rows("SELECT idx, hash FROM ledger_nodes WHERE level = ? ORDER BY idx", (level,))


def nodes_beyond(tx: Tx, size: int) -> list[tuple[int, int]]:
    """Stored nodes over leaves the log does not have: left behind by a truncation."""
    top = tx.one("SELECT MAX(level) AS m FROM ledger_nodes")
    found: list[tuple[int, int]] = []
    for level in range(1, int(top["m"] or 0) + 1 if top else 1):
        rows = tx.all(
            "SELECT idx FROM ledger_nodes WHERE level = ? AND idx >= ? ORDER BY idx LIMIT 100",
            (level, size >> level),
        )
        found += [(level, int(r["idx"])) for r in rows]
    return found


def positions_of(tx: Tx, indexes: Sequence[int]) -> dict[int, int]:
    """Leaf index -> position, for the leaves that exist."""
    found: dict[int, int] = {}
    for start in range(0, len(indexes), 500):
        part = list(indexes[start : start + 500])
        marks = ",".join("?" * len(part))
        for r in tx.all(
            f"SELECT leaf_index AS i, notification_id AS p FROM ledger_leaves "
            f"WHERE leaf_index IN ({marks})",
            part,
        ):
            found[int(r["i"])] = int(r["p"])
    return found


def stream_with_links(db: Database, originator_id: UUID) -> list[dict[str, Any]]:
    """One stream's events in version order, with chain link and leaf index (if sealed)."""
    nid = "e.rowid" if db.dialect == "sqlite" else "e.notification_id"
    with db.tx(write=False) as tx:
        rows: list[dict[str, Any]] = tx.all(
            f"SELECT {nid} AS pos, e.originator_version AS v, e.topic AS topic, e.state AS state, "
            "c.prev_hash AS prev, c.hash AS h, l.leaf_index AS leaf "
            f"FROM {db.events_table} e LEFT JOIN event_chain c "
            "ON c.originator_id = e.originator_id AND c.originator_version = e.originator_version "
            f"LEFT JOIN ledger_leaves l ON l.notification_id = {nid} "
            "WHERE e.originator_id = ? ORDER BY e.originator_version",
            (db.oid(originator_id),),
        )
    return rows

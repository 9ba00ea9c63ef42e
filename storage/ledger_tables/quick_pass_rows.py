"""What the quick pass of `audit verify` reads (ledger/quick_pass.py), and the snapshot it
shares with a second process.

Each event comes with its own chain link and the leaf that seals exactly that link, joined by
the database, so one row carries everything the sweep checks about an event.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from storage.sqlite_db import SqliteDatabase

if TYPE_CHECKING:  # the PostgreSQL side is imported where it is used: a SQLite worker skips it
    from storage.db import Database, Tx

NO_BOUND = 1 << 62


@dataclass(frozen=True)
class SharedSnapshot:
    tx: Tx
    token: str  # what another process passes to `joined_snapshot`
    release: Callable[[], None]  # call once every process that joins holds the snapshot


@contextmanager
def shared_snapshot(db: Database) -> Iterator[SharedSnapshot]:
    """A read-only snapshot other processes can join.

    PostgreSQL exports it. SQLite cannot: instead its write lock is held from before this
    snapshot starts until `release`, so no commit lands before the joining process starts its
    own read transaction, and both see the same state. Writers wait meanwhile (a worker starts
    in well under a second); `release` as soon as nobody else joins.
    """
    if not isinstance(db, SqliteDatabase):
        from storage.ledger_tables.rows import export, snapshot

        with snapshot(db) as tx:
            yield SharedSnapshot(tx, export(tx), lambda: None)
        return
    pause = sqlite3.connect(db.path, timeout=30, isolation_level=None, check_same_thread=False)
    pause.execute("BEGIN IMMEDIATE")
    paused = True
    lock = threading.Lock()

    def release() -> None:  # from whichever thread learns first that it may
        nonlocal paused
        with lock:
            if paused:
                paused = False
                pause.execute("ROLLBACK")
                pause.close()

    try:
        with db.tx(write=False) as tx:
            _start_reading(tx, db)
            yield SharedSnapshot(tx, "", release)
    finally:
        release()


@contextmanager
def joined_snapshot(db: Database, token: str) -> Iterator[Tx]:
    """The snapshot of another process's `shared_snapshot`; it is held once this yields."""
    if isinstance(db, SqliteDatabase):
        with db.tx(write=False) as tx:
            _start_reading(tx, db)
            yield tx
        return
    from storage.ledger_tables.rows import snapshot

    with snapshot(db, imported=token) as tx:
        yield tx


def _start_reading(tx: Tx, db: Database) -> None:
    """SQLite fixes a read transaction's snapshot at its first read, not at BEGIN."""
    tx.one(f"SELECT 1 FROM {db.events_table} LIMIT 1")


def sweep_pages(tx: Tx, db: Database, after: int, upto: int) -> Iterator[list[Any]]:
    """Pages of `sweep.SweepRow` for events at positions after..upto, in position order."""
    nid = "e.rowid" if db.dialect == "sqlite" else "e.notification_id"
    oid = "e.originator_id" if db.dialect == "sqlite" else "uuid_send(e.originator_id)"
    # The range is repeated for the joined tables: PostgreSQL merge-joins them, and would
    # otherwise scan each from its start.
    return tx.pages(
        f"SELECT {oid}, e.originator_version, e.topic, e.state, c.prev_hash, c.hash, "
        f"l.leaf_index FROM {db.events_table} e "
        f"LEFT JOIN event_chain c ON c.notification_id = {nid} "
        "AND c.originator_id = e.originator_id AND c.originator_version = e.originator_version "
        "AND c.notification_id > ? AND c.notification_id <= ? "
        f"LEFT JOIN ledger_leaves l ON l.notification_id = {nid} "
        "AND l.originator_id = c.originator_id AND l.originator_version = c.originator_version "
        "AND l.event_hash = c.hash AND l.notification_id > ? AND l.notification_id <= ? "
        f"WHERE {nid} > ? AND {nid} <= ? ORDER BY {nid}",
        (after, upto) * 3,
    )


def oid_bytes(db: Database) -> Callable[[Any], bytes]:
    """The 16 bytes of an originator id as `sweep_pages` returns it."""
    return bytes.fromhex if db.dialect == "sqlite" else bytes


def node_level(tx: Tx, level: int, first: int, count: int) -> list[bytes]:
    """Stored hashes of nodes first..first+count-1 of one level, in index order."""
    return [
        bytes(h)
        for (h,) in tx.rows(
            "SELECT hash FROM ledger_nodes WHERE level = ? AND idx >= ? AND idx < ? ORDER BY idx",
            (level, first, first + count),
        )
    ]


def leaf_position(tx: Tx, index: int) -> int | None:
    row = tx.one("SELECT notification_id AS p FROM ledger_leaves WHERE leaf_index = ?", (index,))
    return None if row is None else int(row["p"])


def counts(tx: Tx) -> tuple[int, int, int]:
    """How many chain links, leaves and stored tree nodes there are."""
    row = tx.one(
        "SELECT (SELECT COUNT(*) FROM event_chain) AS links, "
        "(SELECT COUNT(*) FROM ledger_leaves) AS leaves, "
        "(SELECT COUNT(*) FROM ledger_nodes) AS nodes"
    )
    assert row is not None
    return int(row["links"]), int(row["leaves"]), int(row["nodes"])

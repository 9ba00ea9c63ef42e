"""Reads the event log and the Merkle log in order, page by page, for verification.

Every stream is bounded by a `Snapshot` taken first (checkpoints, then the tree size, then the
newest position), so appends and sealing that happen while `audit verify` runs are not
mistaken for tampering.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from archive.ledger.logcheck import CheckpointRow
from storage.db import Database
from storage.merkle_store import MerkleStore

PAGE = 5000


def _uuid(value: Any) -> UUID:
    return value if isinstance(value, UUID) else UUID(str(value))


@dataclass(frozen=True)
class Snapshot:
    checkpoints: list[CheckpointRow]
    tree_size: int
    last_position: int
    max_level: int


def snapshot(db: Database) -> Snapshot:
    nid = "rowid" if db.dialect == "sqlite" else "notification_id"
    with db.tx(write=False) as tx:
        checkpoints = [
            CheckpointRow(c.id, c.size, c.root, c.note, c.last_position)
            for c in MerkleStore.checkpoints(tx)
        ]
    with db.tx(write=False) as tx:
        size, _ = MerkleStore.head(tx)
    with db.tx(write=False) as tx:
        row = tx.one(f"SELECT MAX({nid}) AS p FROM {db.events_table}")
        last = int(row["p"]) if row and row["p"] is not None else 0
        level = tx.one("SELECT MAX(level) AS m FROM ledger_nodes")
        max_level = int(level["m"]) if level and level["m"] is not None else 0
    return Snapshot(checkpoints, size, last, max_level)


def events_with_links(db: Database, upto: int, page: int = PAGE) -> Iterator[tuple[Any, ...]]:
    """(position, originator id, version, topic, state, link position, prev hash, hash)."""
    nid = "e.rowid" if db.dialect == "sqlite" else "e.notification_id"
    after = -(2**63)  # forged rows may sit at position 0 or below
    while True:
        with db.tx(write=False) as tx:
            rows = tx.all(
                f"SELECT {nid} AS pos, e.originator_id AS oid, e.originator_version AS v, "
                "e.topic AS topic, e.state AS state, c.notification_id AS lpos, "
                f"c.prev_hash AS prev, c.hash AS h FROM {db.events_table} e "
                "LEFT JOIN event_chain c ON c.originator_id = e.originator_id "
                "AND c.originator_version = e.originator_version "
                f"WHERE {nid} > ? AND {nid} <= ? ORDER BY {nid} LIMIT ?",
                (after, upto, page),
            )
        for r in rows:
            yield (
                int(r["pos"]),
                _uuid(r["oid"]),
                int(r["v"]),
                r["topic"],
                bytes(r["state"]),
                None if r["lpos"] is None else int(r["lpos"]),
                None if r["prev"] is None else bytes(r["prev"]),
                None if r["h"] is None else bytes(r["h"]),
            )
        if len(rows) < page:
            return
        after = int(rows[-1]["pos"])


def orphan_links(db: Database, upto: int) -> list[tuple[int, UUID, int]]:
    """Chain links whose event no longer exists."""
    with db.tx(write=False) as tx:
        rows = tx.all(
            "SELECT c.notification_id AS pos, c.originator_id AS oid, c.originator_version AS v "
            f"FROM event_chain c LEFT JOIN {db.events_table} e "
            "ON c.originator_id = e.originator_id AND c.originator_version = e.originator_version "
            "WHERE e.originator_id IS NULL "
            "AND c.notification_id <= ? ORDER BY c.notification_id",
            (upto,),
        )
    return [(int(r["pos"]), _uuid(r["oid"]), int(r["v"])) for r in rows]


def leaves(
    db: Database, size: int, page: int = PAGE
) -> Iterator[tuple[int, int, UUID, int, bytes]]:
    """(leaf index, position, originator id, version, event hash) for leaves below `size`."""
    after = -1
    while True:
        with db.tx(write=False) as tx:
            rows = tx.all(
                "SELECT leaf_index AS i, notification_id AS pos, originator_id AS oid, "
                "originator_version AS v, event_hash AS h FROM ledger_leaves "
                "WHERE leaf_index > ? AND leaf_index < ? ORDER BY leaf_index LIMIT ?",
                (after, size, page),
            )
        for r in rows:
            yield int(r["i"]), int(r["pos"]), _uuid(r["oid"]), int(r["v"]), bytes(r["h"])
        if len(rows) < page:
            return
        after = int(rows[-1]["i"])


def nodes(db: Database, level: int, size: int, page: int = PAGE) -> Iterator[tuple[int, bytes]]:
    """(index, hash) of one level's stored nodes over the first `size` leaves, by index."""
    after, below = -1, size >> level
    while True:
        with db.tx(write=False) as tx:
            rows = tx.all(
                "SELECT idx, hash FROM ledger_nodes WHERE level = ? AND idx > ? AND idx < ? "
                "ORDER BY idx LIMIT ?",
                (level, after, below, page),
            )
        for r in rows:
            yield int(r["idx"]), bytes(r["hash"])
        if len(rows) < page:
            return
        after = int(rows[-1]["idx"])


def nodes_beyond(db: Database, max_level: int) -> list[tuple[int, int]]:
    """Stored nodes over leaves the log does not have (now): left behind by a truncation."""
    with db.tx(write=False) as tx:
        size, _ = MerkleStore.head(tx)
        found: list[tuple[int, int]] = []
        for level in range(1, max_level + 1):
            rows = tx.all(
                "SELECT idx FROM ledger_nodes WHERE level = ? AND idx >= ? ORDER BY idx LIMIT 100",
                (level, size >> level),
            )
            found += [(level, int(r["idx"])) for r in rows]
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

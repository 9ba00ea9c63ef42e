"""What the tiled log (C2SP tlog-tiles, served under /log/) reads: the leaves of a range with
their events as stored and their chain links."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from storage.db import Database, Tx


def leaf_events(tx: Tx, db: Database, first: int, count: int) -> list[dict[str, Any]]:
    """Leaves first..first+count-1 in order, each with its event's topic and stored state and
    its chain link (None where the event or link is missing: a mirror names that)."""
    rows = tx.all(
        "SELECT l.leaf_index AS i, l.notification_id AS pos, l.originator_id AS oid, "
        "l.originator_version AS v, l.event_hash AS leaf_hash, e.topic AS topic, "
        "e.state AS state, c.prev_hash AS prev, c.hash AS h FROM ledger_leaves l "
        f"LEFT JOIN {db.events_table} e ON e.originator_id = l.originator_id "
        "AND e.originator_version = l.originator_version "
        "LEFT JOIN event_chain c ON c.originator_id = l.originator_id "
        "AND c.originator_version = l.originator_version "
        "WHERE l.leaf_index >= ? AND l.leaf_index < ? ORDER BY l.leaf_index",
        (first, first + count),
    )
    return [
        {
            "index": int(r["i"]),
            "position": int(r["pos"]),
            "originator_id": str(_uuid(r["oid"])),
            "version": int(r["v"]),
            "sealed_hash": bytes(r["leaf_hash"]),
            "topic": r["topic"],
            "state": None if r["state"] is None else bytes(r["state"]),
            "prev_hash": None if r["prev"] is None else bytes(r["prev"]),
            "hash": None if r["h"] is None else bytes(r["h"]),
        }
        for r in rows
    ]


def _uuid(value: Any) -> UUID:
    return value if isinstance(value, UUID) else UUID(hex=str(value))

"""Who did what, by global position: an index of every event's actor for per-user reports.

A projection of the notification log like the other read models, but with its own tracking
row, so an archive that existed before this index is indexed from the start of its log the
first time a report asks (`catch_up`), and `audit replay --rebuild` rebuilds it too.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.persistence import Mapper

from storage import lock_keys
from storage.db import Database, Row
from storage.eventstore.batch_load import decode

TRACKING_NAME = "activity"
BATCH = 1000


def catch_up(db: Database, mapper: Mapper[UUID]) -> int:
    """Index every event appended since the last call; returns how many were read."""
    nid = "rowid" if db.dialect == "sqlite" else "notification_id"
    read = 0
    while True:
        with db.tx() as tx:
            if db.dialect == "postgres":
                tx.run("SELECT pg_advisory_xact_lock(?)", (lock_keys.ACTIVITY,))
            row = tx.one("SELECT position FROM rm_tracking WHERE name=?", (TRACKING_NAME,))
            position = int(row["position"]) if row else 0
            rows = tx.all(
                f"SELECT {nid} AS nid, originator_id, originator_version, topic, state "
                f"FROM {db.events_table} WHERE {nid} > ? ORDER BY {nid} LIMIT ?",
                (position, BATCH),
            )
            found = []
            for r in rows:
                event = decode(mapper, r)
                actor = getattr(event, "actor", None)
                if actor:
                    found.append(
                        (
                            int(r["nid"]),
                            str(actor),
                            str(event.originator_id),
                            event.originator_version,
                        )
                    )
            tx.many(
                "INSERT INTO rm_activity (position, actor, oid, version) VALUES (?,?,?,?) "
                "ON CONFLICT (position) DO NOTHING",
                found,
            )
            if rows:
                tx.run(
                    "INSERT INTO rm_tracking (name, position) VALUES (?,?) ON CONFLICT (name) "
                    "DO UPDATE SET position = excluded.position",
                    (TRACKING_NAME, int(rows[-1]["nid"])),
                )
        read += len(rows)
        if len(rows) < BATCH:
            return read


def by_actor(db: Database, actor: str) -> list[Row]:
    """(position, oid, version) of every event by `actor`, in log order."""
    with db.tx(write=False) as tx:
        return tx.all(
            "SELECT position, oid, version FROM rm_activity WHERE actor=? ORDER BY position",
            (actor,),
        )


def events_at(db: Database, positions: list[int]) -> list[dict[str, Any]]:
    """Stored events (with chain link and Merkle leaf) at these global positions, in the shape
    `ledger_rows.stream_with_links` gives plus `oid`, in log order."""
    nid = "e.rowid" if db.dialect == "sqlite" else "e.notification_id"
    found: list[dict[str, Any]] = []
    with db.tx(write=False) as tx:
        for start in range(0, len(positions), 500):
            part = positions[start : start + 500]
            found += tx.all(
                f"SELECT {nid} AS pos, e.originator_id AS oid, e.originator_version AS v, "
                "e.topic AS topic, e.state AS state, c.prev_hash AS prev, c.hash AS h, "
                f"l.leaf_index AS leaf FROM {db.events_table} e LEFT JOIN event_chain c "
                "ON c.originator_id = e.originator_id "
                "AND c.originator_version = e.originator_version "
                f"LEFT JOIN ledger_leaves l ON l.notification_id = {nid} "
                f"WHERE {nid} IN ({','.join('?' * len(part))})",
                part,
            )
    for r in found:
        oid = r["oid"]
        r["oid"] = oid if isinstance(oid, UUID) else UUID(str(oid))
    return sorted(found, key=lambda r: int(r["pos"]))

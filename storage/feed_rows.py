"""The custody feed's reads: events after a position in log order, and each sink's position.

Positions are not a read model (a rebuild must not resend the whole log to the SIEM): a table
of their own, one row per sink, created on first use. A position is the notification id of
the last event the sink acknowledged; events are read with their stored chain hash, which is
the id a receiver sees.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from eventsourcing.persistence import Mapper

from storage.db import Database
from storage.eventstore.batch_load import decode

TABLE = "feed_positions"
_SCHEMA = f"CREATE TABLE IF NOT EXISTS {TABLE} (sink TEXT PRIMARY KEY, position BIGINT NOT NULL)"


@dataclass(frozen=True)
class FeedEvent:
    position: int
    originator_id: UUID
    version: int
    topic: str
    hash: str | None  # hex of the event's chain link (None only in a log written before chains)
    event: Any  # the domain event, decoded


def create(db: Database) -> None:
    with db.tx() as tx:
        tx.run(_SCHEMA)


def position(db: Database, sink: str) -> int:
    with db.tx(write=False) as tx:
        row = tx.one(f"SELECT position FROM {TABLE} WHERE sink = ?", (sink,))
    return int(row["position"]) if row else 0


def advance(db: Database, sink: str, to: int) -> None:
    """Only forward: a slower second shipper can never move a sink back."""
    with db.tx() as tx:
        tx.run(
            f"INSERT INTO {TABLE} (sink, position) VALUES (?, ?) ON CONFLICT (sink) DO UPDATE "
            f"SET position = excluded.position WHERE {TABLE}.position < excluded.position",
            (sink, to),
        )


def events_after(db: Database, mapper: Mapper[UUID], after: int, limit: int) -> list[FeedEvent]:
    nid = "e.rowid" if db.dialect == "sqlite" else "e.notification_id"
    with db.tx(write=False) as tx:
        rows = tx.all(
            f"SELECT {nid} AS nid, e.originator_id, e.originator_version, e.topic, e.state, "
            f"c.hash FROM {db.events_table} e LEFT JOIN event_chain c ON c.notification_id = {nid} "
            f"WHERE {nid} > ? ORDER BY {nid} LIMIT ?",
            (after, limit),
        )
    return [
        FeedEvent(
            int(r["nid"]),
            UUID(str(r["originator_id"])),
            int(r["originator_version"]),
            str(r["topic"]),
            bytes(r["hash"]).hex() if r["hash"] is not None else None,
            decode(mapper, r),
        )
        for r in rows
    ]

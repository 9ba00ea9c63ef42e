"""Reads stored events with their chain links, in notification order, for verification."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from uuid import UUID

from storage.db import Database

PAGE = 5000


def _uuid(value: Any) -> UUID:
    return value if isinstance(value, UUID) else UUID(str(value))


def events_with_links(db: Database, page: int = PAGE) -> Iterator[tuple[Any, ...]]:
    """(position, originator id, version, topic, state, link position, prev hash, hash)."""
    nid = "e.rowid" if db.dialect == "sqlite" else "e.notification_id"
    after = 0
    while True:
        with db.tx(write=False) as tx:
            rows = tx.all(
                f"SELECT {nid} AS pos, e.originator_id AS oid, e.originator_version AS v, "
                "e.topic AS topic, e.state AS state, c.notification_id AS lpos, "
                f"c.prev_hash AS prev, c.hash AS h FROM {db.events_table} e "
                "LEFT JOIN event_chain c ON c.originator_id = e.originator_id "
                "AND c.originator_version = e.originator_version "
                f"WHERE {nid} > ? ORDER BY {nid} LIMIT ?",
                (after, page),
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


def orphan_links(db: Database) -> list[tuple[int, UUID, int]]:
    """Chain links whose event no longer exists."""
    with db.tx(write=False) as tx:
        rows = tx.all(
            "SELECT c.notification_id AS pos, c.originator_id AS oid, c.originator_version AS v "
            f"FROM event_chain c LEFT JOIN {db.events_table} e ON c.originator_id = e.originator_id "
            "AND c.originator_version = e.originator_version WHERE e.originator_id IS NULL "
            "ORDER BY c.notification_id"
        )
    return [(int(r["pos"]), _uuid(r["oid"]), int(r["v"])) for r in rows]

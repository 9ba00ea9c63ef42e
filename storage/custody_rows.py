"""One stream's stored events in version order, with their chain links (for custody trails)."""

from __future__ import annotations

from uuid import UUID

from storage.db import Database, Row


def stream_with_links(db: Database, originator_id: UUID) -> list[Row]:
    nid = "e.rowid" if db.dialect == "sqlite" else "e.notification_id"
    with db.tx(write=False) as tx:
        rows: list[Row] = tx.all(
            f"SELECT {nid} AS pos, e.originator_version AS v, e.topic AS topic, e.state AS state, "
            f"c.prev_hash AS prev, c.hash AS h FROM {db.events_table} e LEFT JOIN event_chain c "
            "ON c.originator_id = e.originator_id AND c.originator_version = e.originator_version "
            "WHERE e.originator_id = ? ORDER BY e.originator_version",
            (db.oid(originator_id),),
        )
    return rows

"""SQLite application recorder that writes each event's chain link in the same transaction."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteDatastore

from storage.eventstore.chain_links import ChainCache, compute_links

CHAIN_TABLE = "event_chain"


class ChainedSQLiteRecorder(SQLiteApplicationRecorder):
    def __init__(self, datastore: SQLiteDatastore, events_table_name: str = "stored_events"):
        super().__init__(datastore, events_table_name)
        self.chain = ChainCache()

    def construct_create_table_statements(self) -> list[str]:
        return [
            *super().construct_create_table_statements(),
            f"CREATE TABLE IF NOT EXISTS {CHAIN_TABLE} ("
            "notification_id INTEGER PRIMARY KEY, "
            "originator_id TEXT NOT NULL, "
            "originator_version INTEGER NOT NULL, "
            "prev_hash BLOB NOT NULL, "
            "hash BLOB NOT NULL, "
            "UNIQUE (originator_id, originator_version))",
        ]

    def insert_events(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        with self.datastore.transaction(commit=True) as c:
            # Insert the events first: that takes SQLite's write lock before any hash is read.
            ids = super()._insert_events(c, stored_events, **kwargs)
            assert ids is not None

            def fetch(oid: UUID, version: int) -> bytes | None:
                c.execute(
                    f"SELECT hash FROM {CHAIN_TABLE} "
                    "WHERE originator_id=? AND originator_version=?",
                    (oid.hex, version),
                )
                row = c.fetchone()
                return bytes(row[0]) if row else None

            links = compute_links(stored_events, self.chain, fetch)
            c.executemany(
                f"INSERT INTO {CHAIN_TABLE} VALUES (?,?,?,?,?)",
                [
                    (nid, oid.hex, v, prev, h)
                    for nid, (oid, v, prev, h) in zip(ids, links, strict=True)
                ],
            )
        # Only remember hashes once the transaction has committed.
        self.chain.remember(links)
        return ids

"""PostgreSQL application recorder that writes each event's chain link in the same transaction.

The table lock taken by every append (as in eventsourcing's own recorder) makes commit order
equal notification order, which the Merkle log relies on.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from eventsourcing.persistence import InterfaceError, OperationalError, StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore
from eventsourcing.utils import retry
from psycopg.sql import SQL, Identifier

from storage.chaincache import ChainCache, compute_links

CHAIN_TABLE = "event_chain"
# Serialises DDL when several processes start on an empty database at once.
DDL_LOCK_KEY = 0x5A4B5349


class ChainedPostgresRecorder(PostgresApplicationRecorder):
    def __init__(self, datastore: PostgresDatastore, *, events_table_name: str = "stored_events"):
        super().__init__(datastore, events_table_name=events_table_name)
        self.chain = ChainCache()
        schema = Identifier(self.datastore.schema)
        table = Identifier(CHAIN_TABLE)
        self.sql_create_statements.append(
            SQL(
                "CREATE TABLE IF NOT EXISTS {schema}.{table} ("
                "notification_id bigint PRIMARY KEY, "
                "originator_id uuid NOT NULL, "
                "originator_version bigint NOT NULL, "
                "prev_hash bytea NOT NULL, "
                "hash bytea NOT NULL, "
                "UNIQUE (originator_id, originator_version))"
            ).format(schema=schema, table=table)
        )
        self.insert_links_statement = SQL(
            "INSERT INTO {schema}.{table} "
            "(notification_id, originator_id, originator_version, prev_hash, hash) "
            "SELECT * FROM unnest(%s::bigint[], %s::uuid[], %s::bigint[], %s::bytea[], %s::bytea[])"
        ).format(schema=schema, table=table)
        self.select_hash_statement = SQL(
            "SELECT hash FROM {schema}.{table} WHERE originator_id = %s AND originator_version = %s"
        ).format(schema=schema, table=table)
        self.tables_exist_statement = SQL(
            "SELECT to_regclass(%s) IS NOT NULL AND to_regclass(%s) IS NOT NULL AS ok"
        )

    def create_table(self) -> None:
        schema = self.datastore.schema
        names = (f"{schema}.{self.events_table_name}", f"{schema}.{CHAIN_TABLE}")
        with self.datastore.get_connection() as conn:
            row = conn.execute(self.tables_exist_statement, names).fetchone()
            if row and row["ok"]:
                self.datastore.register_type_adapters()
                return
            conn.execute("SELECT pg_advisory_lock(%s)", (DDL_LOCK_KEY,))
            try:
                super().create_table()
            finally:
                conn.execute("SELECT pg_advisory_unlock(%s)", (DDL_LOCK_KEY,))

    def _fetch_hash(self, originator_id: UUID, version: int) -> bytes | None:
        with self.datastore.get_connection() as conn:
            row = conn.execute(self.select_hash_statement, (originator_id, version)).fetchone()
        return bytes(row["hash"]) if row else None

    @retry((InterfaceError, OperationalError), max_attempts=3, wait=0.2)
    def insert_events(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        if not stored_events:
            return []
        # Links are computed before taking the table lock: predecessors are immutable.
        links = compute_links(stored_events, self.chain, self._fetch_hash)
        pg_events = [
            self.construct_pg_stored_event(s.originator_id, s.originator_version, s.topic, s.state)
            for s in stored_events
        ]
        with self.datastore.get_connection() as conn, conn.transaction(), conn.cursor() as curs:
            for statement in self.lock_table_statements:
                curs.execute(statement, prepare=True)
            curs.execute(self.insert_events_statement, (pg_events,), prepare=True)
            ids = [row["notification_id"] for row in curs.fetchall()]
            curs.execute(
                self.insert_links_statement,
                (
                    ids,
                    [link[0] for link in links],
                    [link[1] for link in links],
                    [link[2] for link in links],
                    [link[3] for link in links],
                ),
                prepare=True,
            )
        self.chain.remember(links)
        return ids

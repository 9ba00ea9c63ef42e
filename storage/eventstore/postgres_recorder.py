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

from storage import lock_keys
from storage.eventstore.chain_links import ChainCache, compute_links

CHAIN_TABLE = "event_chain"
APPEND_FUNCTION = "saksi_append_events"


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
        # One round trip per save: lock, insert events, insert their links, all in a single
        # function call (autocommit makes it one transaction). The table lock makes commit
        # order equal notification order, as in eventsourcing's own recorder.
        self.append_function = f"{self.datastore.schema}.{APPEND_FUNCTION}"
        self.sql_create_statements.append(
            SQL(
                "CREATE OR REPLACE FUNCTION {schema}.{fn}("
                "oids uuid[], versions bigint[], topics text[], states bytea[], "
                "prevs bytea[], hashes bytea[]) RETURNS SETOF bigint LANGUAGE plpgsql AS $body$ "
                "BEGIN "
                "PERFORM set_config('lock_timeout', '{timeout}s', true); "
                "LOCK TABLE {schema}.{events} IN EXCLUSIVE MODE; "
                "RETURN QUERY WITH input AS ("
                "  SELECT * FROM unnest(oids, versions, topics, states, prevs, hashes) "
                "  WITH ORDINALITY AS t(oid, v, topic, state, prev, h, ord)), "
                "ins AS (INSERT INTO {schema}.{events} "
                "  (originator_id, originator_version, topic, state) "
                "  SELECT oid, v, topic, state FROM input ORDER BY ord "
                "  RETURNING notification_id, originator_id, originator_version), "
                "lnk AS (INSERT INTO {schema}.{table} "
                "  (notification_id, originator_id, originator_version, prev_hash, hash) "
                "  SELECT ins.notification_id, ins.originator_id, ins.originator_version, "
                "  input.prev, input.h FROM ins JOIN input "
                "  ON input.oid = ins.originator_id AND input.v = ins.originator_version) "
                "SELECT ins.notification_id FROM ins ORDER BY ins.notification_id; "
                "END $body$"
            ).format(
                schema=schema,
                fn=Identifier(APPEND_FUNCTION),
                events=Identifier(self.events_table_name),
                table=table,
                timeout=SQL(str(int(self.datastore.lock_timeout or 10))),
            )
        )
        self.append_statement = SQL(
            "SELECT * FROM {schema}.{fn}(%s::uuid[], %s::bigint[], %s::text[], %s::bytea[], "
            "%s::bytea[], %s::bytea[])"
        ).format(schema=schema, fn=Identifier(APPEND_FUNCTION))
        self.tables_exist_statement = SQL(
            "SELECT to_regclass(%s) IS NOT NULL AND to_regclass(%s) IS NOT NULL "
            "AND to_regprocedure(%s) IS NOT NULL AS ok"
        )

    def create_table(self) -> None:
        schema = self.datastore.schema
        names = (
            f"{schema}.{self.events_table_name}",
            f"{schema}.{CHAIN_TABLE}",
            f"{schema}.{APPEND_FUNCTION}(uuid[],bigint[],text[],bytea[],bytea[],bytea[])",
        )
        with self.datastore.get_connection() as conn:
            row = conn.execute(self.tables_exist_statement, names).fetchone()
            if row and row["ok"]:
                self.datastore.register_type_adapters()
                return
            conn.execute("SELECT pg_advisory_lock(%s)", (lock_keys.EVENT_TABLES_DDL,))
            try:
                super().create_table()
            finally:
                conn.execute("SELECT pg_advisory_unlock(%s)", (lock_keys.EVENT_TABLES_DDL,))

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
        params = (
            [link[0] for link in links],
            [s.originator_version for s in stored_events],
            [s.topic for s in stored_events],
            [s.state for s in stored_events],
            [link[2] for link in links],
            [link[3] for link in links],
        )
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(self.append_statement, params, prepare=True)
            ids = [row[APPEND_FUNCTION] for row in curs.fetchall()]
        self.chain.remember(links)
        return ids

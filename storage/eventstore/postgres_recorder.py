"""PostgreSQL application recorder that writes each event's chain link in the same transaction.

The table lock taken by every append (as in eventsourcing's own recorder) makes commit order
equal notification order, which the Merkle log relies on.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from eventsourcing.persistence import (
    DatabaseError,
    IntegrityError,
    InterfaceError,
    OperationalError,
    StoredEvent,
)
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore
from eventsourcing.utils import retry
from psycopg.sql import SQL, Identifier

from storage import lock_keys
from storage.eventstore.chain_links import ChainCache, Link, compute_links

CHAIN_TABLE = "event_chain"
# Versioned: a database made before the chain-head check below gets this one created beside
# the old (create_table looks for it by name).
APPEND_FUNCTION = "saksi_append_events_v2"
# Raised by it when a link's predecessor hash is not the stored one (a stale cached head).
STALE_HEAD = "SKCH1"


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
        self.select_links_statement = SQL(
            "SELECT originator_id, originator_version, hash, notification_id FROM {schema}.{table} "
            "WHERE (originator_id, originator_version) IN "
            "(SELECT * FROM unnest(%s::uuid[], %s::bigint[]))"
        ).format(schema=schema, table=table)
        self.select_hash_statement = SQL(
            "SELECT hash FROM {schema}.{table} WHERE originator_id = %s AND originator_version = %s"
        ).format(schema=schema, table=table)
        # One round trip per save: check, lock, insert events, insert their links, all in a
        # single function call (autocommit makes it one transaction). The table lock makes
        # commit order equal notification order, as in eventsourcing's own recorder. The check:
        # each link's predecessor (unless in the same save) is stored, with that hash. A cached
        # chain head, or an aggregate in memory, can outlive its event: a failover to a standby
        # that had not received it, or a restore to an earlier point, while this process ran.
        self.append_function = f"{self.datastore.schema}.{APPEND_FUNCTION}"
        self.sql_create_statements.append(
            SQL(
                "CREATE OR REPLACE FUNCTION {schema}.{fn}("
                "oids uuid[], versions bigint[], topics text[], states bytea[], "
                "prevs bytea[], hashes bytea[]) RETURNS SETOF bigint LANGUAGE plpgsql AS $body$ "
                "BEGIN "
                "IF EXISTS (SELECT 1 FROM unnest(oids, versions, prevs) AS t(oid, v, prev) "
                "  WHERE t.v > 1 "
                "  AND NOT EXISTS (SELECT 1 FROM unnest(oids, versions) AS b(oid, v) "
                "    WHERE b.oid = t.oid AND b.v = t.v - 1) "
                "  AND NOT EXISTS (SELECT 1 FROM {schema}.{table} c WHERE c.originator_id = t.oid "
                "    AND c.originator_version = t.v - 1 AND c.hash = t.prev)) THEN "
                "  RAISE EXCEPTION 'a chain head cached by this process is not stored' "
                "  USING ERRCODE = '{stale}'; "
                "END IF; "
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
                stale=SQL(STALE_HEAD),
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
        try:
            ids = self._append(stored_events, links)
        except DatabaseError as e:
            if getattr(e.__cause__, "sqlstate", None) != STALE_HEAD:
                raise
            # Forget these streams' cached heads and link to the stored ones.
            self.chain.forget(link[0] for link in links)
            links = compute_links(stored_events, self.chain, self._fetch_hash)
            ids = self._append(stored_events, links)
        self.chain.remember(links)
        return ids

    def _append(self, stored_events: Sequence[StoredEvent], links: Sequence[Link]) -> list[int]:
        params = (
            [link[0] for link in links],
            [s.originator_version for s in stored_events],
            [s.topic for s in stored_events],
            [s.state for s in stored_events],
            [link[2] for link in links],
            [link[3] for link in links],
        )
        try:
            with self.datastore.get_connection() as conn, conn.cursor() as curs:
                curs.execute(self.append_statement, params, prepare=True)
                return [row[APPEND_FUNCTION] for row in curs.fetchall()]
        except IntegrityError:
            # The attempt before this one (see @retry) may have committed and lost its answer:
            # the server died after the commit, as a primary does in a failover whose standby
            # already has it. Then these very links are stored, and the save is done.
            stored = self._stored_ids(links)
            if stored is None:
                raise
            return stored

    def _stored_ids(self, links: Sequence[Link]) -> list[int] | None:
        """The notification ids of these links if every one is stored with the same hash (the
        hash covers the event's bytes and its predecessor: another writer's event differs)."""
        keys = ([link[0] for link in links], [link[1] for link in links])
        with self.datastore.get_connection() as conn:
            rows = conn.execute(self.select_links_statement, keys).fetchall()
        found = {(r["originator_id"], r["originator_version"]): r for r in rows}
        if len(found) != len(links):
            return None
        if any(bytes(found[(oid, v)]["hash"]) != digest for oid, v, _p, digest in links):
            return None
        return sorted(int(r["notification_id"]) for r in rows)

"""The sealer: follows the notification log and appends every event to the Merkle log.

A tracked projection: each batch reads the chain links after the last sealed position and
writes their leaves and completed nodes in one transaction, so sealing is exactly-once and
resumes where it stopped. The log's own last leaf *is* the tracking position, so the two
cannot disagree. One leader at a time: a PostgreSQL advisory lock (SQLite's write lock does
the same there). Application appends never wait for the sealer: it only reads their rows.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from ledger import merkle
from storage import lock_keys
from storage.db import Database, Tx
from storage.ledger_tables.merkle_store import Leaf, MerkleStore, StoredCheckpoint

BATCH = 20_000

Sign = Callable[[int, bytes], str]  # (tree size, root) -> signed note


class TreeMismatch(Exception):
    """The stored tree does not extend the newest checkpoint: the sealer will not sign it."""


class Sealer:
    def __init__(self, db: Database, store: MerkleStore | None = None, batch: int = BATCH) -> None:
        self.db = db
        self.store = store or MerkleStore(db)
        self.batch = batch

    def _lock(self, tx: Tx) -> None:
        if self.db.dialect == "postgres":
            tx.run("SELECT pg_advisory_xact_lock(?)", (lock_keys.SEALER,))

    def seal_batch(self, tx: Tx) -> int:
        """Append the next batch of events as leaves; returns how many were sealed."""
        size, last = self.store.head(tx)
        rows = tx.all(
            "SELECT notification_id, originator_id, originator_version, hash FROM event_chain "
            "WHERE notification_id > ? ORDER BY notification_id LIMIT ?",
            (last, self.batch),
        )
        if not rows:
            return 0
        edge = self.store.nodes(tx, merkle.edge_nodes(size))
        builder = merkle.TreeBuilder(size, [edge[n] for n in merkle.edge_nodes(size)])
        leaves: list[Leaf] = []
        nodes: list[tuple[int, int, bytes]] = []
        for r in rows:
            event_hash = bytes(r["hash"])
            leaves.append(
                Leaf(
                    builder.size,
                    int(r["notification_id"]),
                    r["originator_id"],
                    int(r["originator_version"]),
                    event_hash,
                )
            )
            nodes.extend(builder.append(merkle.hash_leaf(event_hash)))
        self.store.append(tx, leaves, nodes)
        return len(rows)

    def catch_up(self) -> int:
        """Seal everything written so far, batch by batch; returns how many were sealed."""
        sealed = 0
        while True:
            with self.db.tx() as tx:
                self._lock(tx)
                n = self.seal_batch(tx)
            sealed += n
            if n < self.batch:
                return sealed

    def checkpoint(self, sign: Sign) -> StoredCheckpoint:
        """Seal what is left and sign the tree head; the newest checkpoint if nothing changed.

        Before signing, the tree must extend the newest checkpoint (same root at its size):
        a truncated or rewritten log is never signed over.
        """
        self.catch_up()
        with self.db.tx() as tx:
            self._lock(tx)
            while self.seal_batch(tx):  # events that arrived since catch_up
                pass
            size, last = self.store.head(tx)
            latest = self.store.latest_checkpoint(tx)
            source = self.store.source(tx)
            if latest is not None:
                if latest.size > size:
                    raise TreeMismatch(
                        f"the log has {size} leaves but checkpoint #{latest.id} signed "
                        f"{latest.size}: it was truncated; run `saksi audit verify`"
                    )
                if merkle.root(latest.size, source) != latest.root:
                    raise TreeMismatch(
                        f"the log no longer has checkpoint #{latest.id}'s root at size "
                        f"{latest.size}: history was rewritten; run `saksi audit verify`"
                    )
                if latest.size == size:
                    return latest
            root = merkle.root(size, source)
            note = sign(size, root)
            sealed_at = datetime.now(UTC).isoformat(timespec="microseconds")
            self.store.add_checkpoint(tx, size, root, note, last or None, sealed_at)
            stored = self.store.latest_checkpoint(tx)
        assert stored is not None
        return stored

"""The global Merkle log in the event store's own database (SQLite or PostgreSQL).

ledger_leaves       leaf_index ↔ notification id ↔ (originator id, version) ↔ event hash, in
                    notification order; leaf hash = SHA-256(0x00 ‖ event hash) is not stored.
ledger_nodes        (level ≥ 1, index) → hash of every complete (perfect) subtree, so a proof
                    reads O(log n) rows and never rehashes the log.
ledger_checkpoints  every signed tree head, kept forever.
ledger_timestamps   their RFC 3161 timestamps (storage/ledger_tables/timestamp_store.py).
ledger_cosignatures their witnesses' cosignatures (storage/ledger_tables/cosignature_store.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ledger import merkle
from storage import lock_keys
from storage.db import Database, Tx
from storage.ledger_tables.cosignature_store import cosignature_ddl
from storage.ledger_tables.timestamp_store import timestamp_ddl


def _ddl(dialect: str) -> list[str]:
    blob, oid = ("BLOB", "TEXT") if dialect == "sqlite" else ("bytea", "uuid")
    serial = "INTEGER PRIMARY KEY AUTOINCREMENT" if dialect == "sqlite" else "bigserial PRIMARY KEY"
    compact = " WITHOUT ROWID" if dialect == "sqlite" else ""
    return [
        "CREATE TABLE IF NOT EXISTS ledger_leaves (leaf_index BIGINT PRIMARY KEY, "
        f"notification_id BIGINT NOT NULL UNIQUE, originator_id {oid} NOT NULL, "
        f"originator_version BIGINT NOT NULL, event_hash {blob} NOT NULL){compact}",
        "CREATE TABLE IF NOT EXISTS ledger_nodes (level INTEGER NOT NULL, idx BIGINT NOT NULL, "
        f"hash {blob} NOT NULL, PRIMARY KEY (level, idx)){compact}",
        f"CREATE TABLE IF NOT EXISTS ledger_checkpoints (id {serial}, tree_size BIGINT NOT NULL, "
        f"root {blob} NOT NULL, note TEXT NOT NULL, last_position BIGINT, sealed_at TEXT NOT NULL)",
        *timestamp_ddl(dialect),  # RFC 3161 tokens (storage/ledger_tables/timestamp_store.py)
        *cosignature_ddl(dialect),  # witnesses (storage/ledger_tables/cosignature_store.py)
    ]


@dataclass(frozen=True)
class Leaf:
    index: int
    position: int  # notification id of the event
    originator_id: Any  # as the database holds it (hex text on SQLite, UUID on PostgreSQL)
    version: int
    event_hash: bytes


@dataclass(frozen=True)
class StoredCheckpoint:
    id: int
    size: int
    root: bytes
    note: str
    last_position: int | None
    sealed_at: str


class MerkleStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    def create(self) -> None:
        with self.db.tx() as tx:
            if self.db.dialect == "postgres":  # concurrent first starts race on DDL
                tx.run("SELECT pg_advisory_xact_lock(?)", (lock_keys.MERKLE_DDL,))
            for statement in _ddl(self.db.dialect):
                tx.run(statement)

    # --- reads (all take an open transaction, so a caller sees one snapshot) ---------------

    @staticmethod
    def head(tx: Tx) -> tuple[int, int]:
        """(tree size, notification id of the last leaf); (0, 0) for an empty tree."""
        row = tx.one(
            "SELECT leaf_index, notification_id FROM ledger_leaves ORDER BY leaf_index DESC LIMIT 1"
        )
        return (0, 0) if row is None else (int(row["leaf_index"]) + 1, int(row["notification_id"]))

    @staticmethod
    def nodes(tx: Tx, wanted: Sequence[merkle.Node]) -> dict[merkle.Node, bytes]:
        """Hashes of perfect nodes: level 0 from the leaves, the rest from ledger_nodes."""
        found: dict[merkle.Node, bytes] = {}
        leaves = [i for level, i in wanted if level == 0]
        inner = [(level, i) for level, i in wanted if level > 0]
        if leaves:
            marks = ",".join("?" * len(leaves))
            for r in tx.all(
                f"SELECT leaf_index, event_hash FROM ledger_leaves WHERE leaf_index IN ({marks})",
                leaves,
            ):
                found[(0, int(r["leaf_index"]))] = merkle.hash_leaf(bytes(r["event_hash"]))
        if inner:
            where = " OR ".join(["(level=? AND idx=?)"] * len(inner))
            params = [v for node in inner for v in node]
            for r in tx.all(f"SELECT level, idx, hash FROM ledger_nodes WHERE {where}", params):
                found[(int(r["level"]), int(r["idx"]))] = bytes(r["hash"])
        return found

    def source(self, tx: Tx) -> merkle.NodeSource:
        return lambda wanted: self.nodes(tx, wanted)

    @staticmethod
    def leaf_at_position(tx: Tx, position: int) -> Leaf | None:
        r = tx.one("SELECT * FROM ledger_leaves WHERE notification_id=?", (position,))
        return _leaf(r) if r else None

    @staticmethod
    def leaf(tx: Tx, index: int) -> Leaf | None:
        r = tx.one("SELECT * FROM ledger_leaves WHERE leaf_index=?", (index,))
        return _leaf(r) if r else None

    @staticmethod
    def checkpoints(tx: Tx) -> list[StoredCheckpoint]:
        return [_checkpoint(r) for r in tx.all("SELECT * FROM ledger_checkpoints ORDER BY id")]

    @staticmethod
    def latest_checkpoint(tx: Tx) -> StoredCheckpoint | None:
        r = tx.one("SELECT * FROM ledger_checkpoints ORDER BY id DESC LIMIT 1")
        return _checkpoint(r) if r else None

    @staticmethod
    def checkpoint_of_size(tx: Tx, size: int) -> StoredCheckpoint | None:
        r = tx.one(
            "SELECT * FROM ledger_checkpoints WHERE tree_size=? ORDER BY id DESC LIMIT 1", (size,)
        )
        return _checkpoint(r) if r else None

    # --- writes (the sealer's, inside its locked transaction) -----------------------------

    def append(
        self, tx: Tx, leaves: Sequence[Leaf], nodes: Sequence[tuple[int, int, bytes]]
    ) -> None:
        if self.db.dialect == "postgres":
            # One statement per table: unnest turns column arrays into rows.
            tx.run(
                "INSERT INTO ledger_leaves SELECT * FROM unnest("
                "?::bigint[], ?::bigint[], ?::uuid[], ?::bigint[], ?::bytea[])",
                [list(col) for col in zip(*_leaf_rows(leaves), strict=True)],
            )
            if nodes:
                tx.run(
                    "INSERT INTO ledger_nodes "
                    "SELECT * FROM unnest(?::int[], ?::bigint[], ?::bytea[])",
                    [list(col) for col in zip(*nodes, strict=True)],
                )
        else:
            tx.many("INSERT INTO ledger_leaves VALUES (?,?,?,?,?)", _leaf_rows(leaves))
            tx.many("INSERT INTO ledger_nodes VALUES (?,?,?)", nodes)

    @staticmethod
    def add_checkpoint(
        tx: Tx, size: int, root: bytes, note: str, last_position: int | None, sealed_at: str
    ) -> None:
        tx.run(
            "INSERT INTO ledger_checkpoints (tree_size, root, note, last_position, sealed_at) "
            "VALUES (?,?,?,?,?)",
            (size, root, note, last_position, sealed_at),
        )


def _leaf_rows(leaves: Sequence[Leaf]) -> list[tuple[Any, ...]]:
    return [(x.index, x.position, x.originator_id, x.version, x.event_hash) for x in leaves]


def _leaf(r: dict[str, Any]) -> Leaf:
    return Leaf(
        int(r["leaf_index"]),
        int(r["notification_id"]),
        r["originator_id"],
        int(r["originator_version"]),
        bytes(r["event_hash"]),
    )


def _checkpoint(r: dict[str, Any]) -> StoredCheckpoint:
    return StoredCheckpoint(
        int(r["id"]),
        int(r["tree_size"]),
        bytes(r["root"]),
        str(r["note"]),
        None if r["last_position"] is None else int(r["last_position"]),
        str(r["sealed_at"]),
    )

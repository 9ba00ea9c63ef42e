"""Witness cosignatures of checkpoints, beside the Merkle log in the event store's database.

ledger_cosignatures   one row per (checkpoint, witness key): the signature line the witness
                      returned (C2SP tlog-cosignature), the time it states, the key it was
                      checked with.
ledger_witnesses      per configured witness: the last answer (ok, down, refused,
                      inconsistent), the size it last cosigned for us, the attempts since
                      its last cosignature.
ledger_witness_alarms every refusal for inconsistency, kept for good: what a witness said
                      when it would not cosign a checkpoint (a rewritten or forked log).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from storage.db import Tx


def cosignature_ddl(dialect: str) -> list[str]:
    serial = "INTEGER PRIMARY KEY AUTOINCREMENT" if dialect == "sqlite" else "bigserial PRIMARY KEY"
    return [
        "CREATE TABLE IF NOT EXISTS ledger_cosignatures (checkpoint_id BIGINT NOT NULL, "
        "witness_key TEXT NOT NULL, witness TEXT NOT NULL, line TEXT NOT NULL, "
        "cosigned_at BIGINT NOT NULL, received_at TEXT NOT NULL, "
        "PRIMARY KEY (checkpoint_id, witness_key))",
        "CREATE TABLE IF NOT EXISTS ledger_witnesses (witness_key TEXT PRIMARY KEY, "
        "witness TEXT NOT NULL, url TEXT NOT NULL, status TEXT NOT NULL, detail TEXT, "
        "cosigned_size BIGINT, attempts INTEGER NOT NULL, updated_at TEXT NOT NULL)",
        f"CREATE TABLE IF NOT EXISTS ledger_witness_alarms (id {serial}, "
        "witness_key TEXT NOT NULL, witness TEXT NOT NULL, checkpoint_id BIGINT, "
        "tree_size BIGINT NOT NULL, detail TEXT NOT NULL, at TEXT NOT NULL)",
    ]


@dataclass(frozen=True)
class StoredCosignature:
    checkpoint_id: int
    size: int  # the checkpoint's
    note: str  # the checkpoint's signed note (without cosignatures)
    last_position: int | None
    witness_key: str
    witness: str
    line: str
    cosigned_at: int


@dataclass(frozen=True)
class WitnessRow:
    witness_key: str
    witness: str
    url: str
    status: str  # ok | down | refused | inconsistent
    detail: str | None
    cosigned_size: int | None
    attempts: int
    updated_at: str


@dataclass(frozen=True)
class Alarm:
    witness_key: str
    witness: str
    checkpoint_id: int | None
    size: int
    detail: str
    at: str


_SELECT = (
    "SELECT s.*, c.tree_size, c.note, c.last_position FROM ledger_cosignatures s "
    "JOIN ledger_checkpoints c ON c.id = s.checkpoint_id"
)


class CosignatureStore:
    @staticmethod
    def add(
        tx: Tx, checkpoint_id: int, witness_key: str, witness: str, line: str, at: int, now: str
    ) -> None:
        tx.run(
            "INSERT INTO ledger_cosignatures (checkpoint_id, witness_key, witness, line, "
            "cosigned_at, received_at) VALUES (?,?,?,?,?,?) "
            "ON CONFLICT (checkpoint_id, witness_key) DO NOTHING",
            (checkpoint_id, witness_key, witness, line, at, now),
        )

    @staticmethod
    def of_checkpoint(tx: Tx, checkpoint_id: int) -> list[StoredCosignature]:
        rows = tx.all(f"{_SELECT} WHERE s.checkpoint_id=? ORDER BY s.witness", (checkpoint_id,))
        return [_cosignature(r) for r in rows]

    @staticmethod
    def all(tx: Tx) -> list[StoredCosignature]:
        return [_cosignature(r) for r in tx.all(f"{_SELECT} ORDER BY s.checkpoint_id, s.witness")]

    @staticmethod
    def witness(tx: Tx, witness_key: str) -> WitnessRow | None:
        r = tx.one("SELECT * FROM ledger_witnesses WHERE witness_key=?", (witness_key,))
        return _witness(r) if r else None

    @staticmethod
    def witnesses(tx: Tx) -> list[WitnessRow]:
        return [_witness(r) for r in tx.all("SELECT * FROM ledger_witnesses ORDER BY witness")]

    @staticmethod
    def answered(
        tx: Tx,
        witness_key: str,
        witness: str,
        url: str,
        status: str,
        detail: str | None,
        cosigned_size: int | None,
        now: str,
    ) -> None:
        """Record a witness's answer; a cosignature resets the attempts, anything else adds one.
        `cosigned_size` None keeps the size known before."""
        ok = 1 if status == "ok" else 0
        tx.run(
            "INSERT INTO ledger_witnesses (witness_key, witness, url, status, detail, "
            "cosigned_size, attempts, updated_at) VALUES (?,?,?,?,?,?,?,?) "
            "ON CONFLICT (witness_key) DO UPDATE SET witness=excluded.witness, url=excluded.url, "
            "status=excluded.status, detail=excluded.detail, "
            "cosigned_size=COALESCE(excluded.cosigned_size, ledger_witnesses.cosigned_size), "
            f"attempts=CASE WHEN {ok}=1 THEN 0 ELSE ledger_witnesses.attempts + 1 END, "
            "updated_at=excluded.updated_at",
            (witness_key, witness, url, status, detail, cosigned_size, 1 - ok, now),
        )

    @staticmethod
    def alarm(
        tx: Tx,
        witness_key: str,
        witness: str,
        checkpoint_id: int | None,
        size: int,
        detail: str,
        now: str,
    ) -> None:
        tx.run(
            "INSERT INTO ledger_witness_alarms (witness_key, witness, checkpoint_id, tree_size, "
            "detail, at) VALUES (?,?,?,?,?,?)",
            (witness_key, witness, checkpoint_id, size, detail[:2000], now),
        )

    @staticmethod
    def alarms(tx: Tx) -> list[Alarm]:
        rows = tx.all("SELECT * FROM ledger_witness_alarms ORDER BY id")
        return [
            Alarm(
                str(r["witness_key"]),
                str(r["witness"]),
                None if r["checkpoint_id"] is None else int(r["checkpoint_id"]),
                int(r["tree_size"]),
                str(r["detail"]),
                str(r["at"]),
            )
            for r in rows
        ]


def _cosignature(r: dict[str, Any]) -> StoredCosignature:
    return StoredCosignature(
        checkpoint_id=int(r["checkpoint_id"]),
        size=int(r["tree_size"]),
        note=str(r["note"]),
        last_position=None if r["last_position"] is None else int(r["last_position"]),
        witness_key=str(r["witness_key"]),
        witness=str(r["witness"]),
        line=str(r["line"]),
        cosigned_at=int(r["cosigned_at"]),
    )


def _witness(r: dict[str, Any]) -> WitnessRow:
    return WitnessRow(
        witness_key=str(r["witness_key"]),
        witness=str(r["witness"]),
        url=str(r["url"]),
        status=str(r["status"]),
        detail=r["detail"],
        cosigned_size=None if r["cosigned_size"] is None else int(r["cosigned_size"]),
        attempts=int(r["attempts"]),
        updated_at=str(r["updated_at"]),
    )

"""RFC 3161 timestamps of checkpoints, beside the Merkle log in the event store's database.

ledger_timestamps   one row per checkpoint that was to be timestamped (sealed while a TSA
                    was configured): the TSA's token once it came (DER), its genTime and
                    serial; until then the attempts made and the last error. A row without
                    a token is a checkpoint still waiting: the next seal retries it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from storage.db import Tx


def timestamp_ddl(dialect: str) -> list[str]:
    blob = "BLOB" if dialect == "sqlite" else "bytea"
    return [
        "CREATE TABLE IF NOT EXISTS ledger_timestamps (checkpoint_id BIGINT PRIMARY KEY, "
        f"tsa_url TEXT NOT NULL, token {blob}, gen_time TEXT, serial TEXT, "
        "attempts INTEGER NOT NULL, last_error TEXT, wanted_at TEXT NOT NULL, "
        "updated_at TEXT NOT NULL)"
    ]


@dataclass(frozen=True)
class StoredTimestamp:
    checkpoint_id: int
    size: int  # the checkpoint's tree size
    note: str  # the checkpoint's signed note: the timestamped bytes are its UTF-8
    last_position: int | None
    tsa_url: str
    token: bytes | None
    gen_time: str | None
    serial: str | None
    attempts: int
    last_error: str | None


_SELECT = (
    "SELECT t.*, c.tree_size, c.note, c.last_position FROM ledger_timestamps t "
    "JOIN ledger_checkpoints c ON c.id = t.checkpoint_id"
)


class TimestampStore:
    @staticmethod
    def want(tx: Tx, checkpoint_id: int, tsa_url: str, now: str) -> None:
        """The checkpoint is to be timestamped (nothing happens if it already is)."""
        tx.run(
            "INSERT INTO ledger_timestamps (checkpoint_id, tsa_url, attempts, wanted_at, "
            "updated_at) VALUES (?,?,0,?,?) ON CONFLICT (checkpoint_id) DO NOTHING",
            (checkpoint_id, tsa_url, now, now),
        )

    @staticmethod
    def waiting(tx: Tx, limit: int) -> list[StoredTimestamp]:
        """Checkpoints still without a token, newest first."""
        rows = tx.all(
            f"{_SELECT} WHERE t.token IS NULL ORDER BY t.checkpoint_id DESC LIMIT ?", (limit,)
        )
        return [_stored(r) for r in rows]

    @staticmethod
    def of_checkpoint(tx: Tx, checkpoint_id: int) -> StoredTimestamp | None:
        r = tx.one(f"{_SELECT} WHERE t.checkpoint_id=?", (checkpoint_id,))
        return _stored(r) if r else None

    @staticmethod
    def all(tx: Tx) -> list[StoredTimestamp]:
        return [_stored(r) for r in tx.all(f"{_SELECT} ORDER BY t.checkpoint_id")]

    @staticmethod
    def stamped(
        tx: Tx, checkpoint_id: int, tsa_url: str, token: bytes, gen_time: str, serial: str, now: str
    ) -> None:
        """Store the token; a token already stored (a concurrent seal's) is kept."""
        tx.run(
            "UPDATE ledger_timestamps SET token=?, gen_time=?, serial=?, tsa_url=?, "
            "attempts=attempts+1, last_error=NULL, updated_at=? "
            "WHERE checkpoint_id=? AND token IS NULL",
            (token, gen_time, serial, tsa_url, now, checkpoint_id),
        )

    @staticmethod
    def failed(tx: Tx, checkpoint_id: int, error: str, now: str) -> None:
        tx.run(
            "UPDATE ledger_timestamps SET attempts=attempts+1, last_error=?, updated_at=? "
            "WHERE checkpoint_id=? AND token IS NULL",
            (error[:1000], now, checkpoint_id),
        )


def _stored(r: dict[str, Any]) -> StoredTimestamp:
    return StoredTimestamp(
        checkpoint_id=int(r["checkpoint_id"]),
        size=int(r["tree_size"]),
        note=str(r["note"]),
        last_position=None if r["last_position"] is None else int(r["last_position"]),
        tsa_url=str(r["tsa_url"]),
        token=None if r["token"] is None else bytes(r["token"]),
        gen_time=r["gen_time"],
        serial=r["serial"],
        attempts=int(r["attempts"]),
        last_error=r["last_error"],
    )

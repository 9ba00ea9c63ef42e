"""The web UI's sign-in sessions: one row per session, keyed by the SHA-256 of its id.

Not a read model (a rebuild must not sign everyone out, nor bring sessions back): a table of
its own, created on first use. The session id itself is never stored. Each row carries a MAC
made with a key outside the database (archive/session_key.py); this module only stores it.
"""

from __future__ import annotations

from storage.db import Database, Row, Tx

TABLE = "ui_sessions"
_COLUMNS = (
    "id_hash TEXT PRIMARY KEY, user_name TEXT NOT NULL, token_hash TEXT NOT NULL, "
    "created_at TEXT NOT NULL, expires_at TEXT NOT NULL, mac TEXT NOT NULL"
)


def create(db: Database) -> None:
    with db.tx() as tx:
        if _unbound_table(tx, db):  # sessions of a version without MACs: sign in again
            tx.run(f"DROP TABLE {TABLE}")
        tx.run(f"CREATE TABLE IF NOT EXISTS {TABLE} ({_COLUMNS})")


def _unbound_table(tx: Tx, db: Database) -> bool:
    if db.dialect == "sqlite":
        columns = {r["name"] for r in tx.all(f"PRAGMA table_info({TABLE})")}
    else:
        columns = {
            r["column_name"]
            for r in tx.all(
                "SELECT column_name FROM information_schema.columns "
                "WHERE table_schema = current_schema() AND table_name = ?",
                (TABLE,),
            )
        }
    return bool(columns) and "mac" not in columns


def insert(
    db: Database,
    *,
    id_hash: str,
    user_name: str,
    token_hash: str,
    created_at: str,
    expires_at: str,
    mac: str,
) -> None:
    with db.tx() as tx:
        tx.run(f"DELETE FROM {TABLE} WHERE expires_at < ?", (created_at,))  # keeps it small
        tx.run(
            f"INSERT INTO {TABLE} (id_hash, user_name, token_hash, created_at, expires_at, mac) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (id_hash, user_name, token_hash, created_at, expires_at, mac),
        )


def find(db: Database, id_hash: str) -> Row | None:
    with db.tx(write=False) as tx:
        row: Row | None = tx.one(
            f"SELECT id_hash, user_name, token_hash, created_at, expires_at, mac FROM {TABLE} "
            "WHERE id_hash = ?",
            (id_hash,),
        )
    return row


def delete(db: Database, id_hash: str) -> int:
    with db.tx() as tx:
        count: int = tx.run(f"DELETE FROM {TABLE} WHERE id_hash = ?", (id_hash,))
    return count

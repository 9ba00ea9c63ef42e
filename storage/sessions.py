"""The web UI's sign-in sessions: one row per session, keyed by the SHA-256 of its id.

Not a read model (a rebuild must not sign everyone out, nor bring sessions back): a table of
its own, created on first use. The session id itself is never stored.
"""

from __future__ import annotations

from storage.db import Database, Row

TABLE = "ui_sessions"
_SCHEMA = (
    f"CREATE TABLE IF NOT EXISTS {TABLE} (id_hash TEXT PRIMARY KEY, user_name TEXT NOT NULL, "
    "token_hash TEXT NOT NULL, created_at TEXT NOT NULL, expires_at TEXT NOT NULL)"
)


def create(db: Database) -> None:
    with db.tx() as tx:
        tx.run(_SCHEMA)


def insert(db: Database, id_hash: str, user: str, token_hash: str, now: str, expires: str) -> None:
    with db.tx() as tx:
        tx.run(f"DELETE FROM {TABLE} WHERE expires_at < ?", (now,))  # keeps the table small
        tx.run(
            f"INSERT INTO {TABLE} (id_hash, user_name, token_hash, created_at, expires_at) "
            "VALUES (?, ?, ?, ?, ?)",
            (id_hash, user, token_hash, now, expires),
        )


def find(db: Database, id_hash: str) -> Row | None:
    """The session with the state of its user's current token, joined in one read."""
    with db.tx(write=False) as tx:
        row: Row | None = tx.one(
            f"SELECT s.user_name, s.token_hash AS session_token, s.expires_at, u.role, "
            f"u.token_hash AS user_token, u.revoked, u.token_expires FROM {TABLE} s "
            "LEFT JOIN rm_users u ON u.name = s.user_name WHERE s.id_hash = ?",
            (id_hash,),
        )
    return row


def delete(db: Database, id_hash: str) -> int:
    with db.tx() as tx:
        count: int = tx.run(f"DELETE FROM {TABLE} WHERE id_hash = ?", (id_hash,))
    return count

"""Single sign-on's server-side state: sign-ins under way and the provider side of sessions.

Neither is a read model (a rebuild must not sign anyone out): tables of their own, created on
first use. A sign-in under way is keyed by the SHA-256 of its `state`, holds the nonce and the
PKCE verifier, and is taken once (a replayed callback finds nothing). A session's provider
side holds the refresh token Saksi re-checks the account with; the row goes with the session.
"""

from __future__ import annotations

from storage.db import Database, Row

PENDING = "oidc_pending"
SESSIONS = "oidc_sessions"
_SCHEMA = (
    f"CREATE TABLE IF NOT EXISTS {PENDING} (state_hash TEXT PRIMARY KEY, nonce TEXT NOT NULL, "
    "verifier TEXT NOT NULL, next_path TEXT NOT NULL, expires_at TEXT NOT NULL)",
    f"CREATE TABLE IF NOT EXISTS {SESSIONS} (id_hash TEXT PRIMARY KEY, user_name TEXT NOT NULL, "
    "refresh_token TEXT, next_check TEXT NOT NULL)",
)


def create(db: Database) -> None:
    with db.tx() as tx:
        for statement in _SCHEMA:
            tx.run(statement)


def add_pending(
    db: Database, state_hash: str, nonce: str, verifier: str, next_path: str, now: str, expires: str
) -> None:
    with db.tx() as tx:
        tx.run(f"DELETE FROM {PENDING} WHERE expires_at < ?", (now,))  # abandoned sign-ins
        tx.run(
            f"INSERT INTO {PENDING} (state_hash, nonce, verifier, next_path, expires_at) "
            "VALUES (?, ?, ?, ?, ?)",
            (state_hash, nonce, verifier, next_path, expires),
        )


def take_pending(db: Database, state_hash: str) -> Row | None:
    """The sign-in under way with this state, removed in the same transaction: used once."""
    with db.tx() as tx:
        row: Row | None = tx.one(f"SELECT * FROM {PENDING} WHERE state_hash = ?", (state_hash,))
        if row is not None:
            tx.run(f"DELETE FROM {PENDING} WHERE state_hash = ?", (state_hash,))
    return row


def add_session(
    db: Database, id_hash: str, user: str, refresh_token: str | None, next_check: str
) -> None:
    with db.tx() as tx:
        # Sessions that ended without a sign-out (expired, swept from ui_sessions) go too.
        tx.run(f"DELETE FROM {SESSIONS} WHERE id_hash NOT IN (SELECT id_hash FROM ui_sessions)")
        tx.run(
            f"INSERT INTO {SESSIONS} (id_hash, user_name, refresh_token, next_check) "
            "VALUES (?, ?, ?, ?)",
            (id_hash, user, refresh_token, next_check),
        )


def session(db: Database, id_hash: str) -> Row | None:
    with db.tx(write=False) as tx:
        row: Row | None = tx.one(f"SELECT * FROM {SESSIONS} WHERE id_hash = ?", (id_hash,))
    return row


def claim_check(db: Database, id_hash: str, due: str, until: str) -> bool:
    """Take a due check for this request alone (another request seeing the same due time finds
    it taken): a rotated refresh token is never spent twice."""
    with db.tx() as tx:
        taken: int = tx.run(
            f"UPDATE {SESSIONS} SET next_check = ? WHERE id_hash = ? AND next_check = ?",
            (until, id_hash, due),
        )
    return taken == 1


def checked(db: Database, id_hash: str, refresh_token: str | None, next_check: str) -> None:
    with db.tx() as tx:
        tx.run(
            f"UPDATE {SESSIONS} SET refresh_token = coalesce(?, refresh_token), next_check = ? "
            "WHERE id_hash = ?",
            (refresh_token, next_check, id_hash),
        )


def drop_session(db: Database, id_hash: str) -> None:
    with db.tx() as tx:
        tx.run(f"DELETE FROM {SESSIONS} WHERE id_hash = ?", (id_hash,))

"""Read-model handlers of users: rm_users, one row a user with its token hash and role."""

from __future__ import annotations

from uuid import UUID

from domain.user import User
from storage.db import Tx
from storage.readmodels.registry import name_of, on, stored_time


@on(User.UserRegistered)
def _user_registered(tx: Tx, _pos: int, e: User.UserRegistered) -> None:
    tx.run(
        "INSERT INTO rm_users (name, role, token_hash, token_expires, revoked, created_at) "
        "VALUES (?,?,?,?,0,?) ON CONFLICT (name) DO NOTHING",
        (e.name, e.role, e.token_hash, stored_time(e.token_expires), stored_time(e.timestamp)),
    )


@on(User.RoleChanged)
def _role_changed(tx: Tx, _pos: int, e: User.RoleChanged) -> None:
    tx.run("UPDATE rm_users SET role=? WHERE name=?", (e.role, _user_name(tx, e.originator_id)))


@on(User.TokenIssued)
def _token_issued(tx: Tx, _pos: int, e: User.TokenIssued) -> None:
    tx.run(
        "UPDATE rm_users SET token_hash=?, token_expires=?, revoked=0 WHERE name=?",
        (e.token_hash, stored_time(e.token_expires), _user_name(tx, e.originator_id)),
    )


@on(User.TokenRevoked)
def _token_revoked(tx: Tx, _pos: int, e: User.TokenRevoked) -> None:
    tx.run("UPDATE rm_users SET revoked=1 WHERE name=?", (_user_name(tx, e.originator_id),))


def _user_name(tx: Tx, originator_id: UUID) -> str:
    return name_of(tx, originator_id)

"""Users of the archive: a role and a bearer token kept only as its hash."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import event

from domain.base import Attributed, Context, RuleBroken, named_id
from domain.ids import check_id

ROLES = ("operator", "investigator", "auditor", "admin", "owner")


def check_role(role: str) -> str:
    if role not in ROLES:
        raise RuleBroken(f"unknown role {role!r}; expected one of {', '.join(ROLES)}")
    return role


class User(Attributed):
    class UserRegistered(Attributed.Created):
        name: str
        role: str
        token_hash: str
        token_expires: datetime | None

    class RoleChanged(Attributed.Event):
        role: str
        reason: str | None

    class TokenIssued(Attributed.Event):
        token_hash: str
        token_expires: datetime | None

    class TokenRevoked(Attributed.Event):
        reason: str | None

    @staticmethod
    def create_id(name: str, **_: Any) -> UUID:
        return named_id("user", name)

    @event(UserRegistered)
    def __init__(
        self,
        name: str,
        role: str,
        token_hash: str,
        token_expires: datetime | None,
        actor: str,
        channel: str,
        client: str | None,
    ) -> None:
        self.name = name
        self.role = role
        self.token_hash = token_hash
        self.token_expires = token_expires
        self.revoked = False

    @classmethod
    def register(
        cls, name: str, role: str, token_hash: str, expires: datetime | None, ctx: Context
    ) -> User:
        return cls(
            name=check_id("user name", name),
            role=check_role(role),
            token_hash=token_hash,
            token_expires=expires,
            **ctx.fields(),
        )

    def change_role(self, role: str, reason: str | None, ctx: Context) -> None:
        self._role_changed(role=check_role(role), reason=reason, **ctx.fields())

    @event(RoleChanged)
    def _role_changed(
        self, role: str, reason: str | None, actor: str, channel: str, client: str | None
    ) -> None:
        self.role = role

    def issue_token(self, token_hash: str, expires: datetime | None, ctx: Context) -> None:
        self._token_issued(token_hash=token_hash, token_expires=expires, **ctx.fields())

    @event(TokenIssued)
    def _token_issued(
        self,
        token_hash: str,
        token_expires: datetime | None,
        actor: str,
        channel: str,
        client: str | None,
    ) -> None:
        self.token_hash = token_hash
        self.token_expires = token_expires
        self.revoked = False

    def revoke_token(self, reason: str | None, ctx: Context) -> None:
        if self.revoked:
            raise RuleBroken(f"the token of {self.name} is already revoked")
        self._token_revoked(reason=reason, **ctx.fields())

    @event(TokenRevoked)
    def _token_revoked(
        self, reason: str | None, actor: str, channel: str, client: str | None
    ) -> None:
        self.revoked = True

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

    # Single sign-on: the account at an identity provider this user is, and each sign-in and
    # sign-out through it, with the provider's subject (never a token).
    class IdentityLinked(Attributed.Event):
        issuer: str
        subject: str

    class SignedIn(Attributed.Event):
        issuer: str
        subject: str

    class SignedOut(Attributed.Event):
        issuer: str
        subject: str
        why: str

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
        self.identity: tuple[str, str] | None = None  # (issuer, subject) once linked

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

    def link_identity(self, issuer: str, subject: str, ctx: Context) -> None:
        if self.identity is not None and self.identity != (issuer, subject):
            raise RuleBroken(f"{self.name} is linked to another account at the identity provider")
        if self.identity is None:
            self._identity_linked(issuer=issuer, subject=subject, **ctx.fields())

    @event(IdentityLinked)
    def _identity_linked(
        self, issuer: str, subject: str, actor: str, channel: str, client: str | None
    ) -> None:
        self.identity = (issuer, subject)

    def record_sign_in(self, ctx: Context) -> None:
        if self.identity is None:
            raise RuleBroken(f"{self.name} has no identity at a provider")
        issuer, subject = self.identity
        self._signed_in(issuer=issuer, subject=subject, **ctx.fields())

    @event(SignedIn)
    def _signed_in(
        self, issuer: str, subject: str, actor: str, channel: str, client: str | None
    ) -> None:
        pass

    def record_sign_out(self, why: str, ctx: Context) -> None:
        if self.identity is None:
            raise RuleBroken(f"{self.name} has no identity at a provider")
        issuer, subject = self.identity
        self._signed_out(issuer=issuer, subject=subject, why=why, **ctx.fields())

    @event(SignedOut)
    def _signed_out(
        self, issuer: str, subject: str, why: str, actor: str, channel: str, client: str | None
    ) -> None:
        pass

"""Setting up the archive, and its users and their bearer tokens."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime
from typing import Any

from archive.errors import AlreadyExists, InvalidInput, NotFound
from archive.services import Services
from domain.base import Context
from domain.retention import CLASSES, DEFAULT_KEEP, RetentionPolicy
from domain.user import User, check_role
from ledger.keys import create_key
from storage.readmodels import queries

TOKEN_PREFIX = "sks_"


def new_token() -> tuple[str, str]:
    """A bearer token and the hash stored in its place (tokens are 256-bit random)."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    return token, hash_token(token)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def init_archive(svc: Services, ctx: Context, admin: str) -> dict[str, Any]:
    """Idempotent: storage, signing key, default retention policies, first admin. Only the
    host may do it (there is no user to sign in as yet); its events say so (channel host)."""
    svc.guard.require(ctx, "archive.init", target="archive")
    svc.objects.initialise()
    svc.objects.check()
    key_created = create_key(svc.settings.signing_key)
    for cls in CLASSES:
        if svc.events.find(RetentionPolicy, RetentionPolicy.create_id(cls)) is None:
            svc.events.save(
                RetentionPolicy.define(cls, DEFAULT_KEEP[cls], "default policy at init", ctx)
            )
    token: str | None = None
    existing = svc.events.find(User, User.create_id(admin))
    if existing is None:
        token, token_hash = new_token()
        svc.events.save(User.register(admin, "admin", token_hash, None, ctx))
    elif existing.role != "admin":
        raise InvalidInput(f"user {admin} exists and is not an admin")
    return {
        "admin": admin,
        "token": token,
        "created": token is not None,
        "signing_key_created": key_created,
        "settings": svc.settings.redacted(),
    }


def add_user(
    svc: Services, ctx: Context, name: str, role: str, expires: datetime | None = None
) -> dict[str, Any]:
    svc.guard.require(ctx, "users.admin", target=f"user:{name}")
    check_role(role)
    if svc.events.find(User, User.create_id(name)) is not None:
        raise AlreadyExists(f"user {name} already exists")
    token, token_hash = new_token()
    svc.events.save(User.register(name, role, token_hash, expires, ctx))
    return {
        "name": name,
        "role": role,
        "token": token,
        "expires": expires.isoformat() if expires else None,
    }


def list_users(svc: Services, ctx: Context) -> list[dict[str, Any]]:
    """Every user with role and token state (never a token or its hash)."""
    svc.guard.require(ctx, "users.admin", target="users")
    return [
        {
            "name": r["name"],
            "role": r["role"],
            "revoked": bool(r["revoked"]),
            "token_expires": r["token_expires"],
            "created_at": r["created_at"],
        }
        for r in queries.users(svc.db)
    ]


def revoke_token(svc: Services, ctx: Context, name: str, reason: str) -> dict[str, Any]:
    svc.guard.require(ctx, "users.admin", target=f"user:{name}")
    user = svc.events.find(User, User.create_id(name))
    if user is None:
        raise NotFound(f"no user {name}")
    user.revoke_token(reason, ctx)
    svc.events.save(user)
    return {"name": name, "revoked": True}


def issue_token(
    svc: Services, ctx: Context, name: str, expires: datetime | None = None
) -> dict[str, Any]:
    """A new token for an existing user (the old one stops working); shown once."""
    svc.guard.require(ctx, "users.admin", target=f"user:{name}")
    user = svc.events.find(User, User.create_id(name))
    if user is None:
        raise NotFound(f"no user {name}")
    token, token_hash = new_token()
    user.issue_token(token_hash, expires, ctx)
    svc.events.save(user)
    return {
        "name": name,
        "role": user.role,
        "token": token,
        "expires": expires.isoformat() if expires else None,
    }


def authenticate(svc: Services, token: str) -> dict[str, Any] | None:
    """The user a bearer token belongs to, if it is valid. The read model only finds the name
    (by the token's hash, indexed); the decision is the User's own recorded state, the same
    the guard then checks: a row changed behind the archive's back signs nobody in."""
    token_hash = hash_token(token)
    row = queries.user_by_token_hash(svc.db, token_hash)
    if row is None:
        return None
    user = recorded_user(svc, str(row["name"]))
    if user is None or user.revoked or not secrets.compare_digest(user.token_hash, token_hash):
        return None
    if user.token_expires and user.token_expires < _now():
        return None
    return {
        "name": user.name,
        "role": user.role,
        "token_hash": user.token_hash,
        "token_expires": user.token_expires,
    }


def recorded_user(svc: Services, name: str) -> User | None:
    """The User as the hash-chained log records it (never the read model)."""
    return svc.events.find(User, User.create_id(name))


def _now() -> datetime:
    from archive.timefmt import now

    return now()

"""Signing in with a bearer token, and auditing failed attempts without flooding the log.

Every failed sign-in with a presented token (unknown, malformed, revoked or expired) is an
`AccessDenied` with action `auth`, the client address and what was wrong - never the token.
An attacker must not be able to grow the event log at will, so records are rate-limited:
per client address at most one record a minute; the attempts in between are counted and the
count is written into that client's next record ("and N more since ..."). Across all clients
at most 30 records a minute; past it, attempts are only counted, into the next record made
(archive/throttle.py). The limiter lives in each server process (Services.throttles).
"""

from __future__ import annotations

import secrets
from typing import Any

from archive import timefmt
from archive.accounts import users
from archive.errors import Unauthenticated
from archive.services import Services
from domain.base import Context
from domain.refusal import Refusal
from storage.readmodels import queries

MAX_TOKEN_LENGTH = 256


def sign_in(svc: Services, token: str | None, client: str | None, target: str) -> Context:
    """The context of the user a bearer token belongs to; Unauthenticated otherwise."""
    return identify(svc, token, client, target)[0]


def identify(
    svc: Services, token: str | None, client: str | None, target: str
) -> tuple[Context, dict[str, Any]]:
    """`sign_in`, with the user's recorded state (role, token hash, expiry) beside it."""
    if not token:
        raise Unauthenticated("a bearer token is required: Authorization: Bearer TOKEN")
    user = users.authenticate(svc, token) if _plausible(token) else None
    if user is None:
        actor, problem = _diagnose(svc, token)
        _record_failure(svc, Context(actor, "http", client), target, problem)
        raise Unauthenticated("the token is not valid (unknown, revoked or expired)")
    return Context(actor=str(user["name"]), channel="http", client=client), user


def _plausible(token: str) -> bool:
    return len(token) <= MAX_TOKEN_LENGTH and token.isascii() and token.isprintable()


def _diagnose(svc: Services, token: str) -> tuple[str, str]:
    """Who the failed token belonged to, if anyone, and what was wrong with it. Only the log
    names a user: a read-model row pointing at one is not taken at its word."""
    if not _plausible(token):
        return "anonymous", "a malformed token"
    token_hash = users.hash_token(token)
    row = queries.user_by_token_hash(svc.db, token_hash)
    if row is None:
        return "anonymous", "an unknown token"
    user = users.recorded_user(svc, str(row["name"]))
    if user is None or not secrets.compare_digest(user.token_hash, token_hash):
        return "anonymous", f"a token the read model gives to {row['name']} but the log does not"
    if user.revoked:
        return user.name, f"the revoked token of {user.name}"
    expires = user.token_expires
    if expires and expires < timefmt.now():
        return user.name, f"the token of {user.name} expired at {expires.isoformat()}"
    return user.name, f"the token of {user.name} was refused"


def _record_failure(svc: Services, ctx: Context, target: str, problem: str) -> None:
    limiter = svc.throttles.sign_ins
    suppressed = limiter.admit(ctx.client or "unknown")
    if suppressed is None:
        return
    detail = f"sign-in with {problem}"
    if suppressed:
        detail += f" (and {suppressed} more failed sign-ins not recorded one by one)"
    svc.events.save(Refusal.record("auth", target, detail, ctx))

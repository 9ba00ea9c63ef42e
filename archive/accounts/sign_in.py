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
from archive.errors import Refused, Unauthenticated
from archive.services import Services
from domain.base import Context
from domain.refusal import Refusal
from storage.readmodels import queries

MAX_TOKEN_LENGTH = 256


def sign_in(
    svc: Services, token: str | None, client: str | None, target: str, channel: str = "http"
) -> Context:
    """The context of the user a bearer token belongs to; Unauthenticated otherwise."""
    return identify(svc, token, client, target, channel)[0]


def identify(
    svc: Services, token: str | None, client: str | None, target: str, channel: str = "http"
) -> tuple[Context, dict[str, Any]]:
    """`sign_in`, with the user's recorded state (role, token hash, expiry) beside it."""
    if not token:
        raise Unauthenticated("a bearer token is required: Authorization: Bearer TOKEN")
    user = users.authenticate(svc, token) if _plausible(token) else None
    if user is None:
        actor, problem = _diagnose(svc, token)
        _record_failure(svc, Context(actor, channel, client), target, problem)
        raise Unauthenticated("the token is not valid (unknown, revoked or expired)")
    return Context(actor=str(user["name"]), channel=channel, client=client), user


def sign_in_command(
    svc: Services, token: str | None, client: str, target: str, claimed: str | None
) -> Context:
    """A user's command on the command line: the token is checked exactly as a bearer token
    on the API is, and the command acts as the token's user. A name typed (`--actor`) proves
    nothing; it is only compared. Unlike the API, a command without a token is recorded too:
    someone on the archive host tried to act as a user without proving who they are."""
    claim = f" (as --actor {claimed})" if claimed else ""
    if not token:
        _record_failure(svc, Context("anonymous", "cli", client), target, "no token" + claim)
        raise Unauthenticated("a user's token is required: set SAKSI_TOKEN (or type it when asked)")
    ctx = sign_in(svc, token, client, target, channel="cli")
    if claimed and claimed != ctx.actor:
        detail = f"--actor {claimed} given with the token of {ctx.actor}"
        svc.events.save(Refusal.record("auth", target, detail, ctx))
        raise Refused(f"refused: {detail}", action="auth")
    return ctx


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


def record_refused_sign_in(
    svc: Services, actor: str, client: str | None, target: str, problem: str
) -> None:
    """A sign-in refused elsewhere (single sign-on), recorded and throttled like these."""
    _record_failure(svc, Context(actor, "http", client), target, problem)

"""Web UI sessions: signing in with a bearer token once, then a session id in a cookie.

A session is only as good as the token it was opened with: it ends when it expires, when its
user signs out, or when the user's token is revoked, expires or is replaced. Failed sign-ins
are recorded exactly as on the API (archive.accounts.sign_in). Only the SHA-256 of a session id is
kept.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from archive import timefmt
from archive.accounts import oidc_check, users
from archive.accounts import sign_in as auth
from archive.services import Services
from domain.base import Context
from storage import sessions as table
from storage.readmodels import queries

LIFETIME = timedelta(hours=8)


@dataclass(frozen=True)
class Session:
    session_id: str  # the secret: goes into the cookie, never stored
    user: str
    role: str


@dataclass(frozen=True)
class Viewer:
    """The signed-in user of a request."""

    ctx: Context
    role: str


def hash_id(session_id: str) -> str:
    return hashlib.sha256(session_id.encode("ascii")).hexdigest()


def start(svc: Services, token: str, client: str | None) -> Session:
    """Check the token (Unauthenticated, recorded, if it is not valid) and open a session."""
    ctx = auth.sign_in(svc, token.strip(), client, "ui:sign-in")
    row = queries.user_by_token_hash(svc.db, users.hash_token(token.strip()))
    assert row is not None  # sign_in has just found it
    return open_session(svc, ctx.actor, str(row["role"]), row["token_hash"], row["token_expires"])


def open_session(
    svc: Services, user: str, role: str, token_hash: str, token_expires: str | None
) -> Session:
    """A new session for a user already signed in (by token, or by the identity provider):
    it lasts until LIFETIME or the user's token expires, whichever comes first."""
    session_id = secrets.token_urlsafe(32)
    now = timefmt.now()
    expires = now + LIFETIME
    if token_expires:
        expires = min(expires, datetime.fromisoformat(token_expires))
    table.insert(
        svc.db, hash_id(session_id), user, token_hash, now.isoformat(), expires.isoformat()
    )
    return Session(session_id, user, role)


def resolve(svc: Services, session_id: str, client: str | None) -> Viewer | None:
    """The session's user, or None when the session is unknown, over, or its token is gone."""
    if not session_id or len(session_id) > 100 or not session_id.isascii():
        return None
    row = table.find(svc.db, hash_id(session_id))
    if row is None:
        return None
    now = timefmt.now()
    alive = (
        datetime.fromisoformat(row["expires_at"]) > now
        and row["role"] is not None
        and not row["revoked"]
        and row["user_token"] == row["session_token"]
        and not (row["token_expires"] and datetime.fromisoformat(row["token_expires"]) <= now)
    )
    ctx = Context(str(row["user_name"]), "http", client)
    if not alive:
        oidc_check.ended(
            svc, hash_id(session_id), client, "the session expired or its user changed"
        )
    if not alive or not oidc_check.still_accepted(svc, hash_id(session_id), client):
        table.delete(svc.db, hash_id(session_id))
        return None
    return Viewer(ctx, str(row["role"]))


def end(svc: Services, session_id: str, client: str | None = None) -> bool:
    """Sign out: the session id stops working at once (a single sign-on one is recorded)."""
    if not session_id or len(session_id) > 100 or not session_id.isascii():
        return False
    oidc_check.ended(svc, hash_id(session_id), client, "signed out")
    return table.delete(svc.db, hash_id(session_id)) > 0

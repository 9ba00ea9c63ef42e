"""Web UI sessions: signing in with a bearer token once, then a session id in a cookie.

A session is only as good as the token it was opened with: it ends when it expires, when its
user signs out, or when the user's token is revoked, expires or is replaced. Failed sign-ins
are recorded exactly as on the API (archive.accounts.sign_in). Only the SHA-256 of a session id is
kept.

Whoever can write the database must not be able to sign in through it: each row carries a MAC
(made with the session key, a file outside the database) over the session id's hash, the user,
the token hash and the times, and every request re-checks the user against the User as the
log records it (role, token, revocation, expiry), never against the read model.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from archive import timefmt
from archive.accounts import oidc_check, users
from archive.accounts import sign_in as auth
from archive.services import Services
from domain.base import Context
from storage import sessions as table

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
    ctx, user = auth.identify(svc, token.strip(), client, "ui:sign-in")
    expiry = user["token_expires"]
    return open_session(svc, ctx.actor, str(user["role"]), str(user["token_hash"]), expiry)


def open_session(
    svc: Services, user: str, role: str, token_hash: str, token_expires: datetime | None
) -> Session:
    """A new session for a user already signed in (by token, or by the identity provider):
    it lasts until LIFETIME or the user's token expires, whichever comes first. Its row carries
    a MAC made with the session key, so a row written straight into the database opens nothing."""
    session_id = secrets.token_urlsafe(32)
    now = timefmt.now()
    expires = now + LIFETIME
    if token_expires:
        expires = min(expires, token_expires)
    row = {
        "id_hash": hash_id(session_id),
        "user_name": user,
        "token_hash": token_hash,
        "created_at": now.isoformat(),
        "expires_at": expires.isoformat(),
    }
    table.insert(svc.db, **row, mac=_mac(svc, row))
    return Session(session_id, user, role)


def _mac(svc: Services, row: dict[str, Any]) -> str:
    fields = ("id_hash", "user_name", "token_hash", "created_at", "expires_at")
    return svc.session_key.mac("saksi-ui-session-v1", *(str(row[f]) for f in fields))


def resolve(svc: Services, session_id: str, client: str | None) -> Viewer | None:
    """The session's user, or None when the session is unknown, over, forged, or its token
    is gone."""
    if not session_id or len(session_id) > 100 or not session_id.isascii():
        return None
    row = table.find(svc.db, hash_id(session_id))
    if row is None:
        return None
    user = None
    if hmac.compare_digest(str(row["mac"]), _mac(svc, row)):  # else: not made by a worker
        user = users.recorded_user(svc, str(row["user_name"]))
    now = timefmt.now()
    alive = (
        user is not None
        and datetime.fromisoformat(row["expires_at"]) > now
        and not user.revoked
        and hmac.compare_digest(user.token_hash, str(row["token_hash"]))
        and not (user.token_expires and user.token_expires <= now)
    )
    if not alive or user is None:
        oidc_check.ended(
            svc, hash_id(session_id), client, "the session expired or its user changed"
        )
        table.delete(svc.db, hash_id(session_id))
        return None
    if not oidc_check.still_accepted(svc, hash_id(session_id), client):
        table.delete(svc.db, hash_id(session_id))
        return None
    return Viewer(Context(user.name, "http", client), user.role)


def end(svc: Services, session_id: str, client: str | None = None) -> bool:
    """Sign out: the session id stops working at once (a single sign-on one is recorded)."""
    if not session_id or len(session_id) > 100 or not session_id.isascii():
        return False
    oidc_check.ended(svc, hash_id(session_id), client, "signed out")
    return table.delete(svc.db, hash_id(session_id)) > 0

"""Single sign-on for the web UI: OpenID Connect's authorization code flow with PKCE.

`begin` keeps a fresh state, nonce and PKCE verifier server-side and sends the browser to the
provider; `finish` takes them back once (a replayed callback finds nothing), exchanges the
code, checks the ID token (signature by the provider's keys, issuer, audience, expiry, nonce),
maps the role claim to a Saksi role, creates or updates the user as recorded events, records
the sign-in with the provider's subject and opens a session. Every refusal is recorded like a
failed token sign-in (`AccessDenied`, action `auth`, throttled), saying what was wrong and
never carrying a code or a token. Case membership is never taken from the provider.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Any, NoReturn

from archive import timefmt
from archive.accounts import oidc_client, sessions
from archive.accounts import sign_in as auth
from archive.accounts.oidc_client import Config, ProviderRefused, ProviderUnavailable
from archive.errors import NotFound, Unauthenticated, Unavailable
from archive.services import Services
from archive.settings import Settings
from domain.base import Context, RuleBroken
from domain.user import User
from storage import oidc_rows

PENDING_TTL = timedelta(minutes=10)
TARGET = "ui:oidc"


def _config(svc: Services) -> Config:
    config = Config.of(svc.settings)
    if config is None:
        raise NotFound("single sign-on is off (SAKSI_OIDC_ISSUER)")
    return config


def _hash(state: str, browser: str) -> str:
    """A sign-in is bound to the browser that began it (a cookie): another browser cannot be
    made to finish it (login CSRF)."""
    return hashlib.sha256(f"{state}:{browser}".encode()).hexdigest()


def begin(svc: Services, next_path: str) -> tuple[str, str]:
    """The provider's sign-in address for a new sign-in that returns to `next_path`, and the
    secret the browser keeps (a cookie) until the callback."""
    config = _config(svc)
    state, nonce, verifier, browser = (secrets.token_urlsafe(32) for _ in range(4))
    now = timefmt.now()
    oidc_rows.add_pending(
        svc.db, _hash(state, browser), nonce, verifier, next_path, now.isoformat(),
        (now + PENDING_TTL).isoformat(),
    )  # fmt: skip
    try:
        return oidc_client.authorization_url(config, state, nonce, verifier), browser
    except ProviderUnavailable as e:
        raise Unavailable(str(e)) from None
    except ProviderRefused as e:
        raise Unavailable(f"identity provider: {e}") from None


def role_for(settings: Settings, claims: dict[str, Any]) -> str | None:
    """The role of the first mapped value the user has in the role claim (a list or a string)."""
    value = claims.get(settings.oidc_role_claim)
    held = {value} if isinstance(value, str) else set(value if isinstance(value, list) else [])
    return next((role for group, role in settings.oidc_role_map.items() if group in held), None)


def finish(
    svc: Services, state: str, code: str, browser: str, client: str | None
) -> tuple[sessions.Session, str]:
    """The session of the user the provider vouches for, and where to go next; Unauthenticated
    (recorded) when anything about the callback or the provider's answer is wrong."""
    config = _config(svc)
    anonymous = Context("anonymous", "http", client)
    plausible = 0 < len(state) < 200 and 0 < len(browser) < 200
    pending = oidc_rows.take_pending(svc.db, _hash(state, browser)) if plausible else None
    if pending is None or datetime.fromisoformat(pending["expires_at"]) < timefmt.now():
        _refuse(svc, anonymous, "an unknown, used or expired sign-in state (a replayed callback?)")
    try:
        tokens = oidc_client.exchange(config, code, pending["verifier"])
        claims = oidc_client.id_claims(config, str(tokens.get("id_token") or ""), pending["nonce"])
    except ProviderRefused as e:
        _refuse(svc, anonymous, str(e))
    except ProviderUnavailable as e:
        raise Unavailable(str(e)) from None
    subject = str(claims["sub"])
    name = str(claims.get(svc.settings.oidc_name_claim) or "")
    who = Context(name or "anonymous", "http", client)
    role = role_for(svc.settings, claims)
    if not name:
        _refuse(svc, anonymous, f"the ID token of subject {subject} names no user")
    if role is None:
        _refuse(svc, who, f"no Saksi role for the {svc.settings.oidc_role_claim} of {name}")
    user = _signed_in(svc, config.issuer, subject, name, role, who)
    session = sessions.open_session(svc, name, role, user.token_hash, user.token_expires)
    next_check = timefmt.now() + svc.settings.oidc_recheck
    oidc_rows.add_session(
        svc.db, sessions.hash_id(session.session_id), name, tokens.get("refresh_token"),
        next_check.isoformat(),
    )  # fmt: skip
    return session, str(pending["next_path"])


def _signed_in(
    svc: Services, issuer: str, subject: str, name: str, role: str, ctx: Context
) -> User:
    """Create the user on first sign-in, link the provider's account, follow its role, and
    record the sign-in: one save, retried if another writer got there first."""

    def change() -> tuple[list[User], User]:
        user = svc.events.find(User, User.create_id(name))
        if user is None:
            user = User.register(name, role, "", None, ctx)  # no token: machines get those
        elif user.revoked:
            raise RuleBroken(f"the access of {name} is revoked in Saksi")
        user.link_identity(issuer, subject, ctx)
        if user.role != role:
            user.change_role(role, "role from the identity provider's claim", ctx)
        user.record_sign_in(ctx)
        return [user], user

    try:
        return svc.events.save_retrying(change)
    except RuleBroken as e:
        _refuse(svc, ctx, str(e))


def _refuse(svc: Services, ctx: Context, problem: str) -> NoReturn:
    auth.record_refused_sign_in(svc, ctx.actor, ctx.client, TARGET, f"single sign-on: {problem}")
    raise Unauthenticated(f"single sign-on refused: {problem}")

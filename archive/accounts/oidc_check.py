"""The provider's side of a signed-in session: re-checking the account, recording sign-outs.

A session opened by single sign-on is re-checked with the provider every SAKSI_OIDC_RECHECK
(a refresh-token grant): an account the provider disabled is refused there, and the session
ends at that check, recorded as `User.SignedOut` with the provider's subject. A provider that
does not answer does not sign anyone out; the check is tried again half a minute later.
"""

from __future__ import annotations

import contextlib
from datetime import datetime, timedelta

from archive import timefmt
from archive.accounts import oidc_client
from archive.services import Services
from domain.base import Context, RuleBroken
from domain.user import User
from storage import oidc_rows

RETRY_AFTER = timedelta(seconds=30)


def still_accepted(svc: Services, id_hash: str, client: str | None) -> bool:
    """False when the provider refused the session's account at a due check (then recorded)."""
    row = oidc_rows.session(svc.db, id_hash)
    now = timefmt.now()
    if row is None or datetime.fromisoformat(row["next_check"]) > now:
        return True
    if not oidc_rows.claim_check(
        svc.db, id_hash, row["next_check"], (now + RETRY_AFTER).isoformat()
    ):
        return True  # another request of this session is checking it right now
    config = oidc_client.Config.of(svc.settings)
    try:
        if config is None:
            raise oidc_client.ProviderRefused("single sign-on has been turned off")
        if not row["refresh_token"]:
            raise oidc_client.ProviderRefused("the provider gave no refresh token to check with")
        tokens = oidc_client.refresh(config, row["refresh_token"])
    except oidc_client.ProviderUnavailable:  # retried once RETRY_AFTER (claimed above) passes
        return True
    except oidc_client.ProviderRefused as e:
        ended(svc, id_hash, client, str(e))
        return False
    next_check = now + svc.settings.oidc_recheck
    oidc_rows.checked(svc.db, id_hash, tokens.get("refresh_token"), next_check.isoformat())
    return True


def ended(svc: Services, id_hash: str, client: str | None, why: str) -> None:
    """A single sign-on session is over: recorded on its user with the provider's subject."""
    row = oidc_rows.session(svc.db, id_hash)
    if row is None:
        return
    oidc_rows.drop_session(svc.db, id_hash)
    ctx = Context(str(row["user_name"]), "http", client)
    with contextlib.suppress(LookupError, RuleBroken):  # no such user, or never linked
        svc.events.update(
            User, User.create_id(str(row["user_name"])), lambda u: u.record_sign_out(why, ctx)
        )

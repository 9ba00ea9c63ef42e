"""Shares for prosecutors and courts: `saksi share create|revoke|list`, /api/shares.

A share makes a case's clips (or chosen clips) available to a recipient outside the archive
through a link that expires, can be revoked, and can be view-only. Who may share is who may
export: an operator or investigator who is a member of the case (of a case holding each clip).
The link's token is random (256 bits), returned once and kept only as its SHA-256; it is never
logged. Creating a share records `ShareCreated` and, on every clip, `ClipShared`, together;
revoking it `ShareRevoked` on the share and on every clip, together, so each clip's custody
trail tells the whole life of the link.
What the recipient does with the link is archive/sharing/links.py.
"""

from __future__ import annotations

import json
import secrets
import uuid
from collections.abc import Sequence
from datetime import timedelta
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from archive import timefmt
from archive.accounts.users import hash_token
from archive.errors import InvalidInput, NotFound
from archive.export.export import _authorize_case, _authorize_clips, _text
from archive.guard import PERMISSIONS
from archive.records import load_case, load_clip
from archive.services import Services
from archive.settings import require_public_url
from archive.views import local
from domain.base import Context
from domain.clip import Clip
from domain.share import Share
from storage.readmodels import share_queries

TOKEN_PREFIX = "shr_"
MAX_EXPIRY = timedelta(days=365)


def link(public_url: str, token: str) -> str:
    """Made from SAKSI_PUBLIC_URL alone, never from a request's Host header (which its sender
    chooses: issue 18, finding 10)."""
    return f"{public_url.rstrip('/')}/share/{token}"


def lifetime(text: str) -> timedelta:
    """A share's --expires: an ISO 8601 duration of at most MAX_EXPIRY."""
    try:
        value = timefmt.parse_duration(text, "expires")
    except OverflowError:
        value = MAX_EXPIRY * 2
    if value <= timedelta(0) or value > MAX_EXPIRY:
        raise InvalidInput("a share expires after more than 0 seconds and at most P365D")
    return value


def create_share(
    svc: Services,
    ctx: Context,
    *,
    recipient: str,
    expires: timedelta,
    view_only: bool = False,
    case_id: str | None = None,
    clip_ids: Sequence[str] = (),
    reason: str | None = None,
) -> dict[str, Any]:
    """Authorize like an export, then record the share on its own stream and on each clip.
    Returns the link and its token: the only time either is shown."""
    base = require_public_url(svc.settings)  # before anything is recorded
    recipient = _text(recipient, "a recipient")
    reason = _text(reason, "a reason") if reason is not None else f"shared with {recipient}"
    if (case_id is None) == (not clip_ids):
        raise InvalidInput("share a case or clips: give either --case or --clip")
    if expires <= timedelta(0) or expires > MAX_EXPIRY:
        raise InvalidInput("a share expires after more than 0 seconds and at most P365D")
    case = load_case(svc.events, case_id) if case_id is not None else None
    if case is not None:
        _who, clips = _authorize_case(svc, ctx, case, "share.create")
    else:
        _who, clips = _authorize_clips(svc, ctx, clip_ids, "share.create")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token_hash = hash_token(token)
    share_id = uuid.uuid4()
    expires_at = timefmt.now() + expires

    def record(clips: list[Clip]) -> tuple[list[Aggregate], None]:
        share = Share.create(
            share_id=share_id,
            token_hash=token_hash,
            recipient=recipient,
            case_id=case.case_id if case else None,
            clip_ids=[c.clip_id for c in clips],
            expires_at=expires_at,
            view_only=view_only,
            reason=reason,
            ctx=ctx,
        )
        for clip in clips:
            clip.record_share(str(share_id), recipient, expires_at, view_only, reason, ctx)
        return [share, *clips], None

    # A clip may change meanwhile (a view, an export): then all are reloaded and recorded again.
    svc.events.save_reloading(
        clips, lambda: [load_clip(svc.events, c.clip_id) for c in clips], record
    )
    return {**show_share(svc, str(share_id)), "url": link(base, token), "token": token}


def load_share(svc: Services, share_id: str) -> Share:
    try:
        uid = UUID(share_id)
    except ValueError:
        raise InvalidInput(f"invalid share id {share_id!r}") from None
    share = svc.events.find(Share, uid)
    if share is None:
        raise NotFound(f"no share {share_id}")
    return share


def revoke_share(svc: Services, ctx: Context, *, share_id: str, reason: str) -> dict[str, Any]:
    """The share's creator, an admin, or a member of its case revokes it: the link stops
    working at once (every use loads the share's own stream)."""
    share = load_share(svc, share_id)
    reason = _text(reason, "a reason")
    target = f"share:{share.share_id}"
    who = svc.guard.require(ctx, "metadata.search", target=target)
    member = (
        share.case_id is not None
        and who.role in PERMISSIONS["content.read"]
        and load_case(svc.events, share.case_id).is_member(who.name)
    )
    if not (who.role == "admin" or who.name == share.created_by or member):
        detail = f"{who.name} may not revoke share {share.share_id}: not its creator, an admin "
        detail += "or a member of its case"
        svc.guard.refuse(ctx, "share.revoke", detail, target)

    def once() -> tuple[list[Share | Clip], None]:  # again if a clip changed meanwhile (a view)
        share = load_share(svc, share_id)
        share.revoke(reason, ctx)
        clips = [load_clip(svc.events, c) for c in share.clip_ids]
        for clip in clips:
            clip.record_share_revoked(share.share_id, reason, ctx)
        return [share, *clips], None

    svc.events.save_retrying(once)
    return show_share(svc, share.share_id)


def list_shares(svc: Services, ctx: Context, *, case_id: str | None = None) -> list[dict[str, Any]]:
    """Shares, newest first. Auditors, admins and the host see all; others those they made or
    that share a case they are members of."""
    who = svc.guard.require(ctx, "metadata.search", target="shares")
    visible_to = None if who.role in PERMISSIONS["audit"] else who.name
    rows = share_queries.shares(svc.db, case_id=case_id, visible_to=visible_to)
    return [_view(r) for r in rows]


def show_share(svc: Services, share_id: str) -> dict[str, Any]:
    row = share_queries.share_row(svc.db, share_id)
    if row is None:
        raise NotFound(f"no share {share_id}")
    return _view(row)


def _view(row: dict[str, Any]) -> dict[str, Any]:
    now = timefmt.now()
    expires_at = timefmt.parse_time(row["expires_at"], "expires_at")
    status = "revoked" if row["revoked_at"] else ("expired" if now >= expires_at else "active")
    return {
        "share_id": row["share_id"],
        "recipient": row["recipient"],
        "case_id": row["case_id"],
        "clip_ids": json.loads(row["clip_ids_json"]),
        "view_only": bool(row["view_only"]),
        "reason": row["reason"],
        "created_by": row["created_by"],
        "created_at": local(row["created_at"]),
        "expires_at": local(row["expires_at"]),
        "status": status,
        "revoked_at": local(row["revoked_at"]),
        "revoked_by": row["revoked_by"],
        "views": int(row["views"]),
        "downloads": int(row["downloads"]),
        "last_used_at": local(row["last_used_at"]),
    }

"""What a share's recipient does with the link: see what is shared, watch, take the package.

The link's token is the credential (archive/sharing/shares.py). Every use loads the share's own
stream, so a revocation or an expiry takes effect at once in every process. The recipient
acts as `share:<share id>` from its client address:
- a viewing session of a clip (ranged reads; one per client and clip per VIEW_SESSION) records
  `ViewedThroughShare` on the clip and `ShareViewed` on the share, together; a view-only
  share serves a viewing copy made for it, never the original (viewing_copy.py);
- the evidence package (archive/export/export.py, the same package `saksi export` writes) records
  `PackageDownloaded` on the share, then `ClipExported` naming the recipient on each clip
  (and `CaseExported` on a shared case); a view-only share refuses it;
- loose files are not handed out: a read of a clip without a byte range is refused.
Refusals (unknown, expired, revoked, view-only, a clip the share does not hold) are recorded:
on the share's stream when the share is known (and on the clip's when one is asked for), as
a `Refusal` otherwise; like failed sign-ins, at most one record per client, share and kind
of refusal a minute (30 a minute in all), the attempts in between counted into the next.
"""

from __future__ import annotations

import hmac
import uuid
from collections.abc import Sequence
from typing import Any, NoReturn
from uuid import UUID

from eventsourcing.domain import Aggregate

from archive import timefmt
from archive.accounts.users import hash_token
from archive.custody import content, trail
from archive.custody.content import VIEW_SESSION, ByteRange, Content
from archive.errors import Gone, NotFound, Refused, SaksiError, StateConflict
from archive.export.contents import Export
from archive.export.export import record_export
from archive.guard import Principal
from archive.records import load_case, load_clip
from archive.services import Services
from archive.sharing import viewing_copy
from archive.sharing.shares import TOKEN_PREFIX
from domain.base import Context
from domain.clip import Clip
from domain.refusal import Refusal
from domain.share import Share
from retention.content_state import (
    gone_message,
    pending_record,
    purge_record,
    refuse_if_pending,
)
from storage.readmodels import share_queries

MAX_TOKEN_LENGTH = 128


def open_link(svc: Services, token: str, client: str | None, action: str) -> Share:
    """The share a token opens, while it works; refused (and recorded) otherwise:
    NotFound for an unknown link, Gone for an expired or revoked one."""
    share = _find(svc, token)
    if share is None:
        anonymous = Context("anonymous", "http", client)
        _record(svc, anonymous, None, None, action, "an unknown share link")
        raise NotFound("no such share link")
    problem = share.problem(timefmt.now())
    if problem is not None:
        _refuse(svc, share, client, action, problem, Gone)
    return share


def recipient_context(share: Share, client: str | None) -> Context:
    return Context(share.recipient_actor, "http", client)


def describe(svc: Services, token: str, client: str | None) -> dict[str, Any]:
    """What the link shares: the share and each clip's metadata (no content)."""
    share = open_link(svc, token, client, "share.open")
    clips = []
    for clip_id in share.clip_ids:
        meta = trail.clip_metadata(svc.db, clip_id) or {"clip_id": clip_id, "status": "unknown"}
        clips.append(meta)
    return {
        "share_id": share.share_id,
        "recipient": share.recipient,
        "case_id": share.case_id,
        "reason": share.reason,
        "created_by": share.created_by,
        "created_at": share.created_on.isoformat(),
        "expires_at": share.expires_at.isoformat(),
        "view_only": share.view_only,
        "clips": clips,
    }


def view(
    svc: Services,
    token: str,
    client: str | None,
    clip_id: str,
    ranges: Sequence[ByteRange] | None,
) -> Content:
    """A byte range of a shared clip, for the recipient's player; the session recorded."""
    share = open_link(svc, token, client, "share.view")
    if clip_id not in share.clip_ids:
        _refuse(svc, share, client, "share.view", f"the share holds no clip {clip_id}", NotFound)
    clip = load_clip(svc.events, clip_id)
    if not ranges:
        detail = "a share streams footage for viewing (Range requests), it hands out no loose "
        detail += "files: the evidence package is the download"
        _refuse(svc, share, client, "share.download", detail, Refused, clip)
    if clip.status != "active":
        raise Gone(gone_message(clip), purge=purge_record(clip))
    refuse_if_pending(clip)  # in its recovery window: unreadable through a share too
    ctx = recipient_context(share, client)
    if share.view_only:  # never the original: the copy made for this share (viewing_copy.py)
        recipient = Principal(ctx.actor, "recipient", ctx)  # the share's token proved who
        copy = viewing_copy.viewing_copy(svc, recipient, share, clip)
        served = content.Stored.derivative(clip, copy)
        clip = load_clip(svc.events, clip_id)  # it may have recorded the copy just now
    else:
        served = content.Stored.original(clip)
    first, last = content.serve_span(ranges, served.size)
    _record_session(svc, share, clip, ctx)
    return content.open_stored(svc, served, first, last, partial=True)


def _record_session(svc: Services, share: Share, clip: Clip, ctx: Context) -> None:
    """ViewedThroughShare on the clip and ShareViewed on the share, in one transaction,
    unless this client's session of this clip is still running."""

    def record(both: tuple[Share, Clip]) -> tuple[list[Aggregate], None]:
        share, clip = both
        now = timefmt.now()
        if clip.share_viewed_since(ctx, now - VIEW_SESSION):
            return [], None
        clip.record_share_view(share.share_id, share.recipient, share.reason, ctx)
        share.record_view(clip.clip_id, now, ctx)
        return [share, clip], None

    # Another read may get there first: then both are reloaded and the session decided again.
    svc.events.save_reloading(
        (share, clip), lambda: (_reload(svc, share), load_clip(svc.events, clip.clip_id)), record
    )


def package(svc: Services, token: str, client: str | None) -> Export:
    """The evidence package of what is shared, recorded as an export to the recipient."""
    share = open_link(svc, token, client, "share.package")
    if share.view_only:
        detail = f"share {share.share_id} is view-only: its footage can be watched, not downloaded"
        _refuse(svc, share, client, "share.package", detail, Refused)
    clips = [load_clip(svc.events, clip_id) for clip_id in share.clip_ids]
    for clip in clips:
        if clip.status != "active":
            raise Gone(gone_message(clip), purge=purge_record(clip))
        if pending_record(clip) is not None:  # in its recovery window: no package, recorded
            detail = f"clip {clip.clip_id} is pending deletion: no package holds it meanwhile"
            _refuse(svc, share, client, "share.package", detail, StateConflict, clip)
    ctx = recipient_context(share, client)
    export_id = str(uuid.uuid4())
    svc.events.update(Share, share.id, lambda s: s.record_download(export_id, timefmt.now(), ctx))
    return record_export(
        svc,
        Principal(ctx.actor, "recipient", ctx),  # the share's token proved who this is
        reason=f"evidence package through share {share.share_id}: {share.reason}",
        recipient=share.recipient,
        case=load_case(svc.events, share.case_id) if share.case_id else None,
        clips=clips,
        export_id=export_id,
    )


def _find(svc: Services, token: str) -> Share | None:
    if not _plausible(token):
        return None
    token_hash = hash_token(token)
    row = share_queries.share_by_token_hash(svc.db, token_hash)
    if row is None:  # made a moment ago by another process: bring the read models up to date
        svc.projector.catch_up()
        row = share_queries.share_by_token_hash(svc.db, token_hash)
    if row is None:
        return None
    share = svc.events.find(Share, UUID(str(row["share_id"])))
    if share is None or not hmac.compare_digest(share.token_hash, token_hash):
        return None
    return share


def _plausible(token: str) -> bool:
    return (
        token.startswith(TOKEN_PREFIX)
        and len(token) <= MAX_TOKEN_LENGTH
        and all(c.isalnum() or c in "-_" for c in token[len(TOKEN_PREFIX) :])
    )


def _reload(svc: Services, share: Share) -> Share:
    again = svc.events.find(Share, share.id)
    assert again is not None
    return again


def _refuse(
    svc: Services,
    share: Share,
    client: str | None,
    action: str,
    detail: str,
    error: type[SaksiError],
    clip: Clip | None = None,
) -> NoReturn:
    _record(svc, recipient_context(share, client), share, clip, action, detail)
    raise error(f"refused: {detail}")


def _record(
    svc: Services,
    ctx: Context,
    share: Share | None,
    clip: Clip | None,
    action: str,
    detail: str,
) -> None:
    """A refused use of a link, on the share's stream (and the clip's), or as a Refusal for
    an unknown link; rate-limited per client (and share) like failed sign-ins."""
    limiter = svc.throttles.share_links
    key = f"{ctx.client or 'unknown'}|{share.share_id if share else '-'}|{action}|{detail}"
    suppressed = limiter.admit(key)
    if suppressed is None:
        return
    if suppressed:
        detail += f" (and {suppressed} more refused uses of share links not recorded one by one)"
    if share is None:
        svc.events.save(Refusal.record(action, "share:unknown", detail, ctx))
        return
    svc.events.update(Share, share.id, lambda s: s.record_refusal(action, detail, ctx))
    if clip is not None:
        svc.events.update(Clip, clip.id, lambda c: c.record_refusal(action, detail, ctx))

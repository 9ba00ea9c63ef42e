"""Footage requests to private camera owners: send, approve, decline, deliver, list, show.

A member of a case (operator or investigator) sends a request for a time range of one private
camera; the camera's owner (role owner) approves it - and delivers the recording directly
(`request approve --source`) or through a one-time upload link (archive/footage_requests/links.py) -
or
declines it with a reason. The request's stream records every step; the case's stream mirrors
the sending and the answer; the delivered recording is ingested like any clip and attached
to the case. Owners see only the requests sent to them; refusals are recorded on the request.
"""

from __future__ import annotations

import logging
import secrets
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, NoReturn
from uuid import UUID

from eventsourcing.domain import Aggregate

from archive import views
from archive.accounts.users import hash_token
from archive.custody import trail
from archive.errors import AlreadyExists, InvalidInput, NotFound, Refused
from archive.footage_requests import links as request_links
from archive.guard import PERMISSIONS, Principal
from archive.ingest.ingest import ingest_checked
from archive.ingest.uploads import check_stored
from archive.records import load_case
from archive.services import Services
from archive.settings import require_public_url
from archive.timefmt import now
from domain.base import Context
from domain.camera import Camera, check_camera_id
from domain.case import Case
from domain.footage_request import STATUSES, FootageRequest, stale
from storage.db import Row
from storage.ledger_tables import rows as ledger_rows
from storage.readmodels import request_queries

log = logging.getLogger("saksi.requests")
LINK_TOKEN_PREFIX = "skl_"


def load_request(svc: Services, request_id: str) -> FootageRequest:
    try:
        uid = UUID(request_id)
    except ValueError:
        raise InvalidInput(f"invalid request id {request_id!r}") from None
    request = svc.events.find(FootageRequest, uid)
    if request is None:
        raise NotFound(f"no footage request {request_id}")
    return request


def send_request(
    svc: Services,
    ctx: Context,
    *,
    camera_id: str,
    start: datetime,
    end: datetime,
    case_id: str,
    reason: str,
) -> dict[str, Any]:
    """Ask the owner of a private camera for its recording of [start, end], for a case."""
    who = svc.guard.require(ctx, "request.send", target=f"camera:{camera_id}")
    camera = svc.events.find(Camera, Camera.create_id(check_camera_id(camera_id)))
    if camera is None:
        raise NotFound(f"no camera {camera_id}")
    case = load_case(svc.events, case_id)
    svc.guard.require_member(who, case, "request.send", case)
    if not case.is_open:
        raise InvalidInput(f"case {case_id} is closed")
    if camera.owner != "private" or camera.owner_user is None:
        raise InvalidInput(
            f"camera {camera_id} has no private owner to ask: requests go to private cameras "
            "registered with --owner-user"
        )
    request_id = uuid.uuid4()
    owner = camera.owner_user

    def send(case: Case) -> Sequence[Aggregate]:
        request = FootageRequest.send(
            request_id=request_id,
            camera_id=camera_id,
            owner_user=owner,
            case_id=case.case_id,
            start=start,
            end=end,
            reason=reason,
            ctx=ctx,
        )
        case.record_footage_request(
            request.request_id, camera_id, owner, request.start, request.end, request.reason, ctx
        )
        return [request]

    _with_case(svc, case_id, send)
    return request_view(svc, str(request_id))


def approve(
    svc: Services,
    ctx: Context,
    *,
    request_id: str,
    source: Path | None = None,
    source_start: datetime | None = None,
) -> dict[str, Any]:
    """The owner's yes. With `source`, the recording is delivered at once; without, a one-time
    upload link is issued (its token is in the answer, once; a new link replaces the last)."""
    request = load_request(svc, request_id)
    who = _require_addressee(svc, ctx, request, "request.approve")
    if not request.answerable:
        raise InvalidInput(f"request {request_id} is already {request.status}")
    if source is None:  # a link is to be issued: refused before anything is recorded
        require_public_url(svc.settings)
    if request.status == "sent":

        def approve(case: Case) -> Sequence[Aggregate]:
            fresh = load_request(svc, request_id)
            fresh.approve(ctx)
            case.record_request_answer(request_id, "approved", None, ctx)
            return [fresh]

        _with_case(svc, request.case_id, approve)
    if source is not None:
        if request.status == "uploading":
            _abandon_stale_upload(svc, request)
        return deliver(svc, who, request_id, path=source, source_start=source_start)
    return issue_link(svc, who, request_id)


def _abandon_stale_upload(svc: Services, request: FootageRequest) -> None:
    """Free the link of a stale upload claim (its process died) for a direct delivery, recording
    the claim abandoned; a claim that is not stale yet is an upload under way: 409."""
    stale_after = request_links.policy(svc).upload_stale
    at = now()

    def abandon(r: FootageRequest) -> None:
        abandoned = r.abandon_stale_upload(at, stale_after, request_links.SYSTEM)
        if not abandoned and r.status == "uploading":
            raise AlreadyExists(
                f"an upload through the link of request {r.request_id} is under way"
            )

    svc.events.update(FootageRequest, request.id, abandon)


def issue_link(svc: Services, who: Principal, request_id: str) -> dict[str, Any]:
    """A one-time upload link for the owner `approve` let in; its token is shown once."""
    ctx = who.ctx  # what the events record
    policy = request_links.policy(svc)
    token = LINK_TOKEN_PREFIX + secrets.token_urlsafe(32)
    expires = now() + policy.ttl
    link_id = uuid.uuid4().hex
    svc.events.update(
        FootageRequest,
        UUID(request_id),
        lambda r: r.issue_link(link_id, hash_token(token), expires, policy.max_bytes, ctx),
    )
    path = f"{request_links.LINK_PATH}/{request_id}?token={token}"
    return {
        **request_view(svc, request_id),
        "upload": {
            "url": f"{require_public_url(svc.settings)}{path}",
            "path": path,
            "token": token,
            "expires": expires.isoformat(),
            "max_bytes": policy.max_bytes,
        },
    }


def decline(svc: Services, ctx: Context, *, request_id: str, reason: str) -> dict[str, Any]:
    """The owner's no, with a reason (recorded on the request and on the case)."""
    request = load_request(svc, request_id)
    _require_addressee(svc, ctx, request, "request.decline")

    def decline(case: Case) -> Sequence[Aggregate]:
        fresh = load_request(svc, request_id)
        fresh.decline(reason, ctx)
        case.record_request_answer(request_id, "declined", reason.strip(), ctx)
        return [fresh]

    _with_case(svc, request.case_id, decline)
    return request_view(svc, request_id)


def deliver(
    svc: Services,
    who: Principal,
    request_id: str,
    *,
    path: Path,
    source_start: datetime | None = None,
    link_id: str | None = None,
    received_sha256: str | None = None,
    claim: datetime | None = None,
) -> dict[str, Any]:
    """Ingest the owner's recording like any clip (content first, then its events), attach it
    to the request's case, and record the request fulfilled. The caller checked the owner;
    through a link, `claim` names the upload's claim (archive/footage_requests/link_uploads.py)."""
    ctx = who.ctx  # what the events record
    request = load_request(svc, request_id)
    case = load_case(svc.events, request.case_id)
    if not case.is_open:
        raise InvalidInput(f"case {case.case_id} is closed: request {request_id} takes no footage")
    clip = ingest_checked(
        svc,
        who,
        case=case,
        camera_id=request.camera_id,
        source=str(path),
        reason=f"footage request {request_id}: {request.reason}",
        source_start=source_start,
        origin={"request_id": request_id, "delivered": "upload link" if link_id else "direct"},
        requested=(request.start, request.end),
        known_sha256=received_sha256,  # an upload is hashed as it arrives
    )
    if clip["source"].get("covers_request") != "all":
        log.warning(
            "footage request %s: the recording delivered covers %s of the requested range",
            request_id,
            clip["source"].get("covers_request"),
        )
    if received_sha256 is not None:
        check_stored(clip, received_sha256)
    svc.events.update(
        FootageRequest,
        request.id,
        lambda r: r.fulfil(
            clip["clip_id"], clip["sha256"], clip["size_bytes"], link_id, ctx, claim
        ),
    )
    return {**request_view(svc, request_id), "clip": clip}


def list_requests(
    svc: Services, ctx: Context, *, status: str | None = None, case_id: str | None = None
) -> list[dict[str, Any]]:
    """Requests the caller may see, newest first: an owner those sent to them, an operator or
    investigator those of their cases, auditors and admins all."""
    who = svc.guard.require(ctx, "request.read", target="requests")
    if status is not None and status not in STATUSES:
        raise InvalidInput(f"invalid status {status!r}: expected one of {', '.join(STATUSES)}")
    owner = who.name if who.role == "owner" else None
    member = who.name if who.role not in PERMISSIONS["audit"] and owner is None else None
    rows = request_queries.requests(
        svc.db, owner_user=owner, member=member, status=status, case_id=case_id
    )
    stale_after, at = request_links.policy(svc).upload_stale, now()
    return [_view(r, stale_after, at) for r in rows]


def show_request(svc: Services, ctx: Context, request_id: str) -> dict[str, Any]:
    """One request with its events (its own hash-chained stream), for those who may see it."""
    who = svc.guard.require(ctx, "request.read", target=f"request:{request_id}")
    request = load_request(svc, request_id)
    if not _may_read(svc, who, request):
        _refuse(svc, ctx, "request.read", f"{who.name} may not see request {request_id}", request)
    events, intact = trail.decode(
        svc, request.id, ledger_rows.stream_with_links(svc.db, request.id)
    )
    return {**request_view(svc, request_id), "chain_intact": intact, "events": events}


def request_view(svc: Services, request_id: str) -> dict[str, Any]:
    row = request_queries.request_row(svc.db, request_id)
    if row is None:
        raise NotFound(f"no footage request {request_id}")
    return _view(row, request_links.policy(svc).upload_stale, now())


def _view(row: Row, stale_after: timedelta, at: datetime) -> dict[str, Any]:
    """A request as shown. While it is uploading, its row's `updated_at` is the timestamp of
    its UploadStarted (no other event changes the row then): `upload_started_at`, and `stale`
    once the claim is older than SAKSI_REQUEST_UPLOAD_STALE (its upload's process is taken
    for dead; the next upload through the link takes it over)."""
    started = datetime.fromisoformat(row["updated_at"]) if row["status"] == "uploading" else None
    return {
        "request_id": row["request_id"],
        "camera_id": row["camera_id"],
        "owner_user": row["owner_user"],
        "case_id": row["case_id"],
        "start": views.local(row["start_at"]),
        "end": views.local(row["end_at"]),
        "reason": row["reason"],
        "status": row["status"],
        "sent_by": row["sent_by"],
        "sent_at": views.local(row["sent_at"]),
        "answered_at": views.local(row["answered_at"]),
        "decline_reason": row["decline_reason"],
        "link_expires": views.local(row["link_expires"]),
        "link_max_bytes": row["link_max_bytes"],
        "clip_id": row["clip_id"],
        "sha256": row["sha256"],
        "upload_started_at": started.astimezone(UTC).isoformat() if started else None,
        "stale": started is not None and stale(started, at, stale_after),
    }


def _may_read(svc: Services, who: Principal, request: FootageRequest) -> bool:
    if who.role == "owner":
        return who.name == request.owner_user
    if who.role in PERMISSIONS["audit"]:
        return True
    return who.name == request.sent_by or load_case(svc.events, request.case_id).is_member(who.name)


def _require_addressee(
    svc: Services, ctx: Context, request: FootageRequest, action: str
) -> Principal:
    """Only the owner a request was sent to answers it; anyone else is refused, on its stream."""
    who = svc.guard.require(ctx, "request.answer", target=f"request:{request.request_id}")
    if who.name != request.owner_user:
        _refuse(
            svc,
            ctx,
            action,
            f"request {request.request_id} was not sent to {who.name}",
            request,
        )
    return who


def _refuse(
    svc: Services, ctx: Context, action: str, detail: str, request: FootageRequest
) -> NoReturn:
    recorded = svc.guard.throttled(ctx, f"request:{request.request_id}", action, detail)
    if recorded is not None:
        svc.events.update(
            FootageRequest, request.id, lambda r: r.record_refusal(action, recorded, ctx)
        )
    raise Refused(f"refused: {detail}", action=action)


def _with_case(svc: Services, case_id: str, change: Callable[[Case], Sequence[Aggregate]]) -> None:
    """Change a request together with its case's mirror event, saved in one transaction;
    on a concurrent change of either, reload and try again."""

    def once() -> tuple[list[Aggregate], None]:
        case = load_case(svc.events, case_id)
        return [*change(case), case], None

    svc.events.save_retrying(once)

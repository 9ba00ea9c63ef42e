"""Uploading a requested recording through its one-time link (no account token needed).

1. `claim`, before a byte of the body is read: the token must be the request's current link
   (compared by hash, in constant time), unexpired and unused, and a declared size within the
   link's limit; then `UploadStarted` is recorded - of two uploads through one link, only one
   can record it (the stream's version decides). Anything else is refused and recorded: on
   the request's stream (a used, expired, oversized or declined link; an unknown token, with
   failed attempts per client address limited as for sign-ins), or as a Refusal when the
   request itself is unknown. A claim left by an upload whose process died (no outcome within
   SAKSI_REQUEST_UPLOAD_STALE of its UploadStarted, archive/footage_requests/links.py) does not hold
   the
   link: the system records it `UploadFailed` ("abandoned: ...") and this upload claims the
   link, in one save; a claim younger than that still answers busy (409).
2. `deliver_upload`: the spooled recording is ingested like any clip and attached to the case;
   the request records `Fulfilled` - only while this upload's claim still holds the link (not
   abandoned and taken over meanwhile): a claim is named by its UploadStarted's timestamp.
3. `release`: an upload that failed (too large, not a video, cut off) records `UploadFailed`;
   nothing of it is kept, and the link stays usable until it expires.
"""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, NoReturn
from uuid import UUID

from archive.accounts.users import hash_token
from archive.errors import AlreadyExists, Gone, NotFound, SaksiError, TooLarge
from archive.footage_requests import links as request_links
from archive.footage_requests import requests as footage_requests
from archive.guard import Principal
from archive.ingest.uploads import check_expected
from archive.services import Services
from archive.timefmt import now
from domain.base import Context, RuleBroken
from domain.case import Case
from domain.footage_request import FootageRequest
from domain.refusal import Refusal

ACTION = "request.upload"
MAX_TOKEN_LENGTH = 256
UNKNOWN = "no such upload link (unknown, replaced or mistyped token)"


@dataclass(frozen=True)
class Claim:
    """An upload under way through a request's link, by the owner the link was issued to."""

    request_id: str
    link_id: str
    max_bytes: int
    who: Principal  # the owner, as the link's token proved
    started: datetime  # the timestamp of its UploadStarted: names the claim


def claim(
    svc: Services,
    *,
    request_id: str,
    token: str,
    client: str | None,
    declared_bytes: int | None = None,
) -> Claim:
    stranger = Context("anonymous", "http", client)
    request = _find(svc, request_id)
    plausible = 0 < len(token) <= MAX_TOKEN_LENGTH and token.isascii() and token.isprintable()
    if request is None:
        _unknown(svc, stranger, f"request:{request_id}", "an upload link of no known request")
    stale_after = request_links.policy(svc).upload_stale
    at = now()
    problem = request.link_problem(hash_token(token) if plausible else "", at, stale_after)
    link = request.link
    if link is None or (problem is not None and problem[0] == "unknown"):
        _unknown(svc, stranger, request, "an unknown upload token")
    owner = Context(request.owner_user, "http", client)
    if problem is not None:
        kind, detail = problem
        error: SaksiError = (
            AlreadyExists(detail) if kind == "busy" else Gone(f"{detail}; ask for a new link")
        )
        _refuse(svc, owner, request, detail, error)
    limit = int(link["max_bytes"])
    if declared_bytes is not None and declared_bytes > limit:
        detail = f"an upload of {declared_bytes} bytes, over the link's limit of {limit} bytes"
        _refuse(svc, owner, request, detail, TooLarge(f"the upload is over {limit} bytes"))
    case = svc.events.find(Case, Case.create_id(request.case_id))
    if case is None or not case.is_open:
        detail = f"case {request.case_id} is closed: the request takes no footage"
        _refuse(svc, owner, request, detail, Gone(detail))
    link_id = str(link["link_id"])

    def take(r: FootageRequest) -> None:
        r.abandon_stale_upload(at, stale_after, request_links.SYSTEM)
        r.start_upload(link_id, owner)

    try:
        taken = svc.events.update(FootageRequest, request.id, take)
    except RuleBroken:  # another upload through this link started first
        detail = f"an upload through the link of request {request_id} is under way or done"
        _refuse(svc, owner, request, detail, AlreadyExists(detail))
    started = taken.upload_started
    if started is None:  # start_upload records it; a request that lost it is not claimable
        raise AlreadyExists(f"the link of request {request_id} could not be claimed")
    return Claim(
        request.request_id, link_id, limit, Principal(request.owner_user, "owner", owner), started
    )


def deliver_upload(
    svc: Services,
    claim: Claim,
    *,
    path: Path,
    received_sha256: str,
    expected_sha256: str | None = None,
    source_start: datetime | None = None,
) -> dict[str, Any]:
    check_expected(expected_sha256, received_sha256)
    try:
        footage_requests.load_request(svc, claim.request_id).check_claim(claim.started)
    except RuleBroken as e:  # this upload outlived its claim: another one has the link
        raise AlreadyExists(str(e)) from None
    return footage_requests.deliver(
        svc,
        claim.who,
        claim.request_id,
        path=path,
        source_start=source_start,
        link_id=claim.link_id,
        received_sha256=received_sha256,
        claim=claim.started,
    )


def release(svc: Services, claim: Claim, detail: str) -> None:
    """Record that the upload failed, so that the link may be used again until it expires."""
    with suppress(RuleBroken):  # the request moved on meanwhile (a new link): nothing held
        svc.events.update(
            FootageRequest,
            UUID(claim.request_id),
            lambda r: r.fail_upload(claim.link_id, detail[:500], claim.who.ctx, claim.started),
        )


def _find(svc: Services, request_id: str) -> FootageRequest | None:
    try:
        uid = UUID(request_id)
    except ValueError:
        return None
    return svc.events.find(FootageRequest, uid)


def _unknown(svc: Services, ctx: Context, target: FootageRequest | str, problem: str) -> NoReturn:
    """A token that opens nothing: recorded (at most once a minute per client address, the
    rest counted into the next record, as for failed sign-ins), answered 404."""
    limiter = svc.throttles.upload_links
    suppressed = limiter.admit(ctx.client or "unknown")
    if suppressed is not None:
        detail = f"upload with {problem}"
        if suppressed:
            detail += f" (and {suppressed} more failed upload attempts not recorded one by one)"
        if isinstance(target, FootageRequest):
            svc.events.update(
                FootageRequest, target.id, lambda r: r.record_refusal(ACTION, detail, ctx)
            )
        else:
            svc.events.save(Refusal.record(ACTION, target, detail, ctx))
    raise NotFound(UNKNOWN)


def _refuse(
    svc: Services, ctx: Context, request: FootageRequest, detail: str, error: SaksiError
) -> NoReturn:
    """Recorded on the request's stream, throttled per (holder, request, what was wrong) like
    every refusal (archive/guard.py): replaying a used link does not grow the stream."""
    recorded = svc.guard.throttled(
        ctx, f"request:{request.request_id}", f"{ACTION}|{detail}", detail
    )
    if recorded is not None:
        svc.events.update(
            FootageRequest, request.id, lambda r: r.record_refusal(ACTION, recorded, ctx)
        )
    raise error

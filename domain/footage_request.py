"""Footage requests: the police ask a private camera's owner for the recording of a time range.

A request is sent by a member of a case for one private camera; the camera's owner approves it
(and uploads the recording, directly or through a one-time upload link) or declines it with a
reason. Every step is an event of the request's own stream; the case mirrors the sending and
the answer on its stream (domain.case), and the recording becomes a clip attached to the case.

Upload links: a link is kept only as the SHA-256 of its token, expires, carries a size limit,
and delivers once. Using it first records `UploadStarted` (a claim: two uploads through one
link cannot both start, the stream's version decides), then `Fulfilled`; an upload that fails
records `UploadFailed` and leaves the link usable until it expires. A new link replaces the old.

A claim whose process died before an outcome (crash, kill -9, out of memory) would hold the link
forever, so a claim goes stale `stale_after` after it was made: the claim time is the timestamp
of its `UploadStarted` event (set when the event was recorded; `upload_started`), and "now" is
always passed in by the caller - this module never reads the clock. The next upload through the
link after that records `UploadFailed` ("abandoned: ...", by the system) and then its own
`UploadStarted`, in one save; a claim that is not stale yet still makes the link busy. A claim
is named by its start time: an outcome reported for a claim that was abandoned is refused.
"""

from __future__ import annotations

import hmac
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from eventsourcing.domain import event

from domain.base import Attributed, Context, RuleBroken

STATUSES = ("sent", "approved", "uploading", "fulfilled", "declined")


class FootageRequest(Attributed):
    class Sent(Attributed.Created):
        camera_id: str
        owner_user: str
        case_id: str
        start: datetime
        end: datetime
        reason: str

    class Approved(Attributed.Event):
        def apply(self, aggregate: Any) -> None:
            aggregate.status = "approved"

    class Declined(Attributed.Event):
        reason: str

        def apply(self, aggregate: Any) -> None:
            aggregate.status = "declined"
            aggregate.link = None

    class LinkIssued(Attributed.Event):
        link_id: str
        token_hash: str
        expires: datetime
        max_bytes: int

        def apply(self, aggregate: Any) -> None:
            aggregate.link = {
                "link_id": self.link_id,
                "token_hash": self.token_hash,
                "expires": self.expires,
                "max_bytes": self.max_bytes,
            }
            aggregate.status = "approved"

    class UploadStarted(Attributed.Event):
        link_id: str

        def apply(self, aggregate: Any) -> None:
            aggregate.status = "uploading"
            aggregate.upload_started = self.timestamp

    class UploadFailed(Attributed.Event):
        link_id: str
        detail: str

        def apply(self, aggregate: Any) -> None:
            aggregate.status = "approved"

    class Fulfilled(Attributed.Event):
        clip_id: str
        sha256: str
        size_bytes: int
        link_id: str | None

        def apply(self, aggregate: Any) -> None:
            aggregate.status = "fulfilled"
            aggregate.clip_id = self.clip_id
            if self.link_id is not None:
                aggregate.used_link = self.link_id

    class AccessDenied(Attributed.Event):
        action: str
        detail: str

    @event(Sent)
    def __init__(
        self,
        id: UUID,
        camera_id: str,
        owner_user: str,
        case_id: str,
        start: datetime,
        end: datetime,
        reason: str,
        actor: str,
        channel: str,
        client: str | None,
    ) -> None:
        self.camera_id = camera_id
        self.owner_user = owner_user
        self.case_id = case_id
        self.start = start
        self.end = end
        self.reason = reason
        self.sent_by = actor
        self.status = "sent"
        self.link: dict[str, Any] | None = None
        self.used_link: str | None = None
        self.clip_id: str | None = None
        self.upload_started: datetime | None = None

    @classmethod
    def send(
        cls,
        *,
        request_id: UUID,
        camera_id: str,
        owner_user: str,
        case_id: str,
        start: datetime,
        end: datetime,
        reason: str,
        ctx: Context,
    ) -> FootageRequest:
        if start.tzinfo is None or end.tzinfo is None:
            raise RuleBroken("the requested times need a UTC offset")
        if end <= start:
            raise RuleBroken("the requested range must end after it starts")
        if not reason.strip():
            raise RuleBroken("a reason is required")
        return cls(
            id=request_id,
            camera_id=camera_id,
            owner_user=owner_user,
            case_id=case_id,
            start=start,
            end=end,
            reason=reason.strip(),
            **ctx.fields(),
        )

    @property
    def request_id(self) -> str:
        return str(self.id)

    @property
    def answerable(self) -> bool:
        """Still open to an answer or an upload: neither declined nor fulfilled."""
        return self.status in ("sent", "approved", "uploading")

    def _check_answerable(self) -> None:
        if not self.answerable:
            raise RuleBroken(f"request {self.request_id} is already {self.status}")

    def approve(self, ctx: Context) -> None:
        """Record the owner's yes; approving again (for a new link) records nothing more."""
        self._check_answerable()
        if self.status == "sent":
            self.trigger_event(self.Approved, **ctx.fields())

    def decline(self, reason: str, ctx: Context) -> None:
        if self.status not in ("sent", "approved"):
            raise RuleBroken(f"request {self.request_id} is {self.status}: it cannot be declined")
        if not reason.strip():
            raise RuleBroken("a reason is required to decline")
        self.trigger_event(self.Declined, reason=reason.strip(), **ctx.fields())

    def issue_link(
        self, link_id: str, token_hash: str, expires: datetime, max_bytes: int, ctx: Context
    ) -> None:
        if self.status not in ("approved", "uploading"):
            raise RuleBroken(f"request {self.request_id} is {self.status}: approve it first")
        if max_bytes <= 0:
            raise RuleBroken("an upload link needs a positive size limit")
        self.trigger_event(
            self.LinkIssued,
            link_id=link_id,
            token_hash=token_hash,
            expires=expires,
            max_bytes=max_bytes,
            **ctx.fields(),
        )

    def link_problem(
        self, token_hash: str, now: datetime, stale_after: timedelta
    ) -> tuple[str, str] | None:
        """Why an upload through the link with this token hash may not start, if it may not:
        (kind, detail) with kind one of unknown, used, expired, declined, busy (a claim that
        is not stale yet; a stale one does not stand in the way)."""
        link = self.link  # the token first: what a mismatching one learns is "unknown"
        if link is None or not hmac.compare_digest(link["token_hash"], token_hash):
            return "unknown", "an unknown upload token"
        if self.status == "declined":
            return "declined", f"request {self.request_id} was declined"
        if self.status == "fulfilled":
            return "used", f"the upload link of request {self.request_id} was already used"
        if self.status == "uploading" and not self.upload_stale(now, stale_after):
            return "busy", f"an upload through the link of request {self.request_id} is under way"
        if link["expires"] <= now:
            return "expired", f"the upload link expired at {link['expires'].isoformat()}"
        return None

    def upload_stale(self, now: datetime, stale_after: timedelta) -> bool:
        """Whether an upload is under way whose claim (its UploadStarted) was made at least
        `stale_after` before `now`: its process is taken for dead, its claim for abandoned."""
        started = self.upload_started
        if self.status != "uploading" or started is None:
            return False
        return stale(started, now, stale_after)

    def abandon_stale_upload(self, now: datetime, stale_after: timedelta, ctx: Context) -> bool:
        """Record a stale claim as failed (abandoned), freeing the link; False if there is none."""
        started, link = self.upload_started, self.link
        if not self.upload_stale(now, stale_after) or started is None or link is None:
            return False
        detail = (
            f"abandoned: no outcome within {_duration(stale_after)} of its start at "
            f"{started.isoformat()}"
        )
        self.trigger_event(
            self.UploadFailed, link_id=link["link_id"], detail=detail, **ctx.fields()
        )
        return True

    def start_upload(self, link_id: str, ctx: Context) -> None:
        if self.status != "approved" or self.link is None or self.link["link_id"] != link_id:
            raise RuleBroken(f"request {self.request_id} takes no upload through this link now")
        self.trigger_event(self.UploadStarted, link_id=link_id, **ctx.fields())

    def fail_upload(
        self, link_id: str, detail: str, ctx: Context, claim: datetime | None = None
    ) -> None:
        """The upload claimed at `claim` (its UploadStarted's timestamp; None: whichever is
        under way) failed."""
        self.check_claim(claim)
        self.trigger_event(self.UploadFailed, link_id=link_id, detail=detail, **ctx.fields())

    def fulfil(
        self,
        clip_id: str,
        sha256: str,
        size_bytes: int,
        link_id: str | None,
        ctx: Context,
        claim: datetime | None = None,
    ) -> None:
        """Record the delivered recording; through a link, for the claim made at `claim`."""
        if self.status not in ("approved", "uploading"):
            raise RuleBroken(f"request {self.request_id} is {self.status}: it takes no recording")
        if claim is not None:
            self.check_claim(claim)
        self.trigger_event(
            self.Fulfilled,
            clip_id=clip_id,
            sha256=sha256,
            size_bytes=size_bytes,
            link_id=link_id,
            **ctx.fields(),
        )

    def check_claim(self, claim: datetime | None) -> None:
        """Refuse unless an upload is under way - the one claimed at `claim`, when given."""
        if self.status != "uploading":
            raise RuleBroken(f"request {self.request_id} has no upload under way")
        if claim is not None and self.upload_started != claim:
            raise RuleBroken(
                f"the upload through the link of request {self.request_id} that started at "
                f"{claim.isoformat()} was abandoned: another upload has taken the link"
            )

    def record_refusal(self, action: str, detail: str, ctx: Context) -> None:
        self.trigger_event(self.AccessDenied, action=action, detail=detail, **ctx.fields())


def stale(started: datetime, now: datetime, stale_after: timedelta) -> bool:
    """Whether an upload claimed at `started` (its UploadStarted's timestamp) is abandoned."""
    return now - started >= stale_after


def _duration(delta: timedelta) -> str:
    """ISO 8601 duration of whole days, hours, minutes and seconds: PT2H, PT1S, P1DT30M."""
    seconds = round(delta.total_seconds())
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    clock = "".join(f"{n}{unit}" for n, unit in ((hours, "H"), (minutes, "M"), (secs, "S")) if n)
    return "P" + (f"{days}D" if days else "") + (f"T{clock}" if clock else "" if days else "T0S")

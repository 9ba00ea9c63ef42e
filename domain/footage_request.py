"""Footage requests: the police ask a private camera's owner for the recording of a time range.

A request is sent by a member of a case for one private camera; the camera's owner approves it
(and uploads the recording, directly or through a one-time upload link) or declines it with a
reason. Every step is an event of the request's own stream; the case mirrors the sending and
the answer on its stream (domain.case), and the recording becomes a clip attached to the case.

Upload links: a link is kept only as the SHA-256 of its token, expires, carries a size limit,
and delivers once. Using it first records `UploadStarted` (a claim: two uploads through one
link cannot both start, the stream's version decides), then `Fulfilled`; an upload that fails
records `UploadFailed` and leaves the link usable until it expires. A new link replaces the old.
"""

from __future__ import annotations

import hmac
from datetime import datetime
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

    def link_problem(self, token_hash: str, now: datetime) -> tuple[str, str] | None:
        """Why an upload through the link with this token hash may not start, if it may not:
        (kind, detail) with kind one of unknown, used, expired, declined, busy."""
        link = self.link
        if self.status == "declined":
            return "declined", f"request {self.request_id} was declined"
        matches = link is not None and hmac.compare_digest(link["token_hash"], token_hash)
        if not matches:
            return "unknown", "an unknown upload token"
        assert link is not None
        if self.status == "fulfilled":
            return "used", f"the upload link of request {self.request_id} was already used"
        if self.status == "uploading":
            return "busy", f"an upload through the link of request {self.request_id} is under way"
        if link["expires"] <= now:
            return "expired", f"the upload link expired at {link['expires'].isoformat()}"
        return None

    def start_upload(self, link_id: str, ctx: Context) -> None:
        if self.status != "approved" or self.link is None or self.link["link_id"] != link_id:
            raise RuleBroken(f"request {self.request_id} takes no upload through this link now")
        self.trigger_event(self.UploadStarted, link_id=link_id, **ctx.fields())

    def fail_upload(self, link_id: str, detail: str, ctx: Context) -> None:
        if self.status != "uploading":
            raise RuleBroken(f"request {self.request_id} has no upload under way")
        self.trigger_event(self.UploadFailed, link_id=link_id, detail=detail, **ctx.fields())

    def fulfil(
        self, clip_id: str, sha256: str, size_bytes: int, link_id: str | None, ctx: Context
    ) -> None:
        if self.status not in ("approved", "uploading"):
            raise RuleBroken(f"request {self.request_id} is {self.status}: it takes no recording")
        self.trigger_event(
            self.Fulfilled,
            clip_id=clip_id,
            sha256=sha256,
            size_bytes=size_bytes,
            link_id=link_id,
            **ctx.fields(),
        )

    def record_refusal(self, action: str, detail: str, ctx: Context) -> None:
        self.trigger_event(self.AccessDenied, action=action, detail=detail, **ctx.fields())

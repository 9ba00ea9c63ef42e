"""A share: clips (or a case's clips) made available to someone outside the archive by a link.

The recipient has no account: the link's random token is the credential, kept here only as
its SHA-256. A share expires, can be revoked, and can be view-only (no evidence package).
Every use of it - a viewing session, a package downloaded, a refused attempt - is an event of
its stream, as well as a custody event on the clip concerned.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import event

from domain.base import Attributed, Context, RuleBroken

ACTOR_PREFIX = "share:"  # recipients act as "share:<share id>" (user names hold no ':')


def share_actor(share_id: str) -> str:
    return f"{ACTOR_PREFIX}{share_id}"


class Share(Attributed):
    class ShareCreated(Attributed.Created):
        token_hash: str
        recipient: str
        case_id: str | None
        clip_ids: list[str]
        expires_at: datetime
        view_only: bool
        reason: str

    class ShareViewed(Attributed.Event):
        """A viewing session of one clip started through the link."""

        clip_id: str

        def apply(self, aggregate: Any) -> None:
            aggregate.views += 1

    class PackageDownloaded(Attributed.Event):
        export_id: str

        def apply(self, aggregate: Any) -> None:
            aggregate.downloads += 1

    class ShareRevoked(Attributed.Event):
        reason: str

        def apply(self, aggregate: Any) -> None:
            aggregate.revoked_at = self.timestamp
            aggregate.revoked_by = self.actor
            aggregate.revoke_reason = self.reason

    class AccessDenied(Attributed.Event):
        action: str
        detail: str

    @event(ShareCreated)
    def __init__(
        self,
        id: UUID,
        token_hash: str,
        recipient: str,
        case_id: str | None,
        clip_ids: list[str],
        expires_at: datetime,
        view_only: bool,
        reason: str,
        actor: str,
        channel: str,
        client: str | None,
    ) -> None:
        self.token_hash = token_hash
        self.recipient = recipient
        self.case_id = case_id
        self.clip_ids = list(clip_ids)
        self.expires_at = expires_at
        self.view_only = view_only
        self.reason = reason
        self.created_by = actor
        self.revoked_at: datetime | None = None
        self.revoked_by: str | None = None
        self.revoke_reason: str | None = None
        self.views = 0
        self.downloads = 0

    @classmethod
    def create(
        cls,
        *,
        share_id: UUID,
        token_hash: str,
        recipient: str,
        case_id: str | None,
        clip_ids: list[str],
        expires_at: datetime,
        view_only: bool,
        reason: str,
        ctx: Context,
    ) -> Share:
        if len(token_hash) != 64 or any(c not in "0123456789abcdef" for c in token_hash):
            raise RuleBroken("a share keeps its token only as a SHA-256 (64 hex digits)")
        if not recipient.strip():
            raise RuleBroken("a share needs a recipient")
        if not clip_ids:
            raise RuleBroken("a share needs at least one clip")
        if expires_at.tzinfo is None:
            raise RuleBroken("an expiry needs a UTC offset")
        if not reason.strip():
            raise RuleBroken("a reason is required")
        return cls(
            id=share_id,
            token_hash=token_hash,
            recipient=recipient.strip(),
            case_id=case_id,
            clip_ids=list(dict.fromkeys(clip_ids)),
            expires_at=expires_at,
            view_only=view_only,
            reason=reason.strip(),
            **ctx.fields(),
        )

    @property
    def share_id(self) -> str:
        return str(self.id)

    @property
    def recipient_actor(self) -> str:
        """Who the recipient is in the archive's events."""
        return share_actor(self.share_id)

    def problem(self, at: datetime) -> str | None:
        """Why the link no longer works at `at`, or None while it does."""
        if self.revoked_at is not None:
            return f"share {self.share_id} was revoked at {self.revoked_at.isoformat()}"
        if at >= self.expires_at:
            return f"share {self.share_id} expired at {self.expires_at.isoformat()}"
        return None

    def status(self, at: datetime) -> str:
        if self.revoked_at is not None:
            return "revoked"
        return "expired" if at >= self.expires_at else "active"

    def _check_usable(self, at: datetime) -> None:
        problem = self.problem(at)
        if problem is not None:
            raise RuleBroken(problem)

    def record_view(self, clip_id: str, at: datetime, ctx: Context) -> None:
        self._check_usable(at)
        if clip_id not in self.clip_ids:
            raise RuleBroken(f"share {self.share_id} holds no clip {clip_id}")
        self.trigger_event(self.ShareViewed, clip_id=clip_id, **ctx.fields())

    def record_download(self, export_id: str, at: datetime, ctx: Context) -> None:
        self._check_usable(at)
        if self.view_only:
            raise RuleBroken(f"share {self.share_id} is view-only")
        self.trigger_event(self.PackageDownloaded, export_id=export_id, **ctx.fields())

    def revoke(self, reason: str, ctx: Context) -> None:
        if self.revoked_at is not None:
            raise RuleBroken(f"share {self.share_id} is already revoked")
        if not reason or not reason.strip():
            raise RuleBroken("a reason is required")
        self.trigger_event(self.ShareRevoked, reason=reason.strip(), **ctx.fields())

    def record_refusal(self, action: str, detail: str, ctx: Context) -> None:
        self.trigger_event(self.AccessDenied, action=action, detail=detail, **ctx.fields())

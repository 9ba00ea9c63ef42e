"""A clip: one recording pulled from a camera, and its chain of custody.

Every custody event of a clip (ingest, views, downloads, exports, case attachments,
retention changes, holds, purge, refused access) is an event of this aggregate, so the
clip's own hash-chained stream is its custody trail.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import event

from domain.base import Attributed, Context, RuleBroken

# "purging": a sweep recorded its intent and is deleting the content (crash-safe purge, see
# retention/purge.py); the clip takes no custody events until the purge is recorded.
STATUSES = ("active", "purging", "purged")
REDACTED_COPY = "redaction"  # ClipIngested.source["kind"] of a redacted copy (domain/redaction.py)


class Clip(Attributed):
    class ClipIngested(Attributed.Created):
        camera_id: str
        start: datetime
        end: datetime
        sha256: str
        size_bytes: int
        media: dict[str, Any]
        storage: dict[str, Any]
        retention_class: str
        retain_until: datetime
        source: dict[str, Any]
        reason: str

    class AttachedToCase(Attributed.Event):
        case_id: str
        reason: str

        def apply(self, aggregate: Any) -> None:
            aggregate.case_ids.append(self.case_id)

    class ClipViewed(Attributed.Event):
        reason: str

        def apply(self, aggregate: Any) -> None:
            aggregate.last_viewed[_view_key(self.actor, self.reason)] = self.timestamp

    class ClipDownloaded(Attributed.Event):
        reason: str

    class ClipExported(Attributed.Event):
        export_id: str
        recipient: str
        reason: str

    class RetentionChanged(Attributed.Event):
        retain_until: datetime
        reason: str

        def apply(self, aggregate: Any) -> None:
            aggregate.retain_until = self.retain_until

    class LegalHoldPlaced(Attributed.Event):
        reason: str

        def apply(self, aggregate: Any) -> None:
            aggregate.legal_hold = True

    class LegalHoldReleased(Attributed.Event):
        reason: str

        def apply(self, aggregate: Any) -> None:
            aggregate.legal_hold = False

    class DerivativeAdded(Attributed.Event):
        kind: str
        sha256: str
        size_bytes: int
        storage: dict[str, Any]
        made_with: dict[str, Any]

        def apply(self, aggregate: Any) -> None:
            aggregate.derivatives.append(
                {
                    "kind": self.kind,
                    "sha256": self.sha256,
                    "size_bytes": self.size_bytes,
                    "storage": self.storage,
                    "made_with": self.made_with,
                }
            )

    class CaseHoldApplied(Attributed.Event):
        """A legal hold on one of the clip's cases, mirrored on the clip's own stream."""

        case_id: str
        reason: str

        def apply(self, aggregate: Any) -> None:
            aggregate.case_holds.append(self.case_id)

    class CaseHoldLifted(Attributed.Event):
        case_id: str
        reason: str

        def apply(self, aggregate: Any) -> None:
            aggregate.case_holds.remove(self.case_id)

    class SourceHoldApplied(Attributed.Event):
        """A legal hold on the clip this redacted copy was made from, mirrored on the copy:
        what was disclosed of held evidence is kept as long as the evidence itself."""

        source_clip_id: str
        reason: str

        def apply(self, aggregate: Any) -> None:
            aggregate.source_holds.append(self.source_clip_id)

    class SourceHoldLifted(Attributed.Event):
        source_clip_id: str
        reason: str

        def apply(self, aggregate: Any) -> None:
            aggregate.source_holds.remove(self.source_clip_id)

    class PurgeStarted(Attributed.Event):
        """Intent: the objects about to be deleted. Recorded before any deletion, so a sweep
        killed midway is finished by the next one."""

        reason: str
        objects: list[dict[str, Any]]

        def apply(self, aggregate: Any) -> None:
            aggregate.status = "purging"
            aggregate.purge_plan = self.objects

    class ClipPurged(Attributed.Event):
        reason: str
        objects: list[dict[str, Any]]

        def apply(self, aggregate: Any) -> None:
            aggregate.status = "purged"
            aggregate.purged_at = self.timestamp
            aggregate.purged_by = self.actor
            aggregate.purge_reason = self.reason
            aggregate.purge_objects = self.objects

    class AccessDenied(Attributed.Event):
        action: str
        detail: str

    class RedactedCopyMade(Attributed.Event):
        """A redacted copy of this clip was made (domain/redaction.py); this clip's content is
        untouched. `derivation`: source_sha256, ffmpeg version and args, boxes, mode, mute."""

        redacted_clip_id: str
        sha256: str
        size_bytes: int
        derivation: dict[str, Any]
        reason: str

        def apply(self, aggregate: Any) -> None:
            aggregate.redactions[self.redacted_clip_id] = self.originator_version

    class DeletionScheduled(Attributed.Event):
        """Safe deletion (retention/recovery.py): retention ran out, so the content becomes
        unreadable and is purged after `delete_after` (the recovery window) unless an admin
        restores it or a hold, a case or a longer policy keeps it by then."""

        delete_after: datetime
        reason: str

        def apply(self, aggregate: Any) -> None:
            aggregate.delete_after = self.delete_after
            aggregate.deletion_scheduled_at = self.timestamp
            aggregate.deletion_reason = self.reason

    class Restored(Attributed.Event):
        """An admin took the clip out of its recovery window; `retain_until` moves past it."""

        reason: str
        retain_until: datetime

        def apply(self, aggregate: Any) -> None:
            aggregate.delete_after = None
            aggregate.retain_until = self.retain_until

    class DeletionCancelled(Attributed.Event):
        """The sweep found a clip pending deletion held, or no longer due (a case, a policy)."""

        reason: str

        def apply(self, aggregate: Any) -> None:
            aggregate.delete_after = None

    @event(ClipIngested)
    def __init__(
        self,
        id: UUID,
        camera_id: str,
        start: datetime,
        end: datetime,
        sha256: str,
        size_bytes: int,
        media: dict[str, Any],
        storage: dict[str, Any],
        retention_class: str,
        retain_until: datetime,
        source: dict[str, Any],
        reason: str,
        actor: str,
        channel: str,
        client: str | None,
    ) -> None:
        self.camera_id = camera_id
        self.start = start
        self.end = end
        self.sha256 = sha256
        self.size_bytes = size_bytes
        self.media = media
        self.storage = storage
        self.retention_class = retention_class
        self.retain_until = retain_until
        self.source = source
        self.ingested_by = actor
        self.case_ids: list[str] = []
        self.legal_hold = False
        self.case_holds: list[str] = []
        self.source_holds: list[str] = []  # held clips this one is a redacted copy of
        self.status = "active"
        self.purged_at: datetime | None = None
        self.purged_by: str | None = None
        self.purge_reason: str | None = None
        self.purge_plan: list[dict[str, Any]] = []
        self.purge_objects: list[dict[str, Any]] = []
        self.derivatives: list[dict[str, Any]] = []
        self.last_viewed: dict[str, datetime] = {}  # (actor, reason) -> time of the last view
        # The redacted copies made of this clip, oldest first: copy id -> version of the event.
        self.redactions: dict[str, int] = {}
        self.delete_after: datetime | None = None  # set while pending deletion
        self.deletion_scheduled_at: datetime | None = None
        self.deletion_reason: str | None = None

    @classmethod
    def ingest(
        cls,
        *,
        clip_id: UUID,
        camera_id: str,
        start: datetime,
        end: datetime,
        sha256: str,
        size_bytes: int,
        media: dict[str, Any],
        storage: dict[str, Any],
        retention_class: str,
        retain_until: datetime,
        source: dict[str, Any],
        reason: str,
        ctx: Context,
    ) -> Clip:
        if start.tzinfo is None or end.tzinfo is None:
            raise RuleBroken("recording times need a UTC offset")
        if end < start:
            raise RuleBroken("a recording cannot end before it starts")
        if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
            raise RuleBroken("sha256 must be 64 lower-case hex digits")
        if size_bytes <= 0:
            raise RuleBroken("an empty recording is not evidence")
        return cls(
            id=clip_id,
            camera_id=camera_id,
            start=start,
            end=end,
            sha256=sha256,
            size_bytes=size_bytes,
            media=media,
            storage=storage,
            retention_class=retention_class,
            retain_until=retain_until,
            source=source,
            reason=_need_reason(reason),
            **ctx.fields(),
        )

    @property
    def clip_id(self) -> str:
        return str(self.id)

    def object_refs(self) -> list[tuple[str, str, str | None]]:
        """(kind, key, version id) of the original and every derivative, each key once."""
        refs = {self.storage["key"]: ("original", self.storage.get("version_id"))}
        for d in self.derivatives:
            refs.setdefault(d["storage"]["key"], (d["kind"], d["storage"].get("version_id")))
        return [(kind, key, version) for key, (kind, version) in refs.items()]

    @property
    def derived_from(self) -> str | None:
        """For a redacted copy, the id of the clip it was made from."""
        if self.source.get("kind") != REDACTED_COPY:
            return None
        return str(self.source["derived_from"])

    @property
    def is_held(self) -> bool:
        """Under a legal hold of its own, through one of its cases, or through the clip it is
        a redacted copy of."""
        return self.legal_hold or bool(self.case_holds) or bool(self.source_holds)

    def _check_active(self) -> None:
        if self.status == "purged":
            raise RuleBroken(f"clip {self.clip_id} was purged")
        if self.status == "purging":
            raise RuleBroken(f"clip {self.clip_id} is being purged")

    def attach_to_case(self, case_id: str, reason: str, ctx: Context) -> None:
        self._check_active()
        if case_id in self.case_ids:
            raise RuleBroken(f"clip {self.clip_id} is already in case {case_id}")
        self.trigger_event(
            self.AttachedToCase, case_id=case_id, reason=_need_reason(reason), **ctx.fields()
        )

    def record_view(self, reason: str, ctx: Context) -> None:
        self._check_active()
        self._check_readable()
        self.trigger_event(self.ClipViewed, reason=_need_reason(reason), **ctx.fields())

    def viewed_since(self, actor: str, reason: str, since: datetime) -> bool:
        """Whether `actor` already has a view recorded for this reason since `since`: one
        viewing session (a player's many range requests) is one custody event."""
        at = self.last_viewed.get(_view_key(actor, reason.strip()))
        return at is not None and at >= since

    def record_download(self, reason: str, ctx: Context) -> None:
        self._check_active()
        self._check_readable()
        self.trigger_event(self.ClipDownloaded, reason=_need_reason(reason), **ctx.fields())

    def record_export(self, export_id: str, recipient: str, reason: str, ctx: Context) -> None:
        self._check_active()
        self._check_readable()
        self.trigger_event(
            self.ClipExported,
            export_id=export_id,
            recipient=recipient,
            reason=_need_reason(reason),
            **ctx.fields(),
        )

    def change_retention(self, retain_until: datetime, reason: str, ctx: Context) -> None:
        self._check_active()
        if retain_until != self.retain_until:
            self.trigger_event(
                self.RetentionChanged, retain_until=retain_until, reason=reason, **ctx.fields()
            )

    def place_legal_hold(self, reason: str, ctx: Context) -> None:
        self._check_active()
        if self.legal_hold:
            raise RuleBroken(f"clip {self.clip_id} is already under legal hold")
        self.trigger_event(self.LegalHoldPlaced, reason=_need_reason(reason), **ctx.fields())

    def release_legal_hold(self, reason: str, ctx: Context) -> None:
        if not self.legal_hold:
            raise RuleBroken(f"clip {self.clip_id} is not under legal hold")
        self.trigger_event(self.LegalHoldReleased, reason=_need_reason(reason), **ctx.fields())

    def add_derivative(
        self,
        kind: str,
        sha256: str,
        size_bytes: int,
        storage: dict[str, Any],
        made_with: dict[str, Any],
        ctx: Context,
    ) -> None:
        self._check_active()
        self.trigger_event(
            self.DerivativeAdded,
            kind=kind,
            sha256=sha256,
            size_bytes=size_bytes,
            storage=storage,
            made_with=made_with,
            **ctx.fields(),
        )

    def apply_case_hold(self, case_id: str, reason: str, ctx: Context) -> None:
        self._check_active()
        if case_id in self.case_holds:
            raise RuleBroken(f"clip {self.clip_id} is already held through case {case_id}")
        self.trigger_event(
            self.CaseHoldApplied, case_id=case_id, reason=_need_reason(reason), **ctx.fields()
        )

    def lift_case_hold(self, case_id: str, reason: str, ctx: Context) -> None:
        if case_id not in self.case_holds:
            raise RuleBroken(f"clip {self.clip_id} is not held through case {case_id}")
        self.trigger_event(
            self.CaseHoldLifted, case_id=case_id, reason=_need_reason(reason), **ctx.fields()
        )

    def apply_source_hold(self, source_clip_id: str, reason: str, ctx: Context) -> None:
        self._check_active()
        if self.derived_from != source_clip_id:
            raise RuleBroken(f"clip {self.clip_id} is no redacted copy of {source_clip_id}")
        if source_clip_id in self.source_holds:
            raise RuleBroken(f"clip {self.clip_id} is already held through {source_clip_id}")
        self.trigger_event(
            self.SourceHoldApplied,
            source_clip_id=source_clip_id,
            reason=_need_reason(reason),
            **ctx.fields(),
        )

    def lift_source_hold(self, source_clip_id: str, reason: str, ctx: Context) -> None:
        if source_clip_id not in self.source_holds:
            raise RuleBroken(f"clip {self.clip_id} is not held through {source_clip_id}")
        self.trigger_event(
            self.SourceHoldLifted,
            source_clip_id=source_clip_id,
            reason=_need_reason(reason),
            **ctx.fields(),
        )

    def _check_purgeable(self) -> None:
        if self.is_held:
            raise RuleBroken(f"clip {self.clip_id} is under legal hold")

    def begin_purge(self, reason: str, objects: list[dict[str, Any]], ctx: Context) -> None:
        self._check_active()
        self._check_purgeable()
        self.trigger_event(self.PurgeStarted, reason=reason, objects=objects, **ctx.fields())

    def purge(self, reason: str, objects: list[dict[str, Any]], ctx: Context) -> None:
        """Record what was done to the content; the metadata and hash stay as a tombstone.
        Normally follows begin_purge (a hold cannot be placed on a clip being purged)."""
        if self.status == "purged":
            raise RuleBroken(f"clip {self.clip_id} was purged")
        if self.status == "active":
            self._check_purgeable()
        self.trigger_event(self.ClipPurged, reason=reason, objects=objects, **ctx.fields())

    def record_refusal(self, action: str, detail: str, ctx: Context) -> None:
        self.trigger_event(self.AccessDenied, action=action, detail=detail, **ctx.fields())

    # Shares (domain/share.py): the clip's custody trail says when it was shared with whom,
    # and every viewing session through the link (actor "share:<id>", the client's address).
    class ClipShared(Attributed.Event):
        share_id: str
        recipient: str
        expires_at: datetime
        view_only: bool
        reason: str

    class ShareRevoked(Attributed.Event):
        share_id: str
        reason: str

    class ViewedThroughShare(Attributed.Event):
        share_id: str
        recipient: str
        reason: str

        def apply(self, aggregate: Any) -> None:
            aggregate.last_viewed[_view_key(self.actor, self.client or "")] = self.timestamp

    def record_share(
        self,
        share_id: str,
        recipient: str,
        expires_at: datetime,
        view_only: bool,
        reason: str,
        ctx: Context,
    ) -> None:
        self._check_active()
        self.trigger_event(
            self.ClipShared,
            share_id=share_id,
            recipient=recipient,
            expires_at=expires_at,
            view_only=view_only,
            reason=_need_reason(reason),
            **ctx.fields(),
        )

    def record_share_revoked(self, share_id: str, reason: str, ctx: Context) -> None:
        """The share's link stopped working. Recorded even on a clip pending deletion or
        purged: the trail must show the link ended, whatever became of the content."""
        self.trigger_event(
            self.ShareRevoked, share_id=share_id, reason=_need_reason(reason), **ctx.fields()
        )

    def record_share_view(self, share_id: str, recipient: str, reason: str, ctx: Context) -> None:
        self._check_active()
        self._check_readable()
        self.trigger_event(
            self.ViewedThroughShare,
            share_id=share_id,
            recipient=recipient,
            reason=_need_reason(reason),
            **ctx.fields(),
        )

    def share_viewed_since(self, ctx: Context, since: datetime) -> bool:
        """Whether this share's recipient, from this address, has a viewing session since."""
        at = self.last_viewed.get(_view_key(ctx.actor, ctx.client or ""))
        return at is not None and at >= since

    def record_redaction(
        self,
        redacted_clip_id: str,
        sha256: str,
        size_bytes: int,
        derivation: dict[str, Any],
        reason: str,
        ctx: Context,
    ) -> None:
        self._check_active()
        self.trigger_event(
            self.RedactedCopyMade,
            redacted_clip_id=redacted_clip_id,
            sha256=sha256,
            size_bytes=size_bytes,
            derivation=derivation,
            reason=_need_reason(reason),
            **ctx.fields(),
        )

    @property
    def pending_deletion(self) -> bool:
        """In its recovery window: content kept but unreadable until restored or purged."""
        return self.status == "active" and self.delete_after is not None

    def _check_readable(self) -> None:
        if self.pending_deletion:
            assert self.delete_after is not None
            raise RuleBroken(
                f"clip {self.clip_id} is pending deletion after {self.delete_after.isoformat()}; "
                "an admin can restore it until then"
            )

    def schedule_deletion(self, delete_after: datetime, reason: str, ctx: Context) -> None:
        self._check_active()
        self._check_purgeable()
        if self.pending_deletion:
            raise RuleBroken(f"clip {self.clip_id} is already pending deletion")
        self.trigger_event(
            self.DeletionScheduled,
            delete_after=delete_after,
            reason=_need_reason(reason),
            **ctx.fields(),
        )

    def restore(self, reason: str, retain_until: datetime, at: datetime, ctx: Context) -> None:
        """Take the clip out of its recovery window, if `at` is still inside it; its
        retain-until becomes `retain_until` (never earlier than it was)."""
        if self.status != "active" or self.delete_after is None:
            state = {"purging": "is being purged", "purged": "was purged"}.get(
                self.status, "is not pending deletion"
            )
            raise NotRestorable(f"clip {self.clip_id} {state}: there is nothing to restore")
        if at >= self.delete_after:
            raise NotRestorable(
                f"the recovery window of clip {self.clip_id} ended at "
                f"{self.delete_after.isoformat()}: it can no longer be restored"
            )
        self.trigger_event(
            self.Restored,
            reason=_need_reason(reason),
            retain_until=max(retain_until, self.retain_until),
            **ctx.fields(),
        )

    def cancel_deletion(self, reason: str, ctx: Context) -> None:
        if not self.pending_deletion:
            raise RuleBroken(f"clip {self.clip_id} is not pending deletion")
        self.trigger_event(self.DeletionCancelled, reason=_need_reason(reason), **ctx.fields())


class NotRestorable(RuleBroken):
    """A restore of a clip that is not pending deletion, or whose recovery window is over."""


def _view_key(actor: str, reason: str) -> str:
    return f"{actor}\x1f{reason}"


def _need_reason(reason: str) -> str:
    if not reason or not reason.strip():
        raise RuleBroken("a reason is required")
    return reason.strip()

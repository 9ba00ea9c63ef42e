"""Retention policies per class (admins), and the view of what is due for purging."""

from __future__ import annotations

import contextlib
from datetime import datetime, timedelta
from typing import Any

from archive import views
from archive.services import Services
from archive.timefmt import format_duration
from archive.timefmt import now as clock
from domain.base import Context
from domain.clip import Clip
from domain.retention import RetentionPolicy, check_class
from retention import calc as retention_calc
from retention.batch import chunks, load, save_batch
from storage.db import Database
from storage.errors import ObjectMissing
from storage.readmodels import retention_queries as rq
from storage.readmodels.registry import stored_time

BATCH = 200


def set_policy(
    svc: Services, ctx: Context, *, retention_class: str, keep: timedelta, reason: str | None
) -> dict[str, Any]:
    """Define or change a class's period, then recompute the retain-until of every active
    clip it governs and push the (only ever extended) store locks."""
    svc.guard.require(ctx, "retention.admin", target=f"retention:{retention_class}")
    check_class(retention_class)
    reason = reason.strip() if reason and reason.strip() else None
    existing = svc.events.find(RetentionPolicy, RetentionPolicy.create_id(retention_class))
    if existing is None:
        svc.events.save(RetentionPolicy.define(retention_class, keep, reason, ctx))
    else:
        svc.events.update(RetentionPolicy, existing.id, lambda p: p.change(keep, reason, ctx))
    changed = _recompute(
        svc,
        ctx,
        retention_class,
        f"retention policy {retention_class} set to {format_duration(keep)}",
    )
    policy = next(
        p for p in policies_view(svc.db)["policies"] if p["retention_class"] == retention_class
    )
    return {**policy, "reason": reason, "clips_recomputed": changed}


def _recompute(svc: Services, ctx: Context, retention_class: str, why: str) -> int:
    """Refresh the clips a class governs, a batch per transaction; returns how many changed."""
    changed = 0
    for ids in chunks(rq.clips_affected_by_policy(svc.db, retention_class), BATCH):
        clips = load(svc, Clip, ids)

        def refresh(clip: Clip) -> bool:
            if clip.status != "active":
                return False
            retention_calc.refresh(svc.db, svc.events, clip, why, ctx)
            return bool(clip.pending_events)

        saved = save_batch(svc, [c for c in clips if refresh(c)], refresh)
        changed += len(saved)
        for clip in clips:  # open-case clips keep "forever" but their store lock follows the class
            if clip.status == "active":
                # Missing content is for the fixity audit to report, not a policy change.
                with contextlib.suppress(ObjectMissing):
                    retention_calc.push_lock(svc, clip)
    return changed


def list_policies(svc: Services, ctx: Context) -> dict[str, Any]:
    svc.guard.require(ctx, "metadata.search", target="retention")
    return policies_view(svc.db)


def policies_view(db: Database) -> dict[str, Any]:
    """Every class's policy, as `retention policy list` prints it."""
    return {
        "policies": [
            {
                "retention_class": r["retention_class"],
                "keep": format_duration(timedelta(seconds=int(r["keep_seconds"]))),
                "keep_seconds": int(r["keep_seconds"]),
                "changed_at": views.local(r["changed_at"]),
                "changed_by": r["changed_by"],
            }
            for r in rq.policy_rows(db)
        ]
    }


def due(svc: Services, ctx: Context, within: timedelta) -> dict[str, Any]:
    """`saksi retention due`: auditors and admins."""
    svc.guard.require(ctx, "audit", target="retention")
    return due_view(svc.db, within, svc.settings.recovery_window)


def due_view(db: Database, within: timedelta, wait: timedelta) -> dict[str, Any]:
    """Active clips whose retain-until falls before now + within, and every clip pending
    deletion: what the sweep will schedule, what it will purge, and when (held clips are
    listed, and marked as not going); `wait` is the recovery window."""
    now = clock()
    until = now + within
    rows = rq.due_within(db, stored_time(until) or "")

    def delete_after(r: dict[str, Any]) -> str | None:
        """As recorded while pending; otherwise the earliest the content can go."""
        if r["delete_after"]:
            return views.local(r["delete_after"])
        return (max(datetime.fromisoformat(r["retain_until"]), now) + wait).isoformat()

    return {
        "now": now.isoformat(),
        "within": format_duration(within),
        "until": until.isoformat(),
        "window": format_duration(wait),
        "clips": [
            {
                "clip_id": r["clip_id"],
                "camera_id": r["camera_id"],
                "retention_class": r["retention_class"],
                "start": views.local(r["start_at"]),
                "retain_until": views.local(r["retain_until"]),
                "overdue": (r["retain_until"] <= (stored_time(now) or "")),
                "legal_hold": bool(r["legal_hold"]),
                "holds": r["holds"],
                "will_purge": not r["legal_hold"]
                and r["retain_until"] <= (stored_time(until) or ""),
                "size_bytes": int(r["size_bytes"]),
                "pending_deletion": r["delete_after"] is not None,
                "delete_after": delete_after(r),
                "deletion_scheduled_at": views.local(r["scheduled_at"]),
            }
            for r in rows
        ],
    }

"""Safe deletion: a clip whose retention ran out first waits out a recovery window.

1. The sweep schedules every due clip no hold protects: `DeletionScheduled`, with
   `delete_after` = now + the window (`SAKSI_RECOVERY_WINDOW`, ISO 8601, default P7D). The
   content stays stored, locked and referenced, but is not readable: views, downloads and
   exports answer 409 with the pending record.
2. Within the window an admin restores it with a reason (`Restored`). Its retain-until moves to
   the restore time plus one window, so the next sweep does not schedule it again at once: the
   restore buys one more window for someone to attach it to a case, hold it or lengthen its
   policy; if nobody does, it falls due, is announced and waits out a window again.
3. A hold, a case that takes the clip, or a longer policy during the window: the next sweep
   cancels the deletion (`DeletionCancelled`) and the content is readable again.
4. Once the window is over the sweep purges it as before (retention/purge.py: intent, deletion,
   `ClipPurged`). With a window of PT0S the sweep that schedules a clip also purges it.

The `deletion-notice` job (daily) writes what is pending and what falls due soon to the log,
and its run records the list.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from archive.errors import InvalidInput, StateConflict
from archive.guard import Principal
from archive.records import load_clip
from archive.services import Services
from archive.timefmt import format_duration
from archive.timefmt import now as clock
from domain.base import Context
from domain.clip import Clip, NotRestorable
from retention import calc as retention_calc
from retention import policies
from retention.batch import chunks, load, save_batch
from retention.content_state import pending_record
from retention.purge import SweepReport
from storage.readmodels import retention_queries as rq
from storage.readmodels.registry import stored_time

NOTICE_JOB = "deletion-notice"
NOTICE_WITHIN = timedelta(days=7)  # the notice also names clips falling due this soon
NOTICE_LOG_LINES = 200

log = logging.getLogger("saksi.retention")


def schedule(svc: Services, who: Principal, now: datetime, report: SweepReport, size: int) -> None:
    """Step 1, for each due clip not pending yet and not held (a batch per transaction)."""
    ctx = who.ctx  # what the events record
    delete_after = now + svc.settings.recovery_window
    reason = (
        f"retention expired; content deleted after {delete_after.isoformat()} "
        f"(recovery window {format_duration(delete_after - now)}) unless restored"
    )

    def start(clip: Clip) -> bool:
        if clip.status != "active" or clip.pending_deletion or clip.is_held:
            return False
        if clip.retain_until > now:
            return False  # changed since it was selected (attached, policy, ...)
        clip.schedule_deletion(delete_after, reason, ctx)
        return True

    for ids in chunks(rq.due_clip_ids(svc.db, stored_time(now) or "", held=False), size):
        clips = load(svc, Clip, ids)
        report.scheduled += [
            c.clip_id for c in save_batch(svc, [c for c in clips if start(c)], start)
        ]


def settle(
    svc: Services, who: Principal, clips: list[Clip], now: datetime, report: SweepReport
) -> list[Clip]:
    """Step 3 for pending clips something now keeps; returns those whose window is over."""
    ctx = who.ctx  # what the events record

    def keeps(clip: Clip) -> str | None:
        if clip.is_held:
            return "a legal hold keeps it"
        if clip.retain_until > now:
            return f"its retain-until is now {clip.retain_until.isoformat()}"
        return None

    def cancel(clip: Clip) -> bool:
        why = keeps(clip) if clip.pending_deletion else None
        if why is None:
            return False
        clip.cancel_deletion(f"deletion cancelled: {why}", ctx)
        return True

    cancelled = save_batch(svc, [c for c in clips if cancel(c)], cancel)
    report.cancelled += [c.clip_id for c in cancelled]
    report.kept_on_hold += [c.clip_id for c in cancelled if c.is_held]
    gone = {c.clip_id for c in cancelled}
    return [c for c in clips if c.clip_id not in gone and window_over(c, now)]


def window_over(clip: Clip, now: datetime) -> bool:
    return clip.pending_deletion and clip.delete_after is not None and clip.delete_after <= now


def restore(svc: Services, ctx: Context, *, clip_id: str, reason: str) -> dict[str, Any]:
    """`saksi retention restore`: admins take a clip out of its recovery window, with a reason;
    refused (409) when it is not pending deletion or its window is over."""
    if not reason or not reason.strip():
        raise InvalidInput("a reason is required")
    clip = load_clip(svc.events, clip_id)
    svc.guard.require(ctx, "retention.admin", target=clip)
    at = clock()
    was = pending_record(clip)
    try:
        clip = svc.events.update(
            Clip, clip.id, lambda c: c.restore(reason, at + svc.settings.recovery_window, at, ctx)
        )
    except NotRestorable as e:
        raise StateConflict(str(e)) from None
    retention_calc.push_lock(svc, clip)  # the store's lock follows the new retain-until
    return {
        "clip_id": clip.clip_id,
        "status": clip.status,
        "sha256": clip.sha256,
        "restored_at": at.isoformat(),
        "restored_by": ctx.actor,
        "reason": reason.strip(),
        "retain_until": clip.retain_until.isoformat(),
        "was": was,
    }


def notice(svc: Services, ctx: Context) -> dict[str, Any]:
    """The `deletion-notice` job: what will be deleted and what falls due soon, to the log."""
    svc.guard.require(ctx, "audit", target="retention")
    listing = policies.due_view(svc.db, NOTICE_WITHIN, svc.settings.recovery_window)
    pending = [c for c in listing["clips"] if c["pending_deletion"]]
    coming = [c for c in listing["clips"] if not c["pending_deletion"]]
    log.info(
        "deletion notice: %d clips pending deletion, %d more due within %s (recovery window %s)",
        len(pending),
        len(coming),
        listing["within"],
        listing["window"],
    )
    for c in (pending + coming)[:NOTICE_LOG_LINES]:
        if not c["will_purge"]:
            what = "kept (" + ", ".join(c["holds"] or ["no longer due"]) + ")"
        elif c["pending_deletion"]:
            what = f"content deleted after {c['delete_after']} unless restored"
        else:
            what = f"due {c['retain_until']}, then deleted after about {c['delete_after']}"
        log.info(
            "deletion notice: clip %s (camera %s, %s): %s",
            c["clip_id"],
            c["camera_id"],
            c["retention_class"],
            what,
        )
    if len(listing["clips"]) > NOTICE_LOG_LINES:
        log.info("deletion notice: and %d more", len(listing["clips"]) - NOTICE_LOG_LINES)
    return listing


def notice_summary(listing: dict[str, Any]) -> dict[str, Any]:
    """What the notice's job run records: counts and the first clips with their times."""
    clips = listing["clips"]
    return {
        "within": listing["within"],
        "window": listing["window"],
        "pending": sum(c["pending_deletion"] for c in clips),
        "due": sum(not c["pending_deletion"] for c in clips),
        "clips": [
            {
                "clip_id": c["clip_id"],
                "pending_deletion": c["pending_deletion"],
                "delete_after": c["delete_after"],
                "will_purge": c["will_purge"],
            }
            for c in clips[:100]
        ],
    }

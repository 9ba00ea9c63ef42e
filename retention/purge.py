"""Purging clips, crash-safe: intent, deletion, record.

Only clips whose recovery window is over are purged (retention/recovery.py schedules them
first: `DeletionScheduled`, with `delete_after`).

1. `PurgeStarted` is recorded on each clip with the object versions it will delete (a batch
   of clips in one transaction). From then on the clip takes no custody events, no holds.
2. The versions are deleted; one already gone counts as done ("absent"), so deleting twice
   is harmless. Content another active clip still references (deduplicated by SHA-256) is
   kept.
3. `ClipPurged` is recorded with what was done to each version.

A sweep killed anywhere leaves clips "purging"; the next sweep (one leader at a time)
finishes them from step 2. So no clip is purged twice (the domain refuses a second
`ClipPurged`) and no `ClipPurged` is recorded before its deletions are done.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from archive.guard import Principal
from archive.services import Services
from domain.clip import Clip
from retention.batch import save_batch
from storage.errors import ObjectLocked, ObjectMissing, StorageError, StoreUnavailable
from storage.objects.port import ObjectInfo
from storage.readmodels import retention_queries as rq

# Store requests of a batch overlap (S3 round trips dominate a sweep); events stay batched.
STORE_WORKERS = 8
T = TypeVar("T")
R = TypeVar("R")


_pool: ThreadPoolExecutor | None = None


def concurrently(work: Callable[[T], R], items: Iterable[T]) -> list[R]:
    global _pool
    if _pool is None:
        _pool = ThreadPoolExecutor(STORE_WORKERS, thread_name_prefix="saksi-purge")
    return list(_pool.map(work, items))


@dataclass
class SweepReport:
    purged: list[str] = field(default_factory=list)
    kept_on_hold: list[str] = field(default_factory=list)
    errors: list[dict[str, str]] = field(default_factory=list)
    deferred: list[dict[str, str]] = field(default_factory=list)
    resumed: list[str] = field(default_factory=list)
    scheduled: list[str] = field(default_factory=list)  # pending deletion from now on
    cancelled: list[str] = field(default_factory=list)  # pending, now kept (hold, case, policy)

    def error(self, clip_id: str, exc: BaseException) -> None:
        self.errors.append({"clip_id": clip_id, "error": str(exc) or type(exc).__name__})


def reason_for(clip: Clip) -> str:
    window = f"; recovery window ended {clip.delete_after.isoformat()}" if clip.delete_after else ""
    return (
        f"retention expired: retain-until {clip.retain_until.isoformat()} "
        f"({clip.retention_class}) has passed{window}"
    )


def _locked_until(info: ObjectInfo, now: datetime) -> datetime | None:
    """When the store will let this version go; None if it does now."""
    if info.legal_hold:
        return datetime.max.replace(tzinfo=now.tzinfo)
    if info.retain_until is not None and info.retain_until > now:
        return info.retain_until
    return None


def plan(
    svc: Services, clip: Clip, now: datetime, batch: list[str], refs: dict[str, set[str]]
) -> list[dict[str, Any]] | datetime:
    """The versions to delete, or the time the store's lock ends if it still forbids it.
    Keys other active clips (outside this batch) use are planned with no versions."""
    planned: list[dict[str, Any]] = []
    for kind, key, _version in clip.object_refs():
        if refs.get(key, set()) - set(batch):
            planned.append({"kind": kind, "key": key, "version_ids": [], "shared": True})
            continue
        # S3 delete markers hold no content (and take no lock): left alone.
        versions = [v for v in svc.objects.versions(key) if not getattr(v, "delete_marker", False)]
        locks = [t for t in (_locked_until(v, now) for v in versions) if t is not None]
        if locks:
            return max(locks)
        planned.append({"kind": kind, "key": key, "version_ids": [v.version_id for v in versions]})
    return planned


def begin(
    svc: Services, who: Principal, clips: list[Clip], now: datetime, report: SweepReport
) -> list[Clip]:
    """Record the intent on every purgeable clip of a batch; returns the clips now purging."""
    ctx = who.ctx  # what the events record

    def due(clip: Clip) -> bool:
        if clip.status != "active" or clip.retain_until > now:
            return False  # changed since it was selected (attached, policy, ...)
        if clip.delete_after is None or clip.delete_after > now:
            return False  # not pending deletion (restored), or its recovery window is not over
        if clip.is_held:
            report.kept_on_hold.append(clip.clip_id)
            return False
        return True

    candidates = [c for c in clips if due(c)]
    batch = [c.clip_id for c in candidates]  # content only these share may go with them
    refs = rq.active_refs(svc.db, [key for c in candidates for _k, key, _v in c.object_refs()])

    def plan_of(clip: Clip) -> list[dict[str, Any]] | datetime | StorageError:
        try:
            return plan(svc, clip, now, batch, refs)
        except StoreUnavailable:
            raise
        except StorageError as e:
            return e

    # Plans are made concurrently up front; a clip reloaded after a conflict is planned again.
    plans = dict(zip(batch, concurrently(plan_of, candidates), strict=True))
    first_try = {c.clip_id: c.version for c in candidates}

    def start(clip: Clip) -> bool:
        if not due(clip):
            return False
        fresh = first_try.get(clip.clip_id) == clip.version
        planned = plans[clip.clip_id] if fresh else plan_of(clip)
        if isinstance(planned, StorageError):
            report.error(clip.clip_id, planned)
            return False
        if isinstance(planned, datetime):
            report.deferred.append({"clip_id": clip.clip_id, "until": planned.isoformat()})
            return False
        clip.begin_purge(reason_for(clip), planned, ctx)
        return True

    return save_batch(svc, [c for c in candidates if start(c)], start)


def _delete(svc: Services, planned: dict[str, Any], shared: bool) -> list[dict[str, Any]]:
    base = {"kind": planned["kind"], "key": planned["key"]}
    if shared or planned.get("shared"):
        return [{**base, "version_id": None, "action": "kept_shared"}]
    actions = []
    for version_id in planned["version_ids"] or [None]:
        action = "deleted"
        try:
            if planned["version_ids"]:
                svc.objects.delete(planned["key"], version_id)
            else:
                action = "absent"  # nothing was stored under the key when the purge began
        except ObjectMissing:
            action = "absent"  # deleted by an interrupted earlier attempt
        except ObjectLocked:
            action = "kept_locked"  # re-locked since: content a concurrent ingest reuses
        actions.append({**base, "version_id": version_id, "action": action})
    return actions


def finish(svc: Services, who: Principal, clips: list[Clip], report: SweepReport) -> None:
    """Delete what each purging clip planned, then record ClipPurged for the batch."""
    ctx = who.ctx  # what the events record
    refs = rq.active_refs(svc.db, [o["key"] for c in clips for o in c.purge_plan])
    done: dict[str, list[dict[str, Any]]] = {}

    def delete_all(clip: Clip) -> list[dict[str, Any]] | StorageError:
        try:
            return [
                action
                for planned in clip.purge_plan
                for action in _delete(svc, planned, bool(refs.get(planned["key"])))
            ]
        except StoreUnavailable:
            raise
        except StorageError as e:  # left purging: the next sweep tries again
            return e

    for clip, outcome in zip(clips, concurrently(delete_all, clips), strict=True):
        if isinstance(outcome, StorageError):
            report.error(clip.clip_id, outcome)
        else:
            done[clip.clip_id] = outcome
    purging = [c for c in clips if c.clip_id in done]

    def record(clip: Clip) -> bool:
        if clip.status != "purging":
            return False
        clip.purge(reason_for(clip), done[clip.clip_id], ctx)
        return True

    for clip in purging:
        record(clip)
    report.purged += [c.clip_id for c in save_batch(svc, purging, record)]

"""The retention sweep: schedule every due clip no hold protects for deletion after its
recovery window (retention/recovery.py), purge those whose window is over, then reconcile
orphans.

One leader across processes (storage/eventstore/locks.py); crash-safe and idempotent
(retention/purge.py).
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from archive.errors import Unavailable
from archive.jobs import runs
from archive.services import Services
from archive.timefmt import now as clock
from domain.base import Context
from domain.clip import Clip
from retention import orphans, purge, recovery
from retention.batch import chunks, load
from storage.eventstore.locks import leader
from storage.readmodels import retention_queries as rq
from storage.readmodels.registry import stored_time

JOB = "retention-sweep"


def sweep(svc: Services, ctx: Context, *, wait_s: float = 600) -> dict[str, Any]:
    """`saksi retention sweep`: admins only; recorded as a job run; waits for a sweep
    running elsewhere to finish first."""
    svc.guard.require(ctx, "retention.admin", target="retention:sweep")
    result: dict[str, Any] = runs.run_recorded(
        svc, ctx, JOB, "cli", lambda: run_sweep(svc, ctx, wait_s=wait_s), summary
    )
    if not result["leader"]:
        raise Unavailable(f"another sweep has held the sweep lock for over {wait_s:.0f} s")
    return result


def run_sweep(svc: Services, ctx: Context, *, wait_s: float = 0) -> dict[str, Any]:
    """The sweep itself (the scheduler calls this directly, under its own identity)."""
    who = svc.guard.require(ctx, "retention.sweep", target="retention:sweep")
    with leader(svc.store.url, JOB, wait_s=wait_s) as leading:
        if not leading:
            return {**_empty(), "leader": False}
        report = purge.SweepReport()
        size = svc.settings.sweep_batch  # clips per transaction (SAKSI_SWEEP_BATCH)
        svc.projector.catch_up()
        # First finish what an interrupted sweep began: those clips are already purging.
        # Before each step: still the leader? (a failover drops the lock; locks.py)
        for ids in chunks(rq.clip_ids_with_status(svc.db, "purging"), size):
            leading.confirm()
            clips = load(svc, Clip, ids)
            purge.finish(svc, who, clips, report)
            report.resumed += [c.clip_id for c in clips]
        started_at = clock()
        report.kept_on_hold += rq.due_clip_ids(svc.db, stored_time(started_at) or "", held=True)
        # Due clips enter their recovery window; pending ones a hold or a case now keeps
        # leave it; those whose window is over are purged.
        leading.confirm()
        recovery.schedule(svc, who, started_at, report, size)
        for ids in chunks(
            rq.pending_clip_ids_to_settle(svc.db, stored_time(started_at) or ""), size
        ):
            leading.confirm()
            over = recovery.settle(svc, who, load(svc, Clip, ids), started_at, report)
            purging = purge.begin(svc, who, over, started_at, report)
            purge.finish(svc, who, purging, report)
        leading.confirm()
        found = orphans.reconcile(svc, clock())
    out = asdict(report)
    out["kept_on_hold"] = sorted(set(report.kept_on_hold))
    out["deferred"] = list({d["clip_id"]: d for d in report.deferred}.values())
    return {**out, "orphans": found, "leader": True, "at": started_at.isoformat()}


def _empty() -> dict[str, Any]:
    return {
        **asdict(purge.SweepReport()),
        "orphans": {"deleted": [], "waiting_for_lock": 0, "in_grace": 0},
    }


def summary(result: dict[str, Any]) -> dict[str, Any]:
    """What a job run records: counts, and the orphans (which have no stream of their own)."""
    return {
        "leader": result["leader"],
        "purged": len(result["purged"]),
        "kept_on_hold": len(result["kept_on_hold"]),
        "deferred": len(result["deferred"]),
        "resumed": len(result["resumed"]),
        "scheduled": len(result["scheduled"]),
        "cancelled": len(result["cancelled"]),
        "errors": result["errors"][:20],
        "orphans_deleted": result["orphans"]["deleted"][:100],
        "orphans_waiting_for_lock": result["orphans"]["waiting_for_lock"],
        "orphans_in_grace": result["orphans"]["in_grace"],
    }

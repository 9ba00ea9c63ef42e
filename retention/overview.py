"""What the admin and auditor pages show of retention: policies, what is due, what a policy
change would purge, holds and scheduler runs; each read checked against the access table."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from archive import views
from archive.jobs import runs
from archive.records import load_cases
from archive.services import Services
from archive.timefmt import format_duration
from archive.timefmt import now as clock
from domain.base import Context
from domain.clip import Clip
from domain.retention import CaseTerm, check_class, retain_until
from retention import policies
from retention.batch import chunks, load
from retention.calc import Policies
from storage.readmodels import queries
from storage.readmodels import retention_queries as rq


def list_policies(svc: Services, ctx: Context) -> dict[str, Any]:
    svc.guard.require(ctx, "retention.admin", target="retention")
    return policies.policies_view(svc.db)


def due(svc: Services, ctx: Context, within: timedelta) -> dict[str, Any]:
    svc.guard.require(ctx, "retention.admin", target="retention")
    return policies.due_view(svc.db, within, svc.settings.recovery_window)


def preview(
    svc: Services, ctx: Context, *, retention_class: str, keep: timedelta
) -> dict[str, Any]:
    """The clips that setting `retention_class` to `keep` would make due now (the next sweep
    purges those not on hold): the same rule as the policy change itself, nothing recorded."""
    svc.guard.require(ctx, "retention.admin", target=f"retention:{check_class(retention_class)}")
    now = clock()

    recorded = Policies.read(svc.db)

    def keep_of(cls: str) -> timedelta:
        return keep if cls == retention_class else recorded.keep(cls)

    found = []
    for ids in chunks(rq.clips_affected_by_policy(svc.db, retention_class), policies.BATCH):
        for clip in load(svc, Clip, ids):
            if clip.status != "active":
                continue
            terms = [
                CaseTerm(c.is_open, c.closed_at, keep_of(c.kind))
                for c in load_cases(svc.events, clip.case_ids)
            ]
            until = retain_until(clip.start, keep_of(clip.retention_class), terms)
            if until <= now:
                found.append(
                    {
                        "clip_id": clip.clip_id,
                        "camera_id": clip.camera_id,
                        "start": clip.start.isoformat(),
                        "retain_until_now": clip.retain_until.isoformat(),
                        "retain_until_new": until.isoformat(),
                        "legal_hold": clip.legal_hold,
                        "will_purge": not clip.legal_hold,
                    }
                )
    return {
        "retention_class": retention_class,
        "keep": format_duration(keep),
        "now": now.isoformat(),
        "clips": sorted(found, key=lambda c: (c["retain_until_new"], c["clip_id"])),
    }


def holds(svc: Services, ctx: Context) -> dict[str, Any]:
    svc.guard.require(ctx, "retention.admin", target="holds")
    cases = [views.case(r) for r in queries.cases(svc.db, limit=10_000) if r["on_hold"]]
    return {
        "cases": cases,
        "clips": [{**r, "start": views.local(r["start_at"])} for r in rq.holds(svc.db)],
    }


def recent_runs(
    svc: Services, ctx: Context, job: str | None = None, limit: int = 50
) -> list[dict[str, Any]]:
    """Scheduler runs (sweep, fixity audit, checkpoints), newest first: auditors and admins."""
    svc.guard.require(ctx, "audit", target="runs")
    return runs.recent_runs(svc.db, job, limit)

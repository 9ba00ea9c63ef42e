"""The scheduled ledger check: the quick pass of `audit verify` and the comparison of the read
models with the log, every SAKSI_LEDGER_CHECK_INTERVAL (default an hour), so that tampering
is found without anyone asking.

A check that finds problems (or fails) raises the alarm three ways: an error in the log
(`saksi.audit`, with the kinds and the first problems), a banner on the audit page, and the
gauge `saksi_ledger_alarm` on /metrics. The alarm stays up until a later check finds the
ledger intact. Its state is the last recorded run of the job, read back from the log's own
JobRun stream (the read model only says which run is the last).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from archive.audit import verify as audit
from archive.jobs import runs
from archive.services import Services
from domain.base import Context
from domain.jobs import JobRun

JOB = "ledger-check"
ALARM_METRIC = (
    "saksi_ledger_alarm",
    "gauge",
    "1 while the last scheduled ledger check found problems or failed, else 0.",
)
SHOWN = 5  # problems named in the log line and the run's record

log = logging.getLogger("saksi.audit")


def run_check(svc: Services, ctx: Context) -> dict[str, Any]:
    """The job's work: audit verify (quick pass first, read models included)."""
    report = audit.verify(svc, ctx)
    if not report["ok"]:
        said = summary(report)
        log.error("ledger check ALARM: %s", said)
    return report


def summary(report: dict[str, Any]) -> dict[str, Any]:
    """What the run records: the verdict and counts, the kinds and the first problems."""
    problems = report["problems"]
    kinds = sorted({p["kind"] for p in problems})
    first = [p["detail"] for p in problems[:SHOWN]]
    counts = {"events": report["events"], "problems": len(problems)}
    return {"ok": report["ok"], **counts, "kinds": kinds, "first": first}


@dataclass(frozen=True)
class Alarm:
    raised: bool
    problems: int  # found by the last check (0 when it failed before finishing)
    checked_at: str | None  # when the last check finished (or failed); None: never ran
    failed: bool = False

    @property
    def value(self) -> float:
        return 1.0 if self.raised else 0.0


def alarm(svc: Services) -> Alarm:
    """The alarm as the last finished check left it (a check under way changes nothing yet).
    No evidence is read: /metrics (its own token) and the audit page show it."""
    ended = [r for r in runs.recent_runs(svc.db, JOB, 5) if r["status"] != "started"]
    run = svc.events.find(JobRun, UUID(ended[0]["run_id"])) if ended else None
    if run is None or run.status == "started":
        return Alarm(False, 0, None)
    at = run.modified_on.isoformat()
    if run.status == "failed":
        return Alarm(True, 0, at, failed=True)
    result = run.result or {}
    return Alarm(not result.get("ok", False), int(result.get("problems", 0)), at)

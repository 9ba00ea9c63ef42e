"""Recording a job's run as events: started, then finished with its counts, or failed."""

from __future__ import annotations

import dataclasses
import json
import os
import socket
from collections.abc import Callable
from typing import Any

from archive.services import Services
from domain.base import Context
from domain.jobs import JobRun
from storage.db import Database
from storage.readmodels import retention_queries as rq

CASE_PULL_PREFIX = "case-pull:"  # runs of pulls started from the web UI, one name per case


def host() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def plain(result: Any) -> dict[str, Any]:
    """What an event can store: JSON values only (a dataclass as its fields, bytes as hex, a
    list as its length and first items)."""
    if dataclasses.is_dataclass(result) and not isinstance(result, type):
        result = dataclasses.asdict(result)
    elif isinstance(result, list):
        result = {"count": len(result), "first": result[:20]}
    elif not isinstance(result, dict):
        result = {"result": result}
    return dict(json.loads(json.dumps(result, default=_json_value)))


def _json_value(value: Any) -> str:
    return value.hex() if isinstance(value, bytes) else str(value)


def run_recorded(
    svc: Services,
    ctx: Context,
    job: str,
    trigger: str,
    work: Callable[[], Any],
    summarize: Callable[[Any], dict[str, Any]] = plain,
) -> Any:
    """Run `work` between a RunStarted and a RunFinished (or RunFailed) event; returns its
    result. The recorded result is `summarize(result)`: counts, not long lists. Who may run
    jobs by hand (auditors, admins, the host) and the scheduler may record runs."""
    svc.guard.require(ctx, "job.run", target=f"job:{job}")
    run = JobRun.start(job, trigger, host(), ctx)
    svc.events.save(run)
    try:
        result = work()
    except BaseException as e:
        run.fail(f"{type(e).__name__}: {e}", ctx)
        svc.events.save(run)
        raise
    run.finish(plain(summarize(result)), ctx)
    svc.events.save(run)
    return result


def recent_runs(db: Database, job: str | None = None, limit: int = 20) -> list[dict[str, Any]]:
    return [
        {
            "run_id": r["run_id"],
            "job": r["job"],
            "trigger": r["trigger"],
            "host": r["host"],
            "actor": r["actor"],
            "status": r["status"],
            "started_at": r["started_at"],
            "finished_at": r["finished_at"],
            "result": json.loads(r["result_json"]) if r["result_json"] else None,
            "error": r["error"],
        }
        for r in rq.job_runs(db, job, limit)
    ]

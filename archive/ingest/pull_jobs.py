"""A case pull as a background job, for the web UI: the same use case as `saksi case pull`
(archive/ingest/pull.py), run in a thread of the serving process, recorded as a JobRun
(`case-pull:<CASE_ID>`: started, then finished with the per-camera outcome, or failed).

While it runs, each camera's latest progress is kept in this process (`live`), so a page can
be left and reloaded; once it ends, the recorded outcome is the truth and stays visible on the
case. A run whose process died mid-way stays `started` and shows as interrupted.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
from datetime import datetime
from typing import Any

from archive.errors import classify
from archive.ingest import pull
from archive.jobs.runs import CASE_PULL_PREFIX, host, plain, recent_runs
from archive.records import load_case
from archive.services import Services
from domain.base import Context
from domain.jobs import JobRun

log = logging.getLogger("saksi.pull")
PREFIX = CASE_PULL_PREFIX
_live: dict[str, dict[str, dict[str, Any]]] = {}  # run id -> camera id -> latest progress
_lock = threading.Lock()


def start_pull(
    svc: Services,
    ctx: Context,
    *,
    case_id: str,
    near: tuple[float, float],
    radius_m: float,
    start: datetime,
    end: datetime,
    reason: str,
) -> str:
    """Checks what `pull` checks before anything is recorded, then starts it; its run id."""
    pull.admitted(svc, ctx, case_id, start, end, radius_m, reason)
    run = JobRun.start(PREFIX + case_id, "web", host(), ctx)
    svc.events.save(run)
    run_id = str(run.id)
    with _lock:
        _live[run_id] = {}

    def progress(p: pull.CameraProgress) -> None:
        with _lock:
            _live[run_id][p.camera_id] = dataclasses.asdict(p)

    def work() -> None:
        try:
            result = pull.pull(
                svc, ctx, case_id=case_id, near=near, radius_m=radius_m,
                start=start, end=end, reason=reason, progress=progress,
            )  # fmt: skip
        except Exception as e:
            known = classify(e)
            message = known.message if known else f"internal error ({type(e).__name__})"
            if known is None:
                log.error("pull job %s failed (%s)", run_id, type(e).__name__)
            run.fail(message, ctx)
        else:
            run.finish(plain(result), ctx)
        svc.events.save(run)
        with _lock:
            _live.pop(run_id, None)

    threading.Thread(target=work, name=f"pull-{case_id}", daemon=True).start()
    return run_id


def case_pulls(svc: Services, ctx: Context, case_id: str) -> list[dict[str, Any]]:
    """The case's pulls, newest first: each with its recorded outcome, or its live progress.
    Metadata, like the case itself (`case show`): any role may read it."""
    svc.guard.require(ctx, "metadata.search", target=f"case:{case_id}")
    load_case(svc.events, case_id)
    runs = recent_runs(svc.db, PREFIX + case_id, limit=20)
    with _lock:
        live = {run_id: list(cams.values()) for run_id, cams in _live.items()}
    for r in runs:
        r["live"] = sorted(live.get(r["run_id"], []), key=lambda p: p["index"])
        r["running"] = r["run_id"] in live
        r["interrupted"] = r["status"] == "started" and not r["running"]
    return runs

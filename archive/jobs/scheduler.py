"""The scheduler (APScheduler 3): runs each job on its interval, inside `saksi serve` or alone
as `saksi scheduler`.

Every run is recorded (archive/jobs/runs.py). At start, a job whose last finished run is older
than its interval (or that never ran) is caught up at once; otherwise its next run is one
interval after the last. Several schedulers may run: the sweep has one leader across
processes, and each run records which host it ran on.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler

from archive.guard import scheduler_principal
from archive.jobs import runs
from archive.jobs.registry import Job
from archive.services import Services
from archive.settings import Settings
from archive.timefmt import format_duration
from archive.timefmt import now as clock
from storage.readmodels import retention_queries as rq

log = logging.getLogger("saksi.scheduler")


OpenServices = Callable[[Settings], Services]


def execute(settings: Settings, open_services: OpenServices, job: Job, trigger: str) -> None:
    """One run of one job, with services of its own (jobs run in worker threads)."""
    try:
        svc = open_services(settings)
    except Exception as e:  # the database is down: try again at the next interval
        log.error("%s: cannot open the archive: %s", job.name, e)
        return
    ctx = scheduler_principal(runs.host())
    try:
        if job.recorded:
            result = runs.run_recorded(
                svc, ctx, job.name, trigger, lambda: job.work(svc, ctx), job.summarize
            )
        else:
            result = job.work(svc, ctx)
        log.info("%s (%s) finished: %s", job.name, trigger, job.summarize(result))
    except Exception as e:
        log.error("%s (%s) failed: %s: %s", job.name, trigger, type(e).__name__, e)
    finally:
        svc.close()


def first_runs(
    svc: Services, schedule: Mapping[str, tuple[Job, timedelta]], now: datetime
) -> dict[str, datetime | None]:
    """When each job runs next: None means now (caught up), else one interval after its last
    finished run."""
    out: dict[str, datetime | None] = {}
    for name, (_job, interval) in schedule.items():
        last = rq.last_finished_run(svc.db, name)
        due = datetime.fromisoformat(last) + interval if last else None
        out[name] = None if due is None or due <= now else due
    return out


def start_scheduler(
    settings: Settings, jobs: Sequence[Job], open_services: OpenServices
) -> BackgroundScheduler:
    """Start the jobs in background threads (for `saksi serve`); call .shutdown() to stop."""
    schedule = {job.name: (job, settings.job_interval(job.name)) for job in jobs}
    scheduler = BackgroundScheduler(timezone=UTC)
    now = clock()
    svc = open_services(settings)
    try:
        when_first = first_runs(svc, schedule, now)
    finally:
        svc.close()
    for name, when in when_first.items():
        job, interval = schedule[name]
        scheduler.add_job(
            execute,
            "interval",
            seconds=interval.total_seconds(),
            args=[settings, open_services, job, "schedule"],
            id=name,
            next_run_time=when or now + interval,
            max_instances=1,
            coalesce=True,
            misfire_grace_time=None,
        )
        if when is None:
            scheduler.add_job(
                execute, "date", run_date=now, args=[settings, open_services, job, "catch-up"]
            )
        log.info("%s: every %s, next %s", name, format_duration(interval), when or "now")
    scheduler.start()
    return scheduler


def run_scheduler(settings: Settings, jobs: Sequence[Job], open_services: OpenServices) -> None:
    """`saksi scheduler`: run until SIGTERM or SIGINT, then let running jobs finish."""
    stop = threading.Event()

    def on_signal(signum: int, _frame: Any) -> None:
        log.info("signal %s: stopping", signum)
        stop.set()

    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, on_signal)
    scheduler = start_scheduler(settings, jobs, open_services)
    try:
        while not stop.wait(timeout=1):
            pass
    finally:
        scheduler.shutdown(wait=True)


def configure_logging() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    logging.getLogger("apscheduler").setLevel(logging.WARNING)

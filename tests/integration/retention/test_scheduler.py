"""The scheduler: runs are recorded, missed runs are caught up at start, every job is listed."""

from __future__ import annotations

import dataclasses
import time
from datetime import datetime, timedelta

import pytest

from archive.bootstrap import bootstrap, scheduled_jobs, start_scheduler
from archive.errors import InvalidInput
from archive.jobs import runs, scheduler
from archive.jobs.registry import Job
from archive.settings import JOB_INTERVALS, Settings
from archive.timefmt import now
from domain.base import Context
from retention import sweep
from tests.conftest import Archive
from tests.support import seed
from tests.support.retention import clip, events_of, policy


def sweeping_hourly(settings: Settings) -> Settings:
    return settings.model_copy(
        update={"job_intervals": {**settings.job_intervals, sweep.JOB: timedelta(hours=1)}}
    )


def the_sweep() -> Job:
    [job] = [job for job in scheduled_jobs() if job.name == sweep.JOB]
    return job


def wait_for_run(archive: Archive, job: str, timeout: float = 30) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done = [r for r in runs.recent_runs(archive.svc.db, job) if r["status"] != "started"]
        if done:
            return done[0]
        time.sleep(0.1)
    raise AssertionError(f"no run of {job} was recorded in {timeout} s")


def test_a_job_that_never_ran_is_caught_up_at_start_and_its_run_is_recorded(
    archive: Archive, settings: Settings
) -> None:
    policy(archive.svc, "report", 1)
    [cid] = seed.clips(archive.svc, 1)
    running = start_scheduler(sweeping_hourly(settings))
    try:
        run = wait_for_run(archive, sweep.JOB)
    finally:
        running.shutdown(wait=True)
    assert (run["trigger"], run["status"]) == ("catch-up", "finished")
    assert run["result"]["purged"] == 1 and run["result"]["leader"] is True
    assert clip(archive.svc, cid).status == "purged"
    [purged] = events_of(archive.svc, cid, "ClipPurged")
    assert (purged["actor"], purged["channel"]) == ("scheduler", "scheduler")


def test_the_next_run_follows_the_last_finished_one_unless_it_is_overdue(
    archive: Archive, settings: Settings
) -> None:
    job, svc = the_sweep(), archive.svc
    assert scheduler.first_runs(svc, {job.name: (job, timedelta(hours=1))}, now()) == {
        job.name: None  # never ran: now
    }
    runs.run_recorded(archive.svc, Context("ana"), job.name, "cli", lambda: {"leader": True})
    [last] = runs.recent_runs(archive.svc.db, job.name)
    finished = datetime.fromisoformat(last["finished_at"])
    hourly = scheduler.first_runs(svc, {job.name: (job, timedelta(hours=1))}, now())
    assert hourly == {job.name: finished + timedelta(hours=1)}
    time.sleep(1.1)
    assert scheduler.first_runs(svc, {job.name: (job, timedelta(seconds=1))}, now()) == {
        job.name: None  # missed: caught up now
    }


def test_a_failing_job_is_recorded_as_failed_and_the_scheduler_carries_on(
    archive: Archive, settings: Settings
) -> None:
    def broken(_svc: object, _ctx: object) -> None:
        raise RuntimeError("the fixity store is unreachable")

    scheduler.execute(settings, bootstrap, Job("broken", broken), "schedule")
    [run] = runs.recent_runs(archive.svc.db, "broken")
    assert run["status"] == "failed" and "unreachable" in run["error"]


def test_the_composition_root_lists_every_scheduled_job_once_with_its_interval_setting() -> None:
    names = [job.name for job in scheduled_jobs()]
    assert len(names) == len(set(names))
    assert set(names) == set(JOB_INTERVALS) >= {sweep.JOB, "checkpoint", "fixity-audit"}


def test_intervals_come_from_the_environment_as_iso_durations() -> None:
    def interval(env: dict[str, str]) -> timedelta:
        return Settings.from_env({"SAKSI_HOME": "/nonexistent", **env}).job_interval(sweep.JOB)

    assert interval({}) == timedelta(hours=1)
    assert interval({"SAKSI_SWEEP_INTERVAL": "PT30S"}) == timedelta(seconds=30)
    for bad in ("30s", "PT0S"):
        with pytest.raises(InvalidInput, match="SAKSI_SWEEP_INTERVAL"):
            interval({"SAKSI_SWEEP_INTERVAL": bad})


def test_job_results_are_recorded_as_plain_json() -> None:
    @dataclasses.dataclass
    class Sealed:
        size: int
        root: bytes

    assert runs.plain(Sealed(3, b"\x01\xff")) == {"size": 3, "root": "01ff"}
    assert runs.plain([{"kind": "missing_object"}] * 30)["count"] == 30
    assert runs.plain("done") == {"result": "done"}

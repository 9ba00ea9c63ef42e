"""Two `saksi scheduler` processes against one PostgreSQL: each due clip purged exactly once."""

from __future__ import annotations

import signal
import time
from pathlib import Path

import pytest

from archive.audit import verify as audit
from archive.jobs import runs
from archive.settings import Settings
from retention import sweep
from tests.conftest import Archive
from tests.support import processes, seed
from tests.support.principals import HOST
from tests.support.retention import policy, stored_versions, topic_counts

DUE = 300


@pytest.mark.parametrize("store_kind", ["postgres"])
def test_two_schedulers_purge_each_due_clip_exactly_once(
    archive: Archive, settings: Settings, tmp_path: Path
) -> None:
    svc = archive.svc
    policy(svc, "report", 1)
    due = seed.clips(svc, DUE)
    every_second = {"SAKSI_SWEEP_INTERVAL": "PT1S", "SAKSI_SWEEP_BATCH": "10"}
    schedulers = [
        processes.start(settings, "scheduler", log=tmp_path / f"scheduler{i}.log", **every_second)
        for i in (1, 2)
    ]
    try:
        deadline = time.monotonic() + 90
        while len(topic_counts(svc, ("ClipPurged",))["ClipPurged"]) < DUE:
            assert time.monotonic() < deadline, "the schedulers did not purge every due clip"
            assert all(p.poll() is None for p in schedulers), "a scheduler stopped"
            time.sleep(0.2)
        time.sleep(2)  # a few more rounds with nothing left to do
    finally:
        for p in schedulers:
            p.send_signal(signal.SIGTERM)
        codes = [p.wait(timeout=60) for p in schedulers]
    logs = [(tmp_path / f"scheduler{i}.log").read_text() for i in (1, 2)]
    assert codes == [0, 0], logs

    counts = topic_counts(svc, ("PurgeStarted", "ClipPurged"))
    assert counts["PurgeStarted"] == counts["ClipPurged"] == {c: 1 for c in due}
    assert all(stored_versions(svc, c) == 0 for c in due)
    svc.projector.catch_up()
    recorded = [
        r for r in runs.recent_runs(svc.db, sweep.JOB, limit=1000) if r["status"] == "finished"
    ]
    assert len({r["host"] for r in recorded}) == 2  # both schedulers ran and recorded it
    assert sum(r["result"]["purged"] for r in recorded) == DUE
    assert any(not r["result"]["leader"] for r in recorded)  # they did contend for the lead
    assert audit.verify(svc, HOST)["ok"] is True

"""A pull started from the web UI runs in the background (archive/ingest/pull_jobs.py): its
per-camera progress can be read while it runs, its outcome is recorded as a job run that stays
on the case, and a caller the pull would refuse is refused before anything is recorded."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest

from archive.cameras import changes
from archive.errors import Refused
from archive.ingest import pull_jobs
from archive.jobs.runs import recent_runs
from archive.ops import metrics
from domain.base import Context
from tests.conftest import Archive
from tests.support import flows
from tests.support.recorders import T0, Recorders

HERE = (-6.9903, 110.4229)


@pytest.fixture
def store_kind() -> str:
    return "sqlite"  # the job's records are events like any other: the store is not its point


def test_a_background_pull_shows_each_cameras_progress_then_keeps_its_outcome_on_the_case(
    archive: Archive, recorders: Recorders
) -> None:
    svc, budi = archive.svc, Context("budi")
    flows.case(svc, "R-1")
    for i, path in enumerate(("cam3", "none"), start=1):
        flows.camera(svc, f"CAM-{i}", HERE[0] + i * 0.0001, HERE[1])
        changes.set_source(
            svc, Context("dodi"), f"CAM-{i}", kind="mediamtx", url=recorders.mediamtx.url, path=path
        )
    seen: set[str] = set()
    pull_jobs.start_pull(
        svc, budi, case_id="R-1", near=HERE, radius_m=100,
        start=T0 + timedelta(seconds=4), end=T0 + timedelta(seconds=8), reason="112 report",
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while True:
        svc.projector.catch_up()
        [run] = pull_jobs.case_pulls(svc, Context("sari"), "R-1")  # an auditor reads metadata
        seen.update(p["stage"] for p in run["live"])
        if not run["running"]:
            break
        assert time.monotonic() < deadline, "the pull never ended"
        time.sleep(0.05)
    assert seen, "no progress was ever visible while the pull ran"
    assert run["status"] == "finished" and run["actor"] == "budi" and not run["interrupted"]
    assert [c["camera_id"] for c in run["result"]["ingested"]] == ["CAM-1"]
    assert [c["camera_id"] for c in run["result"]["without_footage"]] == ["CAM-2"]
    # A label per case would grow without bound: pulls stay out of the job metrics.
    labels = [labels for f in metrics.collect(svc) for labels, _ in f.samples]
    assert not [x for x in labels if x.get("job", "").startswith("case-pull")], labels


def test_a_pull_the_use_case_would_refuse_records_no_run(archive: Archive) -> None:
    svc = archive.svc
    flows.case(svc, "R-2", members=())  # eko is no member
    with pytest.raises(Refused):
        pull_jobs.start_pull(
            svc, Context("eko"), case_id="R-2", near=HERE, radius_m=100,
            start=T0, end=T0 + timedelta(seconds=4), reason="curious",
        )  # fmt: skip
    svc.projector.catch_up()
    assert recent_runs(svc.db, pull_jobs.PREFIX + "R-2") == []

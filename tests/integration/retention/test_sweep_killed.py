"""A sweep killed with SIGKILL midway, then run again, ends as an uninterrupted one would:
every due clip purged exactly once, no ClipPurged without its deletions, the log intact."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time

import pytest

from archive.audit import verify as audit
from archive.custody import retrieval
from archive.settings import Settings
from retention import holds
from tests.conftest import Archive
from tests.support import processes, seed
from tests.support.principals import HOST
from tests.support.retention import ANA, clip, events_of, policy, stored_versions, topic_counts

DUE = 300


def kill_between_deletion_and_record(
    archive: Archive, proc: subprocess.Popen[str], keys: dict[str, str]
) -> set[str]:
    """Freeze the sweep now and then (SIGSTOP) until it is caught with some purges recorded
    and a clip whose content is deleted but whose ClipPurged is not; SIGKILL it there.
    Returns the clips whose purge had begun and not been recorded."""
    svc = archive.svc
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        time.sleep(0.002)
        os.kill(proc.pid, signal.SIGSTOP)
        counts = topic_counts(svc, ("PurgeStarted", "ClipPurged"))
        in_flight = set(counts["PurgeStarted"]) - set(counts["ClipPurged"])
        deleted = [c for c in in_flight if not svc.objects.versions(keys[c])]
        if len(counts["ClipPurged"]) >= 20 and deleted:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
            return in_flight
        os.kill(proc.pid, signal.SIGCONT)
        if proc.poll() is not None:
            break
    proc.kill()
    pytest.fail(f"the sweep was not caught midway (exit {proc.wait()}): {proc.stderr.read()}")


def test_a_sweep_killed_midway_and_run_again_purges_each_due_clip_once(
    archive: Archive, settings: Settings
) -> None:
    svc = archive.svc
    policy(svc, "report", 1)
    due = seed.clips(svc, DUE)
    [held] = seed.clips(svc, 1)
    holds.set_hold(svc, ANA, on=True, reason="court order", clip_id=held)
    keys = {c: clip(svc, c).storage["key"] for c in due}
    token = archive.tokens["ana"]  # the sweep runs as the admin ana, proven by her token

    sweeper = processes.start(
        settings, "retention", "sweep", "--json", SAKSI_SWEEP_BATCH="10", SAKSI_TOKEN=token
    )
    in_flight = kill_between_deletion_and_record(archive, sweeper, keys)

    rerun = processes.run(settings, "retention", "sweep", "--json", SAKSI_TOKEN=token)
    assert rerun.returncode == 0, rerun.stderr
    result = json.loads(rerun.stdout)
    assert set(result["resumed"]) == in_flight  # finished what the killed sweep began
    assert result["kept_on_hold"] == [held] and result["errors"] == []

    # The same end state as an uninterrupted sweep: each due clip purged exactly once, its
    # content gone; the held clip untouched; no ClipPurged recorded before its deletions.
    counts = topic_counts(svc, ("PurgeStarted", "ClipPurged"))
    assert counts["PurgeStarted"] == counts["ClipPurged"] == {c: 1 for c in due}
    svc.projector.catch_up()
    assert {retrieval.show_clip(svc, HOST, c)["status"] for c in due} == {"purged"}
    assert all(stored_versions(svc, c) == 0 for c in due)
    assert clip(svc, held).status == "active" and stored_versions(svc, held) == 1
    for c in due:
        [purged] = events_of(svc, c, "ClipPurged")
        actions = {o["action"] for o in purged["objects"]}
        assert actions == {"deleted"} or (c in in_flight and actions == {"absent"}), (c, actions)
    assert audit.verify(svc, HOST)["ok"] is True
    again = json.loads(
        processes.run(settings, "retention", "sweep", "--json", SAKSI_TOKEN=token).stdout
    )
    assert (again["purged"], again["resumed"]) == ([], [])

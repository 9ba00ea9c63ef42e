"""Crashes: SIGKILL of a server during uploads, of the sealer during sealing, of the sweeper
during a sweep. After a restart nothing acknowledged is lost, nothing is duplicated, and the
ledger verifies."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest

from archive.audit import fixity
from archive.bootstrap import bootstrap
from archive.services import Services
from domain.base import Context
from domain.camera import Camera
from retention import policies
from tests.support import outcome, report, seed
from tests.support.cluster import Cluster
from tests.support.faults import kill_when, wait_for
from tests.support.load import Tally, run_clients, transport_errors
from tests.support.retention import stored_versions, topic_counts, wait_until_expired

pytestmark = pytest.mark.reliability

QUIET = {"SAKSI_SWEEP_INTERVAL": "P1D", "SAKSI_CHECKPOINT_INTERVAL": "P1D"}
QUIET["SAKSI_FIXITY_INTERVAL"] = "P1D"


@contextmanager
def services(cluster: Cluster) -> Iterator[Services]:
    svc = bootstrap(cluster.settings)
    try:
        yield svc
    finally:
        svc.close()


def final_audit(cluster: Cluster) -> dict[str, object]:
    """Seal what is left, then replay the ledger and re-hash every object."""
    sealed = cluster.run("audit", "checkpoint")
    assert sealed.returncode == 0, sealed.stderr
    verified = cluster.run("audit", "verify", "--fixity", "--json")
    assert verified.returncode == 0, verified.stdout[-3000:] + verified.stderr
    return dict(json.loads(verified.stdout))


def test_a_server_killed_during_uploads_loses_nothing_it_acknowledged(
    cluster: Cluster, footage_bases: list[bytes]
) -> None:
    a, b = cluster.serve("api-a"), cluster.serve("api-b")
    tally = Tally()
    clients = threading.Thread(
        target=run_clients,
        args=(cluster, [a, b], footage_bases, tally),
        kwargs={"seconds": 25, "ingesters": 6, "readers": 2},
    )
    clients.start()
    wait_for("first uploads", lambda: len(tally.acknowledged) >= 4, timeout=60)
    # Killed while it is receiving or ingesting at least two uploads.
    killed = kill_when(a.proc, lambda: tally.in_flight[a.port or 0] >= 2)
    restarted = cluster.serve("api-a", port=a.port)
    recovery = time.monotonic() - killed
    clients.join()
    assert restarted.proc.poll() is None

    verified = final_audit(cluster)
    with services(cluster) as svc:
        found = outcome.check_ingests(svc, tally.acknowledged)
        log = outcome.ledger(svc)
        orphans = len(fixity.find_orphans(svc))
    cut, refused = transport_errors(tally, "ingest")
    figures = {
        **found.figures(),
        "uploads_cut_by_the_kill": cut,
        "uploads_refused_while_down": refused,
        "orphan_objects_left_for_the_sweep": orphans,
        "recovery_s": round(recovery, 2),
        "statuses": dict(tally.statuses),
        "ledger_events": log.events,
    }
    report.record("crash_server_during_uploads", figures)
    assert cut >= 1, tally.statuses  # the kill did land on uploads under way
    assert (found.lost, found.duplicated, found.events_without_content) == ([], 0, 0)
    assert verified["ok"] is True and log.one_leaf_per_event


def leaves(svc: Services) -> int:
    with svc.db.tx(write=False) as tx:
        row = tx.one("SELECT count(*) AS n FROM ledger_leaves")
    return int(row["n"]) if row else 0


def latest_checkpoint(svc: Services) -> int:
    with svc.db.tx(write=False) as tx:
        row = tx.one("SELECT max(tree_size) AS n FROM ledger_checkpoints")
    return int(row["n"] or 0) if row else 0


def test_the_sealer_killed_during_sealing_resumes_with_one_leaf_per_event(
    cluster: Cluster,
) -> None:
    with services(cluster) as svc:
        # Enough events for two sealing batches (20,000 each): cameras, saved 500 at a time.
        ctx, batch = Context("dodi"), []
        for i in range(30_000):
            batch.append(Camera.register(f"SEED-{i:05d}", "seed", "public", "Seed", ctx))
            if len(batch) == 500:
                svc.store.save(*batch)
                batch = []
        svc.projector.catch_up()
        events = outcome.ledger(svc).events
        sealer = cluster.scheduler("sealer", **{**QUIET, "SAKSI_CHECKPOINT_INTERVAL": "PT2S"})
        killed = kill_when(sealer.proc, lambda: 0 < leaves(svc) < events)
        at_kill = leaves(svc)
        cluster.scheduler("sealer-again", **{**QUIET, "SAKSI_CHECKPOINT_INTERVAL": "PT2S"})
        wait_for("a checkpoint over every event", lambda: latest_checkpoint(svc) >= events)
        recovery = time.monotonic() - killed
    cluster.shutdown()

    verified = final_audit(cluster)
    with services(cluster) as svc:
        log = outcome.ledger(svc)
    figures = {
        "acknowledged": events,
        "lost": events - log.leaves if log.leaves < events else 0,
        "duplicated": log.leaves - log.distinct_leaf_positions,
        "leaves_sealed_at_the_kill": at_kill,
        "recovery_s": round(recovery, 2),
        "ledger_events": log.events,
        "ledger_leaves": log.leaves,
    }
    report.record("crash_sealer_during_sealing", figures)
    assert 0 < at_kill < events
    assert verified["ok"] is True and log.one_leaf_per_event, log


def test_the_sweeper_killed_during_a_sweep_purges_each_due_clip_once(cluster: Cluster) -> None:
    with services(cluster) as svc:
        policies.set_policy(
            svc, Context("ana"), retention_class="report", keep=timedelta(seconds=1), reason="test"
        )
        due = seed.clips(svc, 200)
        wait_until_expired(svc, *due)
        env = {**QUIET, "SAKSI_SWEEP_INTERVAL": "PT1H", "SAKSI_SWEEP_BATCH": "10"}
        env["SAKSI_RECOVERY_WINDOW"] = "PT0S"  # the purge itself: no recovery window to wait
        sweeper = cluster.scheduler("sweeper", **env)

        def midway() -> bool:
            counts = topic_counts(svc, ("PurgeStarted", "ClipPurged"))
            return len(counts["ClipPurged"]) >= 20 and bool(
                set(counts["PurgeStarted"]) - set(counts["ClipPurged"])
            )

        killed = kill_when(sweeper.proc, midway)
        counts = topic_counts(svc, ("PurgeStarted", "ClipPurged"))
        in_flight = len(set(counts["PurgeStarted"]) - set(counts["ClipPurged"]))
        # The killed run never finished, so the next scheduler catches the sweep up at start.
        cluster.scheduler("sweeper-again", **env)
        wait_for(
            "every due clip purged",
            lambda: len(topic_counts(svc, ("ClipPurged",))["ClipPurged"]) == len(due),
        )
        recovery = time.monotonic() - killed
        counts = topic_counts(svc, ("PurgeStarted", "ClipPurged"))
        left = sum(stored_versions(svc, c) for c in due)
    cluster.shutdown()

    verified = final_audit(cluster)
    twice = sum(n - 1 for name in counts for n in counts[name].values())
    figures = {
        "acknowledged": len(due),  # clips due for purging
        "lost": len(due) - len(counts["ClipPurged"]),  # due clips never purged
        "duplicated": twice,  # purges recorded twice
        "purges_in_flight_at_the_kill": in_flight,
        "object_versions_left": left,
        "recovery_s": round(recovery, 2),
    }
    report.record("crash_sweeper_during_sweep", figures)
    assert in_flight > 0
    assert counts["PurgeStarted"] == counts["ClipPurged"] == {c: 1 for c in due}
    assert left == 0 and verified["ok"] is True

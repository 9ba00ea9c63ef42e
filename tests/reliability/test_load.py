"""Load: ingesters and readers through two `saksi serve` processes while a `saksi scheduler`
seals, sweeps and audits, all on one PostgreSQL database and one S3 bucket. Afterwards every
acknowledged ingest has its event and its content, no event lacks content, the audit passes
with fixity, and the Merkle log holds exactly one leaf per event."""

from __future__ import annotations

import json
import os
import time

import pytest

from archive.bootstrap import bootstrap
from tests.support import outcome, report
from tests.support.cluster import Cluster
from tests.support.load import Tally, run_clients

pytestmark = pytest.mark.reliability

SECONDS = float(os.environ.get("SAKSI_RELIABILITY_LOAD_S", "45"))  # two fixity cycles and more
INGESTERS = 8
READERS = 8


def test_two_servers_and_a_scheduler_under_load_lose_and_duplicate_nothing(
    cluster: Cluster, footage_bases: list[bytes]
) -> None:
    api = [cluster.serve("api-a"), cluster.serve("api-b")]
    scheduler = cluster.scheduler(
        SAKSI_CHECKPOINT_INTERVAL="PT5S",
        SAKSI_SWEEP_INTERVAL="PT10S",
        SAKSI_FIXITY_INTERVAL="PT20S",
    )
    tally = Tally()
    began = time.monotonic()
    run_clients(
        cluster, api, footage_bases, tally, seconds=SECONDS, ingesters=INGESTERS, readers=READERS
    )
    elapsed = time.monotonic() - began
    assert scheduler.stop() == 0, scheduler.tail()

    # A final seal, then the whole ledger replayed with every object re-hashed.
    sealed = cluster.run("audit", "checkpoint")
    assert sealed.returncode == 0, sealed.stderr
    verified = cluster.run("audit", "verify", "--fixity", "--json")
    assert verified.returncode == 0, verified.stdout[-3000:] + verified.stderr
    svc = bootstrap(cluster.settings)
    try:
        found = outcome.check_ingests(svc, tally.acknowledged)
        log = outcome.ledger(svc)
        runs = svc.db.tx(write=False)
        with runs as tx:
            jobs = tx.all("SELECT job, status, count(*) AS n FROM rm_job_runs GROUP BY job, status")
    finally:
        svc.close()
    ingests_ok, ingests_failed = tally.count("ingest", {201})
    reads_ok, reads_failed = tally.count("read", {200, 206})
    lists_ok, lists_failed = tally.count("list", {200})
    figures = {
        "seconds": round(elapsed, 1),
        "servers": 2,
        "ingesters": INGESTERS,
        "readers": READERS,
        "ingests_per_s": round(ingests_ok / elapsed, 2),
        "reads_per_s": round((reads_ok + lists_ok) / elapsed, 2),
        **found.figures(),
        "ingests_failed": ingests_failed,
        "reads_acknowledged": reads_ok,
        "reads_failed": reads_failed + lists_failed,
        "ledger_events": log.events,
        "ledger_leaves": log.leaves,
        "scheduler_runs": {f"{r['job']} {r['status']}": int(r["n"]) for r in jobs},
        "audit_verify_fixity_exit": verified.returncode,
        "recovery_s": 0.0,
        **tally.figures(),
    }
    report.record("load", figures)
    print(json.dumps(figures, indent=2))

    assert ingests_ok > 0 and reads_ok > 0
    assert (found.lost, found.duplicated, found.events_without_content) == ([], 0, 0)
    assert ingests_failed == 0 and reads_failed + lists_failed == 0, tally.statuses
    assert tally.mismatches == []
    assert log.one_leaf_per_event, log
    assert json.loads(verified.stdout)["ok"] is True

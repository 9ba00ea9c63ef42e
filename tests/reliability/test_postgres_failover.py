"""The PostgreSQL primary dies under load and its standby is promoted.

A primary with a synchronous hot standby (tests/support/pg_standby.py); SAKSI_EVENT_STORE lists
both with `target_session_attrs=read-write`. Two API servers take uploads and reads, two
schedulers seal and sweep. With a sweep half done, replication stalls (the primary's WAL
sender frozen: the standby gets nothing more), then the primary dies (SIGKILL to all of it),
and after DECIDE_S the standby is promoted, as a failover manager would. Shown: the API
answers 503 meanwhile and writes again on its own; no acknowledged upload or custody event is
lost or recorded twice; the chains and the Merkle log continue (`audit verify`); the sweep is
finished exactly once by whichever scheduler takes the lock on the new primary.

By hand, `SAKSI_RELIABILITY_PG_SYNC=off make test-reliability` (or pytest on this file) runs
the same drill with an asynchronous standby: it then reports what was acknowledged during the
stall and lost with the primary, and fails.
"""

from __future__ import annotations

import json
import os
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from archive.bootstrap import bootstrap
from archive.services import Services
from archive.settings import Settings
from tests.support import outcome, report, seed
from tests.support.cluster import UNLIMITED, Cluster, Node, ready
from tests.support.faults import frozen_when, wait_for
from tests.support.load import Tally, first_ack_begun_after, run_clients, server_errors, window
from tests.support.pg_standby import ReplicatedPostgres, start_replicated_postgres
from tests.support.retention import policy, topic_counts, wait_until_expired

pytestmark = pytest.mark.reliability

SYNCHRONOUS = os.environ.get("SAKSI_RELIABILITY_PG_SYNC", "on") != "off"
STALL_S = 1.5  # replication stalls this long before the primary dies
# The primary is dead this long before the standby is promoted: longer than the 10 s a request
# waits for a pooled connection, so that requests meet the switch, not only /ready (a failover
# manager takes as long or longer: Patroni's default leader TTL is 30 s).
DECIDE_S = 12.0
AFTER_S = 3.0  # load after writes resumed
DUE = 40  # clips the interrupted sweep purges
SCHEDULER = {
    "SAKSI_SWEEP_INTERVAL": "PT2S",
    "SAKSI_CHECKPOINT_INTERVAL": "PT2S",
    "SAKSI_FIXITY_INTERVAL": "P1D",
    "SAKSI_SWEEP_BATCH": "10",
    "SAKSI_RECOVERY_WINDOW": "PT0S",  # the purge itself, no recovery window to wait
}
ACKNOWLEDGED = ("200", "201", "206")


@pytest.fixture
def pg_pair() -> Iterator[ReplicatedPostgres]:
    pair = start_replicated_postgres(synchronous=SYNCHRONOUS)
    yield pair
    pair.destroy()


@pytest.fixture
def failover_cluster(pg_pair: ReplicatedPostgres, tmp_path: Path) -> Iterator[Cluster]:
    """An archive on the pair (the file store for content: this drill is the database's)."""
    pg_pair.create_database("saksi_failover")
    home = tmp_path / "home"
    settings = Settings(
        home=home,
        event_store=pg_pair.url("saksi_failover", f"f_{uuid.uuid4().hex[:12]}"),
        object_store=f"file://{tmp_path}/objects",
        signing_key=home / "keys" / "checkpoint.key",
    )
    c = Cluster(settings, tmp_path, env=dict(UNLIMITED))
    c.setup()
    yield c
    c.shutdown()


@dataclass
class Switch:
    """When each step of the failover came (monotonic seconds), and what was seen then."""

    sweep: dict[str, int]  # purged and purging when replication stalled
    stalled: float
    killed: float
    ready_during: list[tuple[int, dict[str, bool]]]
    promote_s: float
    promoted: float
    promoted_wall: datetime


def fail_over(
    pair: ReplicatedPostgres, svc: Services, schedulers: list[Node], api: list[Node]
) -> Switch:
    """Caught with a sweep half done, replication stalls: from then on the standby gets
    nothing. Synchronous, every commit waits for it (the sweep's next one too), so none is
    acknowledged; asynchronous, they are acknowledged and die with the primary."""
    sweep: dict[str, int] = {}

    def half_done() -> bool:
        counts = topic_counts(svc, ("PurgeStarted", "ClipPurged"))
        sweep["purged"] = len(counts["ClipPurged"])
        sweep["purging"] = len(set(counts["PurgeStarted"]) - set(counts["ClipPurged"]))
        return sweep["purged"] >= 5 and sweep["purging"] > 0

    with frozen_when([s.proc for s in schedulers], half_done):
        pair.stall_replication()  # its WAL sender dies with the primary
        stalled = time.monotonic()
    time.sleep(STALL_S)
    pair.primary.kill()
    killed = time.monotonic()
    during = [ready(node) for node in api]
    time.sleep(max(0.0, DECIDE_S - (time.monotonic() - killed)))
    promote_s = pair.promote()
    return Switch(
        sweep, stalled, killed, during, promote_s, time.monotonic(), datetime.now(UTC)
    )  # fmt: skip


def sweep_runs(svc: Services) -> list[dict[str, Any]]:
    svc.projector.catch_up()
    with svc.db.tx(write=False) as tx:
        rows = tx.all(
            "SELECT host, status, started_at, result_json, error FROM rm_job_runs "
            "WHERE job = 'retention-sweep' ORDER BY started_at"
        )
    return [
        {**r, "result": json.loads(r["result_json"]) if r["result_json"] else None} for r in rows
    ]


def recovery(tally: Tally, switch: Switch, ready_again: float) -> dict[str, Any]:
    """How long the switch was felt, from the clients' side."""
    first_ack = first_ack_begun_after(tally, switch.promoted)
    assert first_ack is not None
    writes_again = min(end for _began, end in tally.acks if end >= switch.promoted)
    answers_503 = window(tally, "503", switch.killed)
    stalled = sum(
        1
        for began, ended, op, status in tally.timeline
        if switch.stalled <= began and ended < switch.killed and op in ("ingest", "read")
        and status in ACKNOWLEDGED
    )  # fmt: skip
    return {
        # Writes begun and acknowledged while the standby got nothing: synchronous, none can
        # be (each waits for the standby); asynchronous, these are what the primary took along.
        "writes_acknowledged_during_the_stall": stalled,
        "replication_stall_s": round(switch.killed - switch.stalled, 2),
        "primary_dead_before_promotion_s": round(
            switch.promoted - switch.killed - switch.promote_s, 2
        ),
        "promote_s": round(switch.promote_s, 2),
        # The API's own recovery after the promotion, with no restart: the first upload
        # acknowledged (one waiting in a pool), /ready on both servers, and the first upload
        # begun after the promotion acknowledged (a whole upload's time included).
        "writes_resumed_s": round(writes_again - switch.promoted, 2),
        "ready_again_s": round(ready_again - switch.promoted, 2),
        "recovery_s": round(first_ack - switch.promoted, 2),
        # From the kill: no write could succeed until writes resumed; a request that waited
        # for a pooled connection longer than the pool's wait (5-10 s) was answered 503.
        "unavailable_s": round(writes_again - switch.killed, 2),
        "window_503_s": [round(t - switch.killed, 2) for t in answers_503] if answers_503 else [],
        "answers_503": sum(n for k, n in tally.statuses.items() if k.endswith(" 503")),
        "ready_during_switch": [{"status": s, **checks} for s, checks in switch.ready_during],
    }


def test_the_postgresql_primary_killed_under_load_fails_over_to_its_standby_losing_nothing(
    failover_cluster: Cluster, pg_pair: ReplicatedPostgres, footage_bases: list[bytes]
) -> None:
    cluster = failover_cluster
    svc = bootstrap(cluster.settings)  # the test's own client: its pools fail over too
    try:
        replication = pg_pair.streaming()
        # Two schedulers: the sweep lock decides which one sweeps, before and after.
        schedulers = [cluster.scheduler(f"scheduler-{n}", **SCHEDULER) for n in "ab"]
        api = cluster.serve_all("api-a", "api-b")
        tally = Tally(tag_reads=True)  # each read's custody event is looked for afterwards
        clients = threading.Thread(
            target=run_clients,
            args=(cluster, api, footage_bases, tally),
            kwargs={"seconds": 300, "ingesters": 4, "readers": 2},
        )
        clients.start()
        wait_for("first uploads", lambda: len(tally.acknowledged) >= 4, timeout=60)
        # Clips for the next sweep, due at once (recorded an hour ago, kept a second); the
        # uploads go to an open case, which keeps them.
        policy(svc, "report", 1)
        due = seed.clips(svc, DUE)
        wait_until_expired(svc, *due)
        svc.projector.catch_up()

        switch = fail_over(pg_pair, svc, schedulers, api)
        wait_for("an upload acknowledged", lambda: first_ack_begun_after(tally, switch.promoted))
        ready_again = switch.promoted + wait_for(
            "both servers ready", lambda: all(ready(n)[0] == 200 for n in api), timeout=60
        )
        time.sleep(AFTER_S)
        tally.stop.set()
        clients.join()
        wait_for(
            "every due clip purged",
            lambda: len(topic_counts(svc, ("ClipPurged",))["ClipPurged"]) == len(due),
            timeout=90,
        )
        for s in schedulers:
            assert s.stop() == 0, s.tail()
        for node in api:
            assert node.stop() == 0, node.tail()  # up all along; its CPU to the audit now
        verified = cluster.sealed_audit()
        found = outcome.check_ingests(svc, tally.acknowledged)
        views_lost = outcome.reads_lost(svc, tally.reads_acknowledged)
        log = outcome.ledger(svc)
        counts = topic_counts(svc, ("PurgeStarted", "ClipPurged"))
        runs = sweep_runs(svc)
    finally:
        svc.close()

    led = [r for r in runs if r["result"] and r["result"]["leader"]]
    led_after = [r for r in led if datetime.fromisoformat(r["started_at"]) > switch.promoted_wall]
    figures = {
        **found.figures(),
        "synchronous": SYNCHRONOUS,
        "replication_before": replication,
        # A read answered 200/206 is an acknowledged custody event (ClipViewed/Downloaded).
        "reads_acknowledged": len(tally.reads_acknowledged),
        "reads_lost": len(views_lost),
        **recovery(tally, switch, ready_again),
        "unexpected_answers": server_errors(tally),
        "sweep_when_replication_stalled": switch.sweep,
        "sweep_runs_leading_after_the_switch": len(led_after),
        "sweep_runs_that_finished_the_sweep": [
            {k: r["result"][k] for k in ("resumed", "purged")} | {"host": r["host"]}
            for r in led_after
            if r["result"]["resumed"] or r["result"]["purged"]
        ],
        "sweep_runs_not_finished": [
            {"host": r["host"], "status": r["status"], "error": r["error"]}
            for r in runs
            if r["status"] != "finished"
        ],
        "due_clips": len(due),
        "due_clips_purged": len(counts["ClipPurged"]),
        "purges_recorded_twice": sum(n - 1 for c in counts.values() for n in c.values()),
        "ledger_events": log.events,
        "ledger_leaves": log.leaves,
        "audit_verify_ok": verified["ok"],
        "audit_problems": verified["problems"][:5],
        "statuses": dict(tally.statuses),
        "first_errors": tally.errors[:5],
    }
    report.record("postgresql_primary_lost", figures)
    print(json.dumps(figures, indent=2))

    assert (found.lost, found.duplicated, found.events_without_content) == ([], 0, 0), figures
    assert views_lost == [], figures
    assert verified["ok"] is True and log.one_leaf_per_event, (verified["problems"][:5], log)
    assert counts["PurgeStarted"] == counts["ClipPurged"] == {c: 1 for c in due}
    assert 0 < switch.sweep["purged"] < len(due)  # the switch came in the middle of the sweep
    # A sweep under the lock on the new primary finished the interrupted one.
    assert any(r["result"]["resumed"] or r["result"]["purged"] for r in led_after), runs
    assert all(s == 503 and checks["event_store"] is False for s, checks in switch.ready_during)
    assert figures["answers_503"] > 0 and server_errors(tally) == {}, tally.statuses
    if SYNCHRONOUS:  # each write begun in the stall waited for the standby, none came back
        assert figures["writes_acknowledged_during_the_stall"] == 0, figures

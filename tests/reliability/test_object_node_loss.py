"""One node of the object store dies under load, and comes back.

A SeaweedFS cluster (tests/support/seaweed_cluster.py): one master, three volume servers that
keep two copies of every object on two of them, a filer and the S3 gateway with object lock.
Two API servers take uploads and reads, and legal holds are placed through the API meanwhile.
One volume server is SIGKILLed with uploads under way and comes back on its own disk after
LOSS_S. Shown: every acknowledged upload reads back byte for byte with its COMPLIANCE lock and,
where one was placed, its legal hold; reads kept working from the surviving copies; an upload
either succeeded or got a 503 and left nothing recorded; once the node is back every volume
has its two copies and `audit verify --fixity` is clean.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from archive.audit import fixity
from archive.bootstrap import bootstrap
from archive.services import Services
from archive.settings import Settings
from domain.clip import Clip
from retention import calc as retention_calc
from tests.support import outcome, report
from tests.support.cluster import UNLIMITED, Cluster, Node
from tests.support.faults import wait_for
from tests.support.load import Tally, first_ack_begun_after, run_clients, server_errors
from tests.support.seaweed_cluster import REPLICATION, SeaweedCluster, start_seaweed_cluster

pytestmark = pytest.mark.reliability

LOSS_S = 10.0  # the volume server is away this long, under load
LOST = 1  # which volume server dies


@pytest.fixture
def s3_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SeaweedCluster]:
    cluster = start_seaweed_cluster(tmp_path_factory.mktemp("rel-seaweed-cluster"))
    yield cluster
    cluster.discard()


@pytest.fixture
def object_node_cluster(
    rel_settings: Settings, s3_cluster: SeaweedCluster, tmp_path: Path
) -> Iterator[Cluster]:
    """An archive on the private PostgreSQL and a fresh bucket of the SeaweedFS cluster."""
    bucket = s3_cluster.url(f"n-{uuid.uuid4().hex[:16]}")
    c = Cluster(
        rel_settings.model_copy(update={"object_store": bucket}), tmp_path, env=dict(UNLIMITED)
    )
    c.setup()
    yield c
    c.shutdown()


def holder(cluster: Cluster, node: Node, tally: Tally, held: dict[str, int]) -> None:
    """Places a legal hold on every third acknowledged clip through the API, as the case's
    lead, until the clients stop; `held`: clip id -> the status of its hold request."""
    with cluster.client(node, "budi") as client:
        while not tally.stop.is_set():
            with tally.lock:
                clips = [body["clip_id"] for body in tally.acknowledged.values()][::3]
            for clip_id in (c for c in clips if c not in held):
                began = time.monotonic()
                try:
                    status: int | str = client.post(
                        "/api/holds", json={"clip_id": clip_id, "reason": "node loss drill"}
                    ).status_code
                except httpx.TransportError as e:
                    status = type(e).__name__
                tally.note("hold", status, time.monotonic() - began)
                held[clip_id] = status if isinstance(status, int) else 0
            time.sleep(0.3)


def check_objects(svc: Services, tally: Tally, held: dict[str, int]) -> dict[str, list[str]]:
    """Each acknowledged clip's object, read back whole and compared with the bytes sent; its
    lock at least the clip's store lock; its legal hold on exactly where one was acknowledged.
    Returns the clips that fail each check."""
    failed: dict[str, list[str]] = {"bytes": [], "lock": [], "hold": [], "hold_unasked": []}
    policies = retention_calc.Policies.read(svc.db)
    for body in tally.acknowledged.values():
        clip = svc.events.find(Clip, uuid.UUID(body["clip_id"]))
        assert clip is not None
        key, version = clip.storage["key"], clip.storage.get("version_id")
        with svc.objects.open(key, version) as f:
            if f.read() != tally.contents[clip.sha256]:
                failed["bytes"].append(clip.clip_id)
        info = svc.objects.stat(key, version)
        lock = policies.store_lock(clip.start, clip.retention_class, clip.retain_until)
        if info.retain_until is None or info.retain_until < lock - timedelta(seconds=1):
            failed["lock"].append(clip.clip_id)
        if held.get(clip.clip_id) == 201 and not (info.legal_hold and clip.legal_hold):
            failed["hold"].append(clip.clip_id)
        if clip.clip_id not in held and info.legal_hold:
            failed["hold_unasked"].append(clip.clip_id)
    return failed


def test_a_volume_server_killed_under_load_loses_no_object_lock_or_hold(
    object_node_cluster: Cluster, s3_cluster: SeaweedCluster, footage_bases: list[bytes]
) -> None:
    cluster = object_node_cluster
    bucket = cluster.settings.object_store.rsplit("/", 1)[1]  # a collection in SeaweedFS
    api = cluster.serve_all("api-a", "api-b")
    tally = Tally()
    held: dict[str, int] = {}
    workers = [
        threading.Thread(
            target=run_clients,
            args=(cluster, api, footage_bases, tally),
            kwargs={"seconds": 300, "ingesters": 4, "readers": 2},
        ),
        threading.Thread(target=holder, args=(cluster, api[1], tally, held)),
    ]
    for w in workers:
        w.start()
    try:
        wait_for("first uploads", lambda: len(tally.acknowledged) >= 6, timeout=90)
        copies_before = s3_cluster.copies(bucket)
        on_the_lost_server = len(s3_cluster.volume_ids(LOST, bucket))
        wait_for("uploads in flight", lambda: sum(tally.in_flight.values()) >= 2, every=0.01)
        s3_cluster.kill_volume_server(LOST)
        killed = time.monotonic()
        noticed = wait_for("the master sees it gone", lambda: s3_cluster.volume_servers_up() == 2)
        time.sleep(max(0.0, LOSS_S - (time.monotonic() - killed)))
        s3_cluster.restart_volume_server(LOST)
        back = time.monotonic()
        restored = wait_for("two copies again", lambda: set(s3_cluster.copies(bucket)) == {2})
        wait_for("an upload since its return", lambda: first_ack_begun_after(tally, back))
    finally:
        tally.stop.set()
        for w in workers:
            w.join(300)
    for node in api:
        assert node.stop() == 0, node.tail()  # up all along; its CPU to the audit now
    while_down = [(op, status) for _b, at, op, status in tally.timeline if killed <= at <= back]
    reads_while_down = Counter(status for op, status in while_down if op == "read")

    verified = cluster.sealed_audit()
    svc = bootstrap(cluster.settings)
    try:
        found = outcome.check_ingests(svc, tally.acknowledged)
        failed = check_objects(svc, tally, held)
        orphans = len(fixity.find_orphans(svc))
    finally:
        svc.close()
    copies_after = s3_cluster.copies(bucket)
    first_write = first_ack_begun_after(tally, killed)
    figures: dict[str, Any] = {
        **found.figures(),
        "volume_servers": len(s3_cluster.volumes),
        "replication": REPLICATION,
        "bucket_volumes_with_a_copy_on_the_lost_server": on_the_lost_server,
        "volume_server_down_s": round(back - killed, 2),
        "master_noticed_s": round(noticed, 2),
        # Writes never stopped: an upload begun after the kill was acknowledged this soon.
        "recovery_s": round((first_write or killed) - killed, 2),
        "copies_restored_s": round(restored, 2),
        "uploads_acknowledged_while_down": sum(1 for w in while_down if w == ("ingest", "201")),
        "reads_while_down": dict(reads_while_down),
        "uploads_refused": tally.count("ingest", {201})[1],
        "holds_acknowledged": sum(1 for s in held.values() if s == 201),
        **{f"{check}_failed": len(clips) for check, clips in failed.items()},
        "volumes_by_copies_before": {str(k): n for k, n in sorted(copies_before.items())},
        "volumes_by_copies_after": {str(k): n for k, n in sorted(copies_after.items())},
        "orphan_objects_left_for_the_sweep": orphans,
        "audit_verify_fixity_ok": verified["ok"],
        "audit_problems": verified["problems"][:5],
        "unexpected_answers": server_errors(tally),
        "statuses": dict(tally.statuses),
        "first_errors": tally.errors[:5],
    }
    report.record("s3_volume_server_lost", figures)
    print(json.dumps(figures, indent=2))

    assert (found.lost, found.duplicated, found.events_without_content) == ([], 0, 0), figures
    assert all(clips == [] for clips in failed.values()), failed
    assert on_the_lost_server > 0 and figures["holds_acknowledged"] > 0
    assert figures["uploads_acknowledged_while_down"] > 0
    # Reads keep working from the surviving copies; an upload succeeds or gets a clear 503
    # and leaves nothing recorded.
    assert reads_while_down and set(reads_while_down) <= {"200", "206"}, reads_while_down
    assert server_errors(tally) == {} and found.recorded_unacknowledged == 0, figures
    assert verified["ok"] is True, verified["problems"][:5]
    assert set(copies_after) == {2}, copies_after  # back: every volume has its two copies

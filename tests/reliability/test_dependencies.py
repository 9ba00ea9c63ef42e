"""Dependencies failing under load: PostgreSQL restarted, the S3 server stopped and started,
the file store's disk full. During the fault the API answers 503 (and `/ready` says which
store is down), the CLI exits 3; afterwards it recovers on its own, with no partial state."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from archive.audit import fixity
from archive.bootstrap import bootstrap
from archive.settings import Settings
from tests.support import outcome, processes, report
from tests.support.cluster import Cluster, ready, upload, variant
from tests.support.faults import wait_for
from tests.support.load import Tally, first_ack_begun_after, run_clients, server_errors
from tests.support.postgres import PrivatePostgres
from tests.support.seaweed import SeaweedServer

pytestmark = pytest.mark.reliability

# PostgreSQL stays away longer than the 10 s a request waits for a pooled connection, so that
# requests (not only /ready) meet the outage; a shorter one is ridden out by waiting.
PG_OUTAGE_S = 12.0
S3_OUTAGE_S = 4.0


def fault_under_load(
    cluster: Cluster,
    bases: list[bytes],
    stop: Callable[[], None],
    start: Callable[[], None],
    store: str,
    outage_s: float,
) -> dict[str, object]:
    """Two servers under load; the store goes away for a while, then comes back. Returns the
    figures; asserts what the API said while it was away and that it recovered."""
    api = [cluster.serve("api-a"), cluster.serve("api-b")]
    tally = Tally()
    clients = threading.Thread(
        target=run_clients,
        args=(cluster, api, bases, tally),
        kwargs={"seconds": 30, "ingesters": 4, "readers": 4},
    )
    clients.start()
    wait_for(
        "uploads in flight", lambda: sum(tally.in_flight.values()) >= 2, timeout=60, every=0.01
    )
    acknowledged_before = len(tally.acknowledged)
    stop()
    down_at = time.monotonic()
    during = [ready(node) for node in api]
    recording = cluster.folder / "cli.mp4"
    recording.write_bytes(variant(bases[0], "cli"))
    cli = cluster.run("ingest", "--camera", "SMG-REL-0001", "--source", str(recording),
                      "--reason", "outage", user="budi")  # fmt: skip
    time.sleep(max(0.0, outage_s - (time.monotonic() - down_at)))
    start()
    up_at = time.monotonic()
    during_503 = tally.statuses.copy()
    ready_again = up_at + wait_for(
        "both servers ready", lambda: all(ready(node)[0] == 200 for node in api), timeout=60
    )
    wait_for("an upload acknowledged", lambda: first_ack_begun_after(tally, up_at), timeout=60)
    clients.join()
    first_ack = first_ack_begun_after(tally, up_at)
    assert first_ack is not None and len(tally.acknowledged) > acknowledged_before
    # Let the servers' last requests end before the ledger is sealed.
    for node in api:
        assert node.proc.poll() is None, node.tail()

    sealed = cluster.run("audit", "checkpoint")
    assert sealed.returncode == 0, sealed.stderr
    verified = cluster.run("audit", "verify", "--fixity", "--json")
    svc = bootstrap(cluster.settings)
    try:
        found = outcome.check_ingests(svc, tally.acknowledged)
        log = outcome.ledger(svc)
        orphans = len(fixity.find_orphans(svc))
    finally:
        svc.close()
    figures = {
        **found.figures(),
        "outage_s": round(up_at - down_at, 2),
        "recovery_s": round(first_ack - up_at, 2),  # back until an upload begun since succeeds
        "ready_again_s": round(ready_again - up_at, 2),
        "answers_503": sum(n for k, n in during_503.items() if k.endswith(" 503")),
        "other_errors": server_errors(tally),
        "ready_during_outage": [{"status": s, **checks} for s, checks in during],
        "cli_exit_during_outage": cli.returncode,
        "cli_error_during_outage": cli.stderr.strip()[:300],
        "orphan_objects_left_for_the_sweep": orphans,
        "statuses": dict(tally.statuses),
        "first_errors": tally.errors[:5],
    }
    assert verified.returncode == 0, verified.stdout[-3000:] + verified.stderr
    assert (found.lost, found.duplicated, found.events_without_content) == ([], 0, 0)
    assert json.loads(verified.stdout)["ok"] is True and log.one_leaf_per_event
    assert all(status == 503 and checks[store] is False for status, checks in during), during
    assert figures["answers_503"] > 0 and server_errors(tally) == {}, tally.statuses
    assert cli.returncode == 3, cli.stderr
    return figures


def test_postgresql_restarted_under_load_answers_503_then_recovers_losing_nothing(
    cluster: Cluster, footage_bases: list[bytes], private_pg: PrivatePostgres
) -> None:
    try:
        figures = fault_under_load(
            cluster, footage_bases, private_pg.stop, private_pg.start, "event_store", PG_OUTAGE_S
        )
    finally:
        if not private_pg.is_up():
            private_pg.start()
    report.record("postgresql_restarted_under_load", figures)


def test_the_s3_server_stopped_mid_upload_answers_503_then_recovers_losing_nothing(
    cluster: Cluster, footage_bases: list[bytes], private_s3: SeaweedServer
) -> None:
    try:
        figures = fault_under_load(
            cluster, footage_bases, private_s3.stop, private_s3.start, "object_store", S3_OUTAGE_S
        )
    finally:
        if private_s3.process is None:
            private_s3.start()
    report.record("s3_stopped_mid_upload", figures)


# --- the file store's disk full -----------------------------------------------------------


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 24 MiB filesystem of its own (tmpfs; mounting needs root, as `make test` runs here)."""
    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=24m,mode=0755", "tmpfs", str(disk)],
        capture_output=True,
        text=True,
    )
    assert mounted.returncode == 0, (
        f"cannot mount a small filesystem for the disk-full test (needs root): {mounted.stderr}"
    )
    try:
        yield disk
    finally:
        subprocess.run(["umount", "-l", str(disk)], check=False)


def fill(disk: Path) -> Path:
    """Fill the filesystem to the last byte."""
    filler = disk / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o644)
    try:
        for size in (1 << 20, 4096, 1):
            try:
                while os.write(fd, b"\0" * size):
                    pass
            except OSError:
                pass
    finally:
        os.close(fd)
    return filler


def test_a_full_disk_refuses_uploads_with_503_leaves_nothing_partial_and_recovers(
    cluster: Cluster, footage_bases: list[bytes], small_disk: Path
) -> None:
    # The file store on the small disk; one server spools uploads (and works on them) there
    # too, the other on the system's disk, so that its uploads reach the full object store.
    spool = small_disk / "tmp"
    spool.mkdir()
    cluster.settings = Settings(
        **{**cluster.settings.model_dump(), "object_store": f"file://{small_disk}/objects"}
    )
    svc = bootstrap(cluster.settings)
    svc.objects.initialise()
    svc.close()
    node = cluster.serve("api", TMPDIR=str(spool))
    other = cluster.serve("api-spooling-elsewhere")
    sent: dict[str, dict[str, object]] = {}
    with cluster.client(node, "budi") as client, cluster.client(other, "budi") as client2:

        def attempt(tag: str, via: httpx.Client = client) -> httpx.Response:
            data = variant(footage_bases[0], tag)
            response = upload(via, data, tag, hashlib.sha256(data).hexdigest())
            if response.status_code == 201:
                sent[tag] = response.json()
            return response

        assert attempt("before").status_code == 201
        filler = fill(small_disk)
        refused = [attempt(f"full-{i}", (client, client2)[i % 2]) for i in range(6)]
        statuses = [r.status_code for r in refused]
        ready_full = ready(node)
        recording = small_disk.parent / "recording.mp4"
        recording.write_bytes(variant(footage_bases[1], "cli"))
        cli = processes.run(
            cluster.settings, "ingest", "--camera", "SMG-REL-0001", "--source", str(recording),
            "--reason", "disk full", SAKSI_TOKEN=cluster.tokens["budi"],
        )  # fmt: skip
        leftovers = sorted(
            str(p.relative_to(small_disk))
            for p in [*spool.rglob("*"), *(small_disk / "objects" / "incoming").rglob("*")]
        )
        filler.unlink()
        freed = time.monotonic()
        after = attempt("after")
        recovery = time.monotonic() - freed
    svc = bootstrap(cluster.settings)
    try:
        found = outcome.check_ingests(svc, sent)
        recorded = {outcome.tag_of(e["reason"]) for e in outcome.ingested(svc)}
        orphans = len(fixity.find_orphans(svc))
    finally:
        svc.close()
    figures = {
        **found.figures(),
        "refused_statuses": statuses,
        "refusals": sorted({r.json().get("error") for r in refused}),
        "cli_error_while_full": cli.stderr.strip(),
        "cli_exit_while_full": cli.returncode,
        "temporary_files_left": len(leftovers),
        "orphan_objects_left_for_the_sweep": orphans,
        "recovery_s": round(recovery, 2),
    }
    report.record("disk_full", figures)
    assert statuses == [503] * 6, [r.text for r in refused]
    assert ready_full[0] == 200  # the store is reachable, only full: uploads say so one by one
    assert cli.returncode == 3, cli.stderr
    assert leftovers == [], leftovers
    assert not any(t.startswith("full-") for t in recorded)  # nothing recorded while full
    assert after.status_code == 201, after.text
    assert (found.lost, found.duplicated, found.events_without_content) == ([], 0, 0)

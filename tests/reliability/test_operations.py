"""Running `saksi serve` in production: graceful shutdown, /metrics, and read models that
follow events saved by others."""

from __future__ import annotations

import hashlib
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from archive.bootstrap import bootstrap
from domain.base import Context
from domain.camera import Camera
from tests.support import outcome, report
from tests.support.cluster import CAMERA, CASE, Cluster, Node, upload, variant
from tests.support.faults import wait_for

pytestmark = pytest.mark.reliability

METRICS_TOKEN = "metrics-" + uuid.uuid4().hex


def slow_multipart(
    data: bytes, tag: str, seconds: float, pieces: int = 40
) -> tuple[str, Iterator[bytes]]:
    """A multipart upload body sent in `pieces` over `seconds`, as a slow uplink would."""
    boundary = uuid.uuid4().hex
    fields = {
        "camera_id": CAMERA,
        "reason": f"load {tag}",
        "case_id": CASE,
        "sha256": hashlib.sha256(data).hexdigest(),
    }
    head = b"".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
        for k, v in fields.items()
    )
    head += (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{tag}.mp4"\r\n'
        "Content-Type: video/mp4\r\n\r\n"
    ).encode()
    tail = f"\r\n--{boundary}--\r\n".encode()

    def body() -> Iterator[bytes]:
        yield head
        step = -(-len(data) // pieces)
        for i in range(0, len(data), step):
            time.sleep(seconds / pieces)
            yield data[i : i + step]
        yield tail

    return f"multipart/form-data; boundary={boundary}", body()


def send_slowly(
    node: Node, token: str, data: bytes, tag: str, seconds: float, out: dict[str, Any]
) -> None:
    content_type, body = slow_multipart(data, tag, seconds)
    try:
        response = httpx.post(
            f"{node.url}/api/clips",
            content=body,
            headers={"Authorization": f"Bearer {token}", "Content-Type": content_type},
            timeout=120,
        )
        out["status"], out["body"] = response.status_code, response.json()
    except httpx.TransportError as e:
        out["status"] = type(e).__name__


def recorded_tags(cluster: Cluster) -> set[str]:
    svc = bootstrap(cluster.settings)
    try:
        return {outcome.tag_of(e["reason"]) for e in outcome.ingested(svc)}
    finally:
        svc.close()


def big_variant(bases: list[bytes], tag: str) -> bytes:
    return variant(bases[0], tag + "." + "x" * 2_000_000)  # 2 MB of padding to send slowly


def test_sigterm_lets_an_upload_under_way_finish_and_accepts_no_new_connection(
    cluster: Cluster, footage_bases: list[bytes]
) -> None:
    node = cluster.serve("api", SAKSI_SHUTDOWN_GRACE="PT60S")
    result: dict[str, Any] = {}
    data = big_variant(footage_bases, "graceful")
    sender = threading.Thread(
        target=send_slowly, args=(node, cluster.tokens["budi"], data, "graceful", 4.0, result)
    )
    sender.start()
    time.sleep(1.5)  # the body is under way
    signalled = time.monotonic()
    node.signal(15)
    time.sleep(0.5)
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{node.url}/health", timeout=5)
    sender.join(120)
    code = node.proc.wait(60)
    drained = time.monotonic() - signalled
    report.record(
        "graceful_shutdown_upload_finishes",
        {"acknowledged": int(result.get("status") == 201), "lost": 0, "duplicated": 0,
         "exit_code": code, "drain_s": round(drained, 2), "recovery_s": 0.0},
    )  # fmt: skip
    assert result.get("status") == 201, result
    assert code == 0, node.tail()
    assert "graceful" in recorded_tags(cluster)


def test_an_upload_still_running_when_the_grace_ends_is_cut_and_records_nothing(
    cluster: Cluster, footage_bases: list[bytes], tmp_path: Path
) -> None:
    spool = tmp_path / "spool"
    spool.mkdir()
    node = cluster.serve("api", SAKSI_SHUTDOWN_GRACE="PT2S", TMPDIR=str(spool))
    result: dict[str, Any] = {}
    data = big_variant(footage_bases, "cut")
    sender = threading.Thread(
        target=send_slowly, args=(node, cluster.tokens["budi"], data, "cut", 12.0, result)
    )
    sender.start()
    time.sleep(1.5)
    signalled = time.monotonic()
    node.signal(15)
    code = node.proc.wait(60)
    drained = time.monotonic() - signalled
    sender.join(120)
    left = list(spool.iterdir())
    report.record(
        "graceful_shutdown_upload_cut",
        {"acknowledged": 0, "lost": 0, "duplicated": 0, "client_saw": result.get("status"),
         "exit_code": code, "drain_s": round(drained, 2), "temporary_files_left": len(left),
         "recovery_s": 0.0},
    )  # fmt: skip
    assert result.get("status") not in (200, 201), result  # cut (connection closed) or 503
    assert drained < 10, node.tail()
    assert "cut" not in recorded_tags(cluster)
    assert left == []


def scrape(node: Node, token: str | None = METRICS_TOKEN) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.get(f"{node.url}/metrics", headers=headers, timeout=30)


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample, parsed by Prometheus' own client library (so the format is checked)."""
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def test_metrics_need_their_own_token_and_count_ingests_refusals_ledger_and_sweeps(
    cluster: Cluster, footage_bases: list[bytes]
) -> None:
    off = cluster.serve("api-without-metrics")
    node = cluster.serve("api", SAKSI_METRICS_TOKEN=METRICS_TOKEN)
    assert scrape(off).status_code == 404
    assert scrape(node, None).status_code == 401
    assert scrape(node, "wrong").status_code == 401
    assert scrape(node, cluster.tokens["ana"]).status_code == 401  # a user's token is not it
    with cluster.client(node, "budi") as client:
        data = variant(footage_bases[0], "metrics")
        assert upload(client, data, "metrics", hashlib.sha256(data).hexdigest()).status_code == 201
        assert upload(client, data, "wrong-hash", "0" * 64).status_code == 422
    with cluster.client(node, "sari") as auditor:  # an auditor may not upload: refused, 403
        assert upload(auditor, data, "refused", hashlib.sha256(data).hexdigest()).status_code == 403
    assert cluster.run("retention", "sweep", user="ana").returncode == 0
    assert cluster.run("audit", "checkpoint").returncode == 0

    response = scrape(node)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    got = samples(response.text)

    def value(name: str, **labels: str) -> float:
        return got[(name, tuple(sorted(labels.items())))]

    assert value("saksi_ingests_total", outcome="acknowledged") == 1
    assert value("saksi_ingests_total", outcome="refused") == 2
    assert value("saksi_ingest_bytes_total") > len(data)  # the multipart body
    assert value("saksi_refusals_total", status="422", reason="invalid") == 1
    assert value("saksi_refusals_total", status="403", reason="forbidden") == 1
    assert value("saksi_refusals_total", status="401", reason="unauthenticated") >= 0
    assert value("saksi_clips", status="active") == 1
    assert value("saksi_clip_bytes", status="active") == len(data)
    assert value("saksi_ledger_leaves") == value("saksi_checkpoint_tree_size") > 0
    assert value("saksi_access_denied_events") == 1
    assert value("saksi_job_runs", job="retention-sweep", status="finished") == 1
    assert value("saksi_sweep_last", result="purged") == 0
    assert value("saksi_readmodel_lag_events") == 0
    assert value("saksi_http_requests_total", method="POST", route="/api/clips", status="201") == 1


def test_a_server_that_never_saves_sees_events_saved_without_a_projection(
    cluster: Cluster,
) -> None:
    node = cluster.serve("api", SAKSI_CATCHUP_INTERVAL="PT1S")
    svc = bootstrap(cluster.settings)
    try:
        # Saved straight to the event store: no read-model catch-up after it (as when the
        # saving process dies between its save and its projection).
        svc.store.save(Camera.register("SMG-LATE-0001", "late", "public", "Late", Context("dodi")))
    finally:
        svc.close()
    saved = time.monotonic()
    with cluster.client(node, "budi") as client:

        def listed() -> bool:
            cams = client.get("/api/cameras").json()["cameras"]
            return any(c["camera_id"] == "SMG-LATE-0001" for c in cams)

        lag = wait_for("the camera listed", listed, timeout=15, every=0.1)
    report.record(
        "read_model_catch_up",
        {"acknowledged": 1, "lost": 0, "duplicated": 0, "recovery_s": round(lag, 2)},
    )
    assert time.monotonic() - saved < 15

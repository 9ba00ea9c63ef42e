"""The custody feed: every recorded event reaches a real syslog receiver on loopback as one
ECS JSON line, in log order, across a receiver that dies mid-stream and an archive process
that restarts (each scheduled run opens its own services), with nothing missing."""

from __future__ import annotations

import http.server
import json
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar
from uuid import UUID

import pytest

from archive.bootstrap import bootstrap, scheduled_jobs
from archive.cameras import registry as cameras
from archive.errors import InvalidInput, Refused
from archive.jobs.scheduler import execute
from archive.ops import feed, metrics
from archive.settings import Settings
from domain.base import Context
from tests.conftest import Archive
from tests.support import flows
from tests.support.seaweed import free_port

ROOT = Path(__file__).resolve().parents[2]
HEADER = re.compile(
    r"^<(?P<pri>\d+)>1 (?P<ts>\S+Z) (?P<host>\S+) saksi - (?P<msgid>[!-~]{1,32}) - (?P<msg>\{.*\})$"
)


class Receiver:
    def __init__(self, port: int, out: Path) -> None:
        self.port, self.out = port, out
        self.proc: subprocess.Popen[str] | None = None

    def start(self, die_after: int | None = None, tls: tuple[Path, Path] | None = None) -> None:
        self.stop()  # the one before, if any (killed, or left running)
        extra = ["--die-after", str(die_after)] if die_after else []
        extra += ["--tls", str(tls[0]), str(tls[1])] if tls else []
        module = "tests.support.syslog_receiver"
        self.proc = subprocess.Popen(
            [sys.executable, "-m", module, str(self.port), str(self.out), *extra],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdout is not None and self.proc.stdout.readline().strip() == "ready"

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
        if self.proc:
            self.proc.wait(10)
            if self.proc.stdout:
                self.proc.stdout.close()

    def messages(self) -> list[re.Match[str]]:
        lines = self.out.read_text().splitlines() if self.out.exists() else []
        matches = [HEADER.match(line) for line in lines]
        assert all(matches), lines
        return [m for m in matches if m]


@pytest.fixture
def receiver(tmp_path: Path) -> Iterator[Receiver]:
    r = Receiver(free_port(), tmp_path / "syslog.log")
    yield r
    r.stop()


def run_feed_job(settings: Settings) -> None:
    """One scheduled run, as the scheduler does it: its own services, opened and closed."""
    [job] = [j for j in scheduled_jobs() if j.name == feed.JOB]
    execute(settings, bootstrap, job, "test")


def log_in_order(archive: Archive) -> list[tuple[int, str]]:
    with archive.svc.db.tx(write=False) as tx:
        rows = tx.all("SELECT notification_id, hash FROM event_chain ORDER BY notification_id")
        [count] = tx.one(f"SELECT count(*) AS n FROM {archive.svc.db.events_table}").values()
    assert count == len(rows)
    return [(int(r["notification_id"]), bytes(r["hash"]).hex()) for r in rows]


def stream_versions(archive: Archive) -> dict[str, tuple[str, int]]:
    """Each event's chain hash -> (its stream, its version), as the chain records them."""
    with archive.svc.db.tx(write=False) as tx:
        rows = tx.all("SELECT originator_id, originator_version, hash FROM event_chain")
    return {
        bytes(r["hash"]).hex(): (str(UUID(str(r["originator_id"]))), int(r["originator_version"]))
        for r in rows
    }


def test_every_event_reaches_syslog_in_order_across_a_receiver_killed_mid_stream(
    archive: Archive, receiver: Receiver, settings: Settings
) -> None:
    fed = settings.model_copy(
        update={"feed_syslog": f"tcp://127.0.0.1:{receiver.port}", "feed_batch": 4}
    )
    for i in range(3):
        flows.camera(archive.svc, f"SMG-FEED-{i:04d}")
    with pytest.raises(Refused):  # a refusal is recorded, and shipped like any event
        cameras.register_camera(
            archive.svc, Context("sari"), camera_id="SMG-NOPE-0001", name="x",
            owner="public", district="x",
        )  # fmt: skip

    # The receiver dies after storing its 9th message: the third batch of 4 is cut.
    receiver.start(die_after=9)
    run_feed_job(fed)
    assert receiver.proc is not None and receiver.proc.wait(10) == -9
    assert len(receiver.messages()) == 9
    run_feed_job(fed)  # the receiver is down: nothing delivered, nothing skipped
    flows.case(archive.svc, "R-2026-FEED")  # the archive goes on recording meanwhile
    receiver.start()
    run_feed_job(fed)

    log = log_in_order(archive)
    got = [json.loads(m["msg"]) for m in receiver.messages()]
    ids = [d["event"]["id"] for d in got]
    first_seen = list(dict.fromkeys(ids))
    assert first_seen == [h for _, h in log]  # every event, in log order, none missing
    assert len(ids) > len(log)  # the cut batch was sent again...
    resent = {i for i in ids if ids.count(i) > 1}
    streams = stream_versions(archive)
    for doc in got:  # each document names the event as recorded
        assert (doc["saksi"]["stream"], doc["saksi"]["version"]) == streams[doc["event"]["id"]]
    for doc in got:  # ...each resend the very same document
        if doc["event"]["id"] in resent:
            assert doc == next(d for d in got if d["event"]["id"] == doc["event"]["id"])
    assert [d["event"]["sequence"] for d in got if d["event"]["id"] not in resent] == sorted(
        d["event"]["sequence"] for d in got if d["event"]["id"] not in resent
    )
    # ECS fields as recorded; refusals are warnings (facility 13 log audit: 13*8+4).
    [refusal] = [m for m in receiver.messages() if m["msgid"] == "AccessDenied"]
    doc = json.loads(refusal["msg"])
    assert (refusal["pri"], doc["event"]["outcome"], doc["user"]["name"]) == (
        "108", "failure", "sari",
    )  # fmt: skip
    assert doc["ecs"]["version"] and doc["@timestamp"].endswith("Z")
    assert not any("token" in json.dumps(d["saksi"]["details"]) for d in got)
    run_feed_job(fed)  # caught up: a further run sends nothing again
    assert len(receiver.messages()) == len(ids)


class Webhook(http.server.BaseHTTPRequestHandler):
    """Stores each NDJSON body it acknowledges; refuses the first one with 503 (an outage)."""

    bodies: ClassVar[list[bytes]] = []
    refuse_next: ClassVar[int] = 1

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        ok = self.headers["Authorization"] == "Bearer hook-secret" and Webhook.refuse_next == 0
        if ok:
            Webhook.bodies.append(body)
        Webhook.refuse_next = max(0, Webhook.refuse_next - 1)
        self.send_response(204 if ok else 503)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.mark.parametrize("store_kind", ["sqlite"])
def test_the_webhook_gets_ndjson_batches_and_an_outage_resends_them(
    archive: Archive, settings: Settings
) -> None:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Webhook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/ingest"
        fed = settings.model_copy(
            update={"feed_webhook": url, "feed_webhook_token": "hook-secret", "feed_batch": 3}
        )
        run_feed_job(fed)  # 503: nothing counts as delivered
        assert Webhook.bodies == []
        run_feed_job(fed)
    finally:
        server.shutdown()
        server.server_close()
    lines = [json.loads(x) for body in Webhook.bodies for x in body.decode().splitlines()]
    log = log_in_order(archive)
    assert [d["event"]["id"] for d in lines] == [h for _, h in log]
    [position] = [f for f in metrics.collect(archive.svc) if f.name == "saksi_feed_position"]
    assert position.samples == [({"sink": "webhook"}, float(log[-1][0]))]
    assert all(len(body.splitlines()) <= 3 for body in Webhook.bodies)


@pytest.mark.parametrize("store_kind", ["sqlite"])
def test_a_malformed_feed_address_is_refused_at_start(settings: Settings) -> None:
    with pytest.raises(InvalidInput, match="SAKSI_FEED_SYSLOG: expected tcp://"):
        bootstrap(settings.model_copy(update={"feed_syslog": "udp://127.0.0.1:514"}))
    with pytest.raises(InvalidInput, match="SAKSI_FEED_WEBHOOK: expected https://"):
        bootstrap(settings.model_copy(update={"feed_webhook": "http://siem.example/in"}))


@pytest.mark.parametrize("store_kind", ["sqlite"])
def test_syslog_over_tls_verifies_the_receiver_and_delivers_everything(
    archive: Archive, receiver: Receiver, settings: Settings, tmp_path: Path
) -> None:
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
         "-nodes", "-keyout", str(key), "-out", str(cert), "-days", "1", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True,
    )  # fmt: skip
    receiver.start(tls=(cert, key))
    url = f"tls://127.0.0.1:{receiver.port}"
    untrusted = settings.model_copy(update={"feed_syslog": url})
    run_feed_job(untrusted)  # the receiver's certificate is not trusted: nothing counts as sent
    assert receiver.messages() == []
    run_feed_job(untrusted.model_copy(update={"feed_ca": cert}))
    ids = [json.loads(m["msg"])["event"]["id"] for m in receiver.messages()]
    assert ids == [h for _, h in log_in_order(archive)]

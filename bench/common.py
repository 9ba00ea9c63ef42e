"""The results format of `make bench` (contract.md, "Benchmarks") and shared helpers."""

from __future__ import annotations

import contextlib
import os
import platform
import subprocess
import time
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import IO

import httpx
import psycopg

from archive.settings import Settings

PG_ADMIN = "host=127.0.0.1 port=5432 user=postgres dbname=postgres connect_timeout=5"


@dataclass
class Result:
    name: str
    value: float
    unit: str
    target: str
    baseline_name: str | None = None
    baseline_value: float | None = None
    lower_is_better: bool = False

    def as_dict(self) -> dict[str, object]:
        d = asdict(self)
        del d["lower_is_better"]
        ratio = None
        if self.baseline_value:
            ratio = (
                self.baseline_value / self.value
                if self.lower_is_better
                else self.value / self.baseline_value
            )
        d["ratio"] = round(ratio, 3) if ratio is not None else None
        d["value"] = round(self.value, 3)
        if self.baseline_value is not None:
            d["baseline_value"] = round(self.baseline_value, 3)
        return d


def machine() -> dict[str, object]:
    return {
        "platform": platform.platform(),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "processor": platform.processor() or platform.machine(),
    }


@contextlib.contextmanager
def scratch_database() -> Iterator[str]:
    """A PostgreSQL database for one benchmark, dropped afterwards."""
    name = f"saksi_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield name
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class Timer:
    def __enter__(self) -> Timer:
        self.start = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.seconds = time.perf_counter() - self.start


def scratch_settings(dbname: str, folder: str) -> Settings:
    """An archive on a scratch PostgreSQL database and a file store in `folder`."""
    return Settings(
        home=Path(folder),
        event_store=f"postgresql://postgres@127.0.0.1:5432/{dbname}",
        object_store=f"file://{folder}/objects",
        signing_key=Path(folder) / "key",
    )


def wait_healthy(proc: subprocess.Popen[bytes], url: str, seconds: float = 120) -> None:
    """Until the server at `url` answers /health (it failing or the time running out raise)."""
    deadline = time.monotonic() + seconds
    while True:
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError("saksi serve did not start")
        try:
            if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.05)


@contextlib.contextmanager
def serving(
    argv: list[str],
    port: int,
    env: Mapping[str, str] | None = None,
    stderr: IO[bytes] | None = None,
) -> Iterator[subprocess.Popen[bytes]]:
    """A server process on 127.0.0.1:`port`, once it answers /health; stopped on exit."""
    proc = subprocess.Popen(
        argv,
        env=dict(env) if env is not None else None,
        stdout=subprocess.DEVNULL,
        stderr=stderr,
        stdin=subprocess.DEVNULL,
    )
    try:
        wait_healthy(proc, f"http://127.0.0.1:{port}")
        yield proc
    finally:
        proc.terminate()
        proc.wait(30)

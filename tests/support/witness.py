"""Witnesses for tests: `saksi witness serve` as real processes on free loopback ports, each
with its own key and its own SQLite (or PostgreSQL) state."""

from __future__ import annotations

import os
import signal
import subprocess
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from ledger.cosignature import cosigner_key
from ledger.keys import create_key, load_key
from tests.support.processes import SAKSI
from tests.support.seaweed import free_port


@dataclass
class WitnessProcess:
    name: str
    folder: Path
    logs: list[str]  # ORIGIN=VERIFIER_KEY
    state: str = ""  # sqlite:///... by default
    port: int = 0
    proc: subprocess.Popen[str] | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        self.key_file = self.folder / "witness.key"
        create_key(self.key_file)
        self.state = self.state or f"sqlite:///{self.folder}/state.sqlite"
        self.port = self.port or free_port()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def key(self) -> str:
        """Its verifier key (what the archive and verifiers are given)."""
        return cosigner_key(self.name, load_key(self.key_file).public_key())

    def start(self) -> WitnessProcess:
        return self.launch().ready()

    def launch(self) -> WitnessProcess:
        """Start the process (`ready` waits for it to answer): several start at once."""
        args = [SAKSI, "witness", "serve", "--key", str(self.key_file), "--name", self.name]
        args += ["--state", self.state, "--port", str(self.port)]
        for log in self.logs:
            args += ["--log", log]
        with open(self.folder / "witness.log", "a") as out:
            self.proc = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, text=True)
        return self

    def ready(self) -> WitnessProcess:
        assert self.proc is not None
        deadline = time.monotonic() + 20
        while True:
            try:
                with urllib.request.urlopen(f"{self.url}/", timeout=1) as r:
                    if r.status == 200:
                        return self
            except OSError:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"witness did not start: {self.output()}")
            time.sleep(0.05)

    def output(self) -> str:
        path = self.folder / "witness.log"
        return path.read_text() if path.exists() else ""

    def kill(self) -> None:
        """SIGKILL: no clean-up, as a power cut."""
        if self.proc is not None and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()
        self.proc = None


def witnesses_file(path: Path, witnesses: list[WitnessProcess]) -> Path:
    """SAKSI_WITNESSES: NAME URL VERIFIER_KEY a line."""
    path.write_text(
        "# the archive's witnesses\n"
        + "".join(f"{w.name.split('/')[0]} {w.url} {w.key}\n" for w in witnesses)
    )
    return path

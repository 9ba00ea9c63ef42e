"""Running `saksi` as a separate process against a test's archive."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from archive.settings import Settings

SAKSI = str(Path(sys.executable).parent / "saksi")


def env(settings: Settings, **extra: str) -> dict[str, str]:
    """The archive's settings; a user's command also needs SAKSI_TOKEN in `extra`."""
    mine = {k: v for k, v in os.environ.items() if k not in ("SAKSI_TOKEN", "SAKSI_SERVER")}
    return {
        **mine,
        "SAKSI_HOME": str(settings.home),
        "SAKSI_EVENT_STORE": settings.event_store,
        "SAKSI_OBJECT_STORE": settings.object_store,
        "SAKSI_SIGNING_KEY": str(settings.signing_key),
        **({"SAKSI_PUBLIC_URL": settings.public_url} if settings.public_url else {}),
        **extra,
    }


def start(
    settings: Settings, *args: str, log: Path | None = None, **extra: str
) -> subprocess.Popen[str]:
    """A running `saksi`; output to a log file for long-lived processes (a full pipe blocks)."""
    out = open(log, "w") if log else subprocess.PIPE  # noqa: SIM115 - the child holds it
    return subprocess.Popen(
        [SAKSI, *args],
        env=env(settings, **extra),
        stdout=out,
        stderr=subprocess.STDOUT if log else subprocess.PIPE,
        text=True,
    )


def run(settings: Settings, *args: str, **extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [SAKSI, *args], env=env(settings, **extra), capture_output=True, text=True, timeout=300
    )

"""The demo's simulated recorder (`saksi serve --demo`): the last minutes of the two public
demo cameras, served by time as Frigate (HLS) and MediaMTX do, so that a newcomer can pull a
past range into the demo case. Its footage shows its UTC time; it lives under SAKSI_HOME."""

from __future__ import annotations

import shutil
import socket
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from api.demo import demo_user
from api.simulator import footage
from api.simulator.http_recorder import HttpRecorder
from archive.cameras import changes
from archive.services import Services

MINUTES, SEGMENT_S = 5, 10
SOURCES = {  # camera -> (kind, the recorder's name for it)
    "SMG-SS-0001": ("hls-vod", "simpang-lima"),
    "SMG-SS-0002": ("mediamtx", "pandanaran"),
}


def start_demo_recorder(
    svc: Services, preferred_port: int, say: Callable[[str], None]
) -> tuple[HttpRecorder, dict[str, Any]]:
    """Record the last minutes, serve them, and register each demo camera's source."""
    root = svc.settings.home / "demo-recorder"
    shutil.rmtree(root, ignore_errors=True)
    end = datetime.now(UTC).replace(microsecond=0) - timedelta(seconds=30)
    start = end - timedelta(minutes=MINUTES)
    for path in (p for _, p in SOURCES.values()):
        footage.record(root / path, path, start, MINUTES * 60, SEGMENT_S)
    recorder = HttpRecorder(root, segment_s=SEGMENT_S)
    url = recorder.start(preferred_port if _free(preferred_port) else 0)
    op = demo_user("operator112")
    for camera_id, (kind, path) in SOURCES.items():
        changes.set_source(svc, op, camera_id, kind=kind, url=url, path=path, reason="demo")
    say(f"simulated recorder at {url}: {start.isoformat()} – {end.isoformat()} of "
        f"{', '.join(SOURCES)}")  # fmt: skip
    return recorder, {"url": url, "start": start, "end": end}


def _free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True

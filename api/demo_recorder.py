"""The demo's simulated recorder (`saksi serve --demo`): the last hour of every public demo
camera, served by time as Frigate (HLS) and MediaMTX do, so that a newcomer can pull any past
range around a report. Each camera's footage shows its id and the UTC time burned in.

An hour of fifty cameras is too much to encode at start, so the recorder holds it lazily:
half a minute of a camera is recorded the first time a request reaches into it (under a second
of work), with timestamps that run on from the piece before, as one long recording would.
The footage lives under SAKSI_HOME/demo-recorder and is made anew at each start.
"""

from __future__ import annotations

import shutil
import socket
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from api.demo_city import DemoCamera, demo_user
from api.simulator import footage
from api.simulator.http_recorder import HttpRecorder
from archive.cameras import changes
from archive.services import Services

HOUR, CHUNK_S, SEGMENT_S = timedelta(hours=1), 30, 10
KINDS = ("hls-vod", "mediamtx")  # the cameras alternate between Frigate and MediaMTX forms


class LazyRecorder(HttpRecorder):
    """Holds [start, end) of each path in `labels`, recording a piece when first asked for."""

    def __init__(self, root: Path, labels: dict[str, str], start: datetime, end: datetime):
        super().__init__(root, segment_s=SEGMENT_S)
        self.labels, self.start_at, self.end_at = labels, start, end
        self._locks = {path: threading.Lock() for path in labels}

    def segments(self, path: str, start: datetime, end: datetime) -> list[tuple[Path, datetime]]:
        if path in self.labels:
            self._record(path, max(start, self.start_at), min(end, self.end_at))
        return super().segments(path, start, end)

    def spans(self, path: str) -> list[dict[str, Any]]:
        """What it holds, without recording all of it."""
        if path not in self.labels:
            return []
        held = (self.end_at - self.start_at).total_seconds()
        return [{"start": self.start_at.isoformat().replace("+00:00", "Z"), "duration": held}]

    def record_ahead(self, paths: list[str], start: datetime, end: datetime) -> None:
        """Record [start, end) of these paths now, rather than while a client waits."""
        for path in paths:
            if path in self.labels:
                self._record(path, max(start, self.start_at), min(end, self.end_at))

    def _record(self, path: str, start: datetime, end: datetime) -> None:
        if start >= end:
            return
        first = int((start - self.start_at).total_seconds()) // CHUNK_S
        last = int((end - self.start_at).total_seconds() - 0.001) // CHUNK_S
        folder = self.root / path
        with self._locks[path]:
            for n in range(first, last + 1):
                begins = self.start_at + timedelta(seconds=n * CHUNK_S)
                done = folder / f".piece-{n}"
                if done.exists():
                    continue
                seconds = min(CHUNK_S, int((self.end_at - begins).total_seconds()))
                footage.record(folder, path, begins, seconds, SEGMENT_S,
                               label=self.labels[path], ts_offset_s=n * CHUNK_S)  # fmt: skip
                done.touch()


def start_demo_recorder(
    svc: Services, cameras: list[DemoCamera], preferred_port: int, say: Callable[[str], None]
) -> tuple[LazyRecorder, dict[str, Any]]:
    """Serve the last hour of the public cameras and register each one's recording source."""
    root = svc.settings.home / "demo-recorder"
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    end = datetime.now(UTC).replace(microsecond=0) - timedelta(seconds=30)
    start = end - HOUR
    public = [c for c in cameras if c.owner == "public"]
    labels = {c.camera_id.lower(): c.camera_id for c in public}
    recorder = LazyRecorder(root, labels, start, end)
    url = recorder.start(preferred_port if _free(preferred_port) else 0)
    op = demo_user("operator112")
    for i, cam in enumerate(public):
        changes.set_source(svc, op, cam.camera_id, kind=KINDS[i % 2], url=url,
                           path=cam.camera_id.lower(), reason="demo recorder")  # fmt: skip
    say(f"simulated recorder at {url}: the hour {start.isoformat()} – {end.isoformat()} of "
        f"{len(public)} public cameras")  # fmt: skip
    return recorder, {"url": url, "start": start, "end": end}


def _free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True

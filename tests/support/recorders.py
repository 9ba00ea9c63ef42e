"""Simulated recorders on loopback for pull tests, started once a session: an RTSP NVR
(GStreamer, Hikvision and Dahua URL forms, in its own zone +07:00, Basic auth), a Frigate-like
HLS server (Basic auth), a MediaMTX-like playback server, and a misbehaving HTTP recorder.
Their footage shows its UTC time in its pixels (api/simulator/footage.py)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from api.simulator import footage
from api.simulator.http_recorder import HttpRecorder
from archive.cameras.files import COLUMNS
from tests.support.live import gstreamer_server
from tests.support.seaweed import free_port

NVR_SCRIPT = Path(__file__).with_name("rtsp_nvr.py")
T0 = datetime(2026, 11, 1, 10, 0, tzinfo=UTC)  # the recordings run T0 .. T0 + SECONDS
SECONDS, SEGMENT_S = 24, 4
NVR_USER, NVR_PASSWORD = "admin", "nvr-Secret-7731"
FRIGATE_USER, FRIGATE_PASSWORD = "viewer", "frigate-Secret-5519"
WRONG_PASSWORD = "not-the-Secret-0042"
NVR_TZ = "+07:00"
CLOCK_OFFSET_S = 12  # the misbehaving recorder's index and clock run this far ahead


@dataclass
class Recorders:
    nvr: str  # rtsp://127.0.0.1:PORT
    frigate: HttpRecorder
    mediamtx: HttpRecorder
    faulty: HttpRecorder
    credentials: Path  # a SAKSI_CREDENTIALS file: nvr, frigate, and wrong ones
    down: str  # an http:// URL where nothing listens

    @property
    def secrets(self) -> list[str]:
        return [NVR_PASSWORD, FRIGATE_PASSWORD, WRONG_PASSWORD]


def recordings(root: Path, names: list[str]) -> None:
    """The same footage for each name: ROOT/<name>/*.ts (made once, then copied)."""
    first = root / names[0]
    footage.record(first, "REC", T0, SECONDS, SEGMENT_S)
    for name in names[1:]:
        shutil.copytree(first, root / name)


@contextmanager
def rtsp_nvr(root: Path) -> Iterator[str]:
    port = free_port()
    args = [str(port), str(root), NVR_TZ, NVR_USER, NVR_PASSWORD]
    env = {**os.environ, "NVR_SEGMENT_S": str(SEGMENT_S)}
    with gstreamer_server(NVR_SCRIPT, args, "the RTSP NVR", env):
        yield f"rtsp://127.0.0.1:{port}"


@contextmanager
def started(folder: Path) -> Iterator[Recorders]:
    nvr_root, http_root = folder / "nvr", folder / "http"
    recordings(nvr_root, ["ch1", "ch2", "ch5"])
    recordings(http_root, ["cam3", "cam4", "cam6", "early", "shifted", "empty"])
    credentials = folder / "credentials.toml"
    credentials.write_text(
        f'[nvr]\nuser = "{NVR_USER}"\npassword = "{NVR_PASSWORD}"\n\n'
        f'[frigate]\nuser = "{FRIGATE_USER}"\npassword = "{FRIGATE_PASSWORD}"\n\n'
        f'[wrong]\nuser = "{NVR_USER}"\npassword = "{WRONG_PASSWORD}"\n'
    )
    frigate = HttpRecorder(http_root, user=FRIGATE_USER, password=FRIGATE_PASSWORD)
    mediamtx = HttpRecorder(http_root)
    faulty = HttpRecorder(
        http_root,
        faults={"early": "early-stop", "shifted": "wrong-clock", "empty": "empty"},
        clock_offset_s=CLOCK_OFFSET_S,
    )
    servers = [frigate, mediamtx, faulty]
    try:
        for s in servers:
            s.start()
        with rtsp_nvr(nvr_root) as nvr:
            yield Recorders(
                nvr, frigate, mediamtx, faulty, credentials, f"http://127.0.0.1:{free_port()}"
            )
    finally:
        for s in servers:
            s.stop()


def city_csv(n: int, rename: int | None = None) -> bytes:
    """A registry CSV of n cameras on a grid around Semarang; every tenth has an NVR source
    (for the import tests and the camera_import_10k_s benchmark)."""
    lines = [",".join(COLUMNS)]
    for i in range(n):
        lat, lon = -6.95 - (i // 100) * 0.001, 110.38 + (i % 100) * 0.001
        name = f"Camera {i}" + (" (moved)" if i == rename else "")
        source = (
            f"hikvision,rtsp://10.1.{i // 250}.{i % 250}:554,1,,+07:00,nvr-{i % 7}"
            if i % 10 == 0
            else ",,,,,"
        )
        row = f"SMG-{i:05d},{name},public,District {i % 16},{i % 30:03d},{lat},{lon},{source}"
        lines.append(row)
    return ("\n".join(lines) + "\n").encode()

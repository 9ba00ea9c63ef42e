"""pull_parallel_ratio: wall time of pulling 8 cameras at once (SAKSI_PULL_CONCURRENCY=8) ÷ the
slowest single camera's pull, each camera on its own channel of the simulated RTSP NVR
(tests/support/rtsp_nvr.py: real-time playback, as recorders do) and 10 s asked of each. 1.0
would be perfect overlap; fetching is waiting on recorders, so it should stay near it on 2
cores. SQLite and the file store: the figure is about fan-out, not storage.
"""

from __future__ import annotations

import shutil
import time
from datetime import timedelta
from pathlib import Path
from tempfile import TemporaryDirectory

from api.cli.common import host_context
from archive.accounts import users
from archive.bootstrap import bootstrap
from archive.cameras import changes, registry
from archive.cases import cases
from archive.ingest import pull
from archive.services import Services
from archive.settings import Settings
from bench.common import Result
from domain.base import Context
from tests.support import recorders as sim

HERE = (-6.9903, 110.4229)


def _archive(home: Path, nvr: str, credentials: Path, channels: list[int]) -> Services:
    svc = bootstrap(
        Settings(
            home=home,
            event_store=f"sqlite:///{home}/events.sqlite",
            object_store=f"file://{home}/objects",
            signing_key=home / "key",
            credentials=credentials,
            pull_concurrency=max(channels),
        ),
        create_database=True,
    )
    users.init_archive(svc, host_context(), "ana")
    users.add_user(svc, Context("ana"), "op", "operator")
    op = Context("op")
    cases.open_case(svc, op, case_id="B-1", kind="report", title="bench", members=[])
    for ch in channels:
        cid = f"CAM-{ch}"
        registry.register_camera(
            svc, op, camera_id=cid, name=cid, owner="public", district="D",
            lat=HERE[0] + ch * 0.00005, lon=HERE[1],
        )  # fmt: skip
        changes.set_source(
            svc, op, cid, kind="hikvision", url=nvr, channel=ch, tz=sim.NVR_TZ, credential="nvr"
        )
    return svc


def _pull(svc: Services, seconds: int) -> float:
    start = sim.T0 + timedelta(seconds=2)
    began = time.perf_counter()
    result = pull.pull(
        svc, Context("op"), case_id="B-1", near=HERE, radius_m=1000, start=start,
        end=start + timedelta(seconds=seconds), reason="bench",
    )  # fmt: skip
    if result["failed"] or result["without_footage"]:
        raise RuntimeError(
            f"the bench pull failed: {result['failed'] or result['without_footage']}"
        )
    return time.perf_counter() - began


def _timed(home: Path, nvr: str, credentials: Path, channels: list[int], seconds: int) -> float:
    svc = _archive(home, nvr, credentials, channels)
    try:
        return _pull(svc, seconds)
    finally:
        svc.close()
        shutil.rmtree(home)


def run(quick: bool = False) -> list[Result]:
    cameras, seconds = (4, 4) if quick else (8, 10)
    channels = list(range(1, cameras + 1))
    with TemporaryDirectory() as tmp:
        folder = Path(tmp)
        nvr_root = folder / "nvr"
        sim.recordings(nvr_root, [f"ch{ch}" for ch in channels])
        credentials = folder / "credentials.toml"
        credentials.write_text(f'[nvr]\nuser = "{sim.NVR_USER}"\npassword = "{sim.NVR_PASSWORD}"\n')
        with sim.rtsp_nvr(nvr_root) as nvr:
            singles = [
                _timed(folder / f"one-{ch}", nvr, credentials, [ch], seconds) for ch in channels
            ]
            together = _timed(folder / "all", nvr, credentials, channels, seconds)
    slowest = max(singles)
    return [
        Result(
            "pull_parallel_ratio",
            together / slowest,
            "ratio",
            f"<= 1.5 ({cameras} cameras at once in {together:.1f} s; slowest alone "
            f"{slowest:.1f} s; {seconds} s each from an RTSP NVR)",
            lower_is_better=True,
        )
    ]

"""ingest_s3_mb_per_s and ingest_peak_rss_mb: whole-file ingest into S3 (SeaweedFS).

ingest_s3_mb_per_s: 1 GiB of 1080p H.264 recordings (4 files of 256 MiB, an NVR's usual file
size; quick: ~100 MiB in 2) ingested through the use case (probe, SHA-256, integrity demux and
poster frame beside the upload, upload hashed again in its pass, lock, events), next to the
baseline measured in the same run on the same files: a plain SDK upload (`fput_object`, the
SDK's defaults) plus a separate SHA-256 pass. Target: >= 0.9 of the baseline. The machine's
two cores are shared with SeaweedFS (and whatever else runs), so the two are measured in
alternating rounds after a warm-up, each round ingesting into a fresh bucket and archive.

ingest_peak_rss_mb: peak resident memory (VmHWM) of a process ingesting one 2 GiB recording
(quick: 200 MiB). Target: < 200 MB, whatever the clip's size.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

from minio import Minio

from api.cli.common import host_context
from bench.common import Result, Timer

HOST = host_context()  # the bench runs on the archive host

GIB = 1024**3
MB = 1e6


def run(quick: bool = False) -> list[Result]:
    from tests.support.seaweed import start_seaweed

    with tempfile.TemporaryDirectory(prefix="saksi-bench-") as tmp:
        work = Path(tmp)
        server = start_seaweed(work / "seaweed")
        try:
            base = _segment(work / "segment.mp4", seconds=10 if quick else 30)
            files = _recordings(work / "rec", base, GIB // 10 if quick else GIB, 2 if quick else 4)
            total = sum(f.stat().st_size for f in files)
            _baseline(server, files[:1])  # warm-up: the server grows its first volumes
            rounds = 1 if quick else 2
            baseline = ingest_s = 0.0
            for r in range(rounds):
                baseline += _baseline(server, files) / rounds
                ingest_s += _ingest_all(server.url(f"ingest{r}"), work / f"home{r}", files) / rounds
            big = _recordings(work / "big", base, GIB // 5 if quick else 2 * GIB, 1)[0]
            peak = _peak_rss(server.url("rss"), work / "home-rss", big)
        finally:
            server.stop()
    return [
        Result(
            "ingest_s3_mb_per_s",
            total / MB / ingest_s,
            "MB/s",
            ">= 0.9 of baseline",
            "sdk_upload_plus_sha256_pass_mb_per_s",
            total / MB / baseline,
        ),
        Result("ingest_peak_rss_mb", peak, "MB", "< 200 MB", lower_is_better=True),
    ]


def _segment(path: Path, seconds: int) -> Path:
    """CCTV-like 1080p H.264 at 8 Mbit/s, a keyframe every 2 s."""
    subprocess.run(
        ["ffmpeg", "-hide_banner", "-nostdin", "-v", "error", "-y",
         "-f", "lavfi", "-i", f"testsrc2=size=1920x1080:rate=25:duration={seconds}",
         "-c:v", "libx264", "-preset", "ultrafast", "-b:v", "8M", "-maxrate", "8M",
         "-bufsize", "16M", "-g", "50", "-pix_fmt", "yuv420p", str(path)],
        check=True,
    )  # fmt: skip
    return path


def _recordings(folder: Path, segment: Path, total: int, count: int) -> list[Path]:
    """`count` distinct MP4 recordings adding up to about `total` bytes (the segment joined
    to itself by stream copy; each file its own creation time, hence its own SHA-256)."""
    folder.mkdir(parents=True, exist_ok=True)
    copies = max(1, math.ceil(total / count / segment.stat().st_size))
    listing = folder / "list.txt"
    listing.write_text(f"file '{segment.resolve()}'\n" * copies)
    made = []
    for i in range(count):
        out = folder / f"rec{i}.mp4"
        subprocess.run(
            ["ffmpeg", "-hide_banner", "-nostdin", "-v", "error", "-y", "-f", "concat",
             "-safe", "0", "-i", str(listing), "-c", "copy", "-movflags", "+faststart",
             "-metadata", f"creation_time=2026-11-29T{10 + i:02d}:00:00Z", str(out)],
            check=True,
        )  # fmt: skip
        made.append(out)
    return made


def _baseline(server: object, files: list[Path]) -> float:
    """A plain SDK upload of each file, then a separate SHA-256 pass over it."""
    import hashlib

    endpoint, access, secret = server.endpoint, server.access_key, server.secret_key  # type: ignore[attr-defined]
    client = Minio(endpoint, access_key=access, secret_key=secret, secure=False)
    if not client.bucket_exists("baseline"):
        client.make_bucket("baseline")
    with Timer() as t:
        for f in files:
            client.fput_object("baseline", f"plain/{uuid.uuid4().hex}", str(f))
            with open(f, "rb") as src:
                hashlib.file_digest(src, "sha256")
    return t.seconds


def _ingest_all(object_store: str, home: Path, files: list[Path]) -> float:
    svc = _archive(object_store, home)
    from archive.ingest import ingest
    from domain.base import Context

    try:
        with Timer() as t:
            for f in files:
                ingest.ingest(
                    svc, Context("budi"), camera_id="SMG-SS-0001", source=str(f), reason="bench"
                )
    finally:
        svc.close()
    return t.seconds


def _archive(object_store: str, home: Path):  # type: ignore[no-untyped-def]
    from archive.accounts import users
    from archive.bootstrap import bootstrap
    from archive.cameras import registry as cameras
    from archive.settings import Settings
    from domain.base import Context

    settings = Settings(
        home=home,
        event_store=f"sqlite:///{home}/events.sqlite",
        object_store=object_store,
        signing_key=home / "keys" / "checkpoint.key",
    )
    home.mkdir(parents=True, exist_ok=True)
    svc = bootstrap(settings)
    users.init_archive(svc, HOST, "ana")
    users.add_user(svc, Context("ana"), "budi", "investigator")
    users.add_user(svc, Context("ana"), "dodi", "operator")
    cameras.register_camera(
        svc, Context("dodi"), camera_id="SMG-SS-0001", name="Simpang Lima", owner="public",
        district="Semarang Selatan",
    )  # fmt: skip
    return svc


def _peak_rss(object_store: str, home: Path, recording: Path) -> float:
    """Ingest in a fresh process and read its high-water mark of resident memory."""
    out = subprocess.run(
        [sys.executable, "-m", "bench.b_ingest_s3", object_store, str(home), str(recording)],
        capture_output=True,
        text=True,
        check=True,
    )
    return float(json.loads(out.stdout.strip().splitlines()[-1])["peak_rss_mb"])


def _child() -> None:
    object_store, home, recording = sys.argv[1:4]
    _ingest_all(object_store, Path(home), [Path(recording)])
    status = Path("/proc/self/status").read_text()
    hwm_kb = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM"))
    print(json.dumps({"peak_rss_mb": hwm_kb * 1024 / MB}))


if __name__ == "__main__":
    _child()

"""Synthetic footage for ingest tests: NVR-style segment folders and damaged files."""

from __future__ import annotations

import subprocess
from datetime import datetime, timedelta
from pathlib import Path

from archive.ingest import media

RATE = 10  # frames per second; a keyframe every second (make_test_clip sets g=rate)


def nvr_segments(
    folder: Path,
    start: datetime,
    *,
    count: int = 3,
    seconds: int = 4,
    suffix: str = ".ts",
    pattern: str = "CAM1_%Y%m%dT%H%M%SZ",
) -> list[Path]:
    """One continuous recording split at keyframes into `count` files named after their start
    time, as an NVR writes them (MPEG-TS or MP4)."""
    folder.mkdir(parents=True, exist_ok=True)
    whole = media.make_test_clip(
        folder.parent / f".whole-{folder.name}.mp4", seconds=count * seconds
    )
    fmt = "mpegts" if suffix == ".ts" else "mp4"
    subprocess.run(
        [
            "ffmpeg", "-hide_banner", "-nostdin", "-v", "error", "-y", "-i", str(whole),
            "-map", "0", "-c", "copy", "-f", "segment", "-segment_time", str(seconds),
            "-segment_format", fmt, "-reset_timestamps", "1", str(folder / f"part%03d{suffix}"),
        ],
        check=True,
    )  # fmt: skip
    whole.unlink()
    named = []
    for i, part in enumerate(sorted(folder.glob(f"part*{suffix}"))):
        when = start + timedelta(seconds=i * seconds)
        target = folder / (when.strftime(pattern) + suffix)
        part.rename(target)
        named.append(target)
    return named


def truncated(source: Path, target: Path, keep: float = 0.5) -> Path:
    data = source.read_bytes()
    target.write_bytes(data[: int(len(data) * keep) + 7])  # +7: never on a packet boundary
    return target

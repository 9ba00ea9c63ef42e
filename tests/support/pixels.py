"""Footage with fine detail and sound, and its decoded pixels, for redaction tests."""

from __future__ import annotations

import json
import statistics
import subprocess
from datetime import UTC, datetime
from pathlib import Path

WIDTH, HEIGHT = 320, 240
BASE = ["ffmpeg", "-hide_banner", "-nostdin", "-v", "error", "-y"]


def detailed_footage(path: Path, seconds: int = 3) -> Path:
    """A cellular automaton (every pixel black or white: detail everywhere, which blurring
    destroys) at 10 fps with a 440 Hz tone, H.264 and AAC in MP4, dated by creation_time."""
    when = datetime(2026, 11, 1, 10, 0, tzinfo=UTC).isoformat()
    subprocess.run(
        [
            *BASE, "-f", "lavfi", "-i", f"cellauto=size={WIDTH}x{HEIGHT}:rate=10:rule=110",
            "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100", "-t", str(seconds),
            "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-g", "10",
            "-c:a", "aac", "-shortest", "-movflags", "+faststart",
            "-metadata", f"creation_time={when}", str(path),
        ],
        check=True,
    )  # fmt: skip
    return path


def frame(path: Path, at: float) -> bytes:
    """The frame shown `at` seconds into the clip, as raw RGB (3 bytes a pixel)."""
    raw = subprocess.run(
        [*BASE, "-ss", f"{at:.3f}", "-i", str(path), "-frames:v", "1", "-f", "rawvideo",
         "-pix_fmt", "rgb24", "-"],
        capture_output=True,
        check=True,
    ).stdout  # fmt: skip
    assert len(raw) == WIDTH * HEIGHT * 3, len(raw)
    return raw


def region(rgb: bytes, x: int, y: int, w: int, h: int) -> list[int]:
    """Every channel value of the pixels in the rectangle."""
    out: list[int] = []
    for row in range(y, y + h):
        start = (row * WIDTH + x) * 3
        out.extend(rgb[start : start + w * 3])
    return out


def variance(values: list[int]) -> float:
    return statistics.pvariance(values)


def mean(values: list[int]) -> float:
    return statistics.fmean(values)


def difference(a: list[int], b: list[int]) -> float:
    """Mean absolute difference of two regions of the same size."""
    return statistics.fmean(abs(p - q) for p, q in zip(a, b, strict=True))


def stream_kinds(path: Path) -> list[str]:
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "stream=codec_type", "-of", "json", str(path)],
        capture_output=True,
        check=True,
    ).stdout
    return [s["codec_type"] for s in json.loads(out)["streams"]]

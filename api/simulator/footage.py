"""Footage that carries its wall-clock time in every frame, for simulated recorders.

Each second of footage shows its UTC time as a row of black and white blocks (the Unix time's
low bits, readable back from any decoded frame by `clock_at`) and, for people, as text. A
keyframe starts every second, so a stream-copy cut on a whole second is exact. A recording
is written as NVR segments of MPEG-TS named after their start time, with timestamps that run
on across segments (one encode, split), as recorders keep them.
"""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path

WIDTH, HEIGHT, RATE = 320, 240, 10
BITS, BLOCK = 20, 32  # 20 bits of Unix time (12 days before it repeats), 32-pixel blocks
BASE = ["ffmpeg", "-hide_banner", "-nostdin", "-v", "error", "-y"]
NAME = "%Y%m%dT%H%M%SZ"


def frame(second: int) -> bytes:
    """One grey frame showing `second` (Unix time) as blocks: two rows of ten, 1 = white."""
    pixels = bytearray([96]) * (WIDTH * HEIGHT)
    for bit in range(BITS):
        value = 255 if (second >> bit) & 1 else 0
        x0, y0 = (bit % 10) * BLOCK, (bit // 10) * BLOCK
        row = bytes([value]) * BLOCK
        for y in range(y0, y0 + BLOCK):
            pixels[y * WIDTH + x0 : y * WIDTH + x0 + BLOCK] = row
    return bytes(pixels)


def record(
    folder: Path,
    camera_id: str,
    start: datetime,
    seconds: int,
    segment_s: int,
    *,
    label: str | None = None,
    ts_offset_s: int = 0,
) -> list[Path]:
    """`seconds` of footage from `start` (a whole second) as segments of `segment_s` seconds.

    `label` is drawn over the picture (a camera's name); `ts_offset_s` starts the timestamps
    that far in, so that recordings made piece by piece run on as one (a lazy recorder)."""
    folder.mkdir(parents=True, exist_ok=True)
    first = int(start.timestamp())
    raw = b"".join(frame(first + i) for i in range(seconds))
    texts = [_clock_text(first), _label_text(label) if label else None]
    filters = ",".join([f"fps={RATE}", *(text for text in texts if text)])
    whole = folder / f".whole-{camera_id}.ts"
    subprocess.run(
        [
            *BASE, "-f", "rawvideo", "-pix_fmt", "gray", "-s", f"{WIDTH}x{HEIGHT}",
            "-framerate", "1", "-i", "-", "-vf", filters,
            "-c:v", "libx264", "-preset", "ultrafast", "-g", str(RATE), "-keyint_min", str(RATE),
            "-sc_threshold", "0", "-pix_fmt", "yuv420p", "-f", "mpegts", str(whole),
        ],
        input=raw,
        check=True,
        capture_output=True,
    )  # fmt: skip
    subprocess.run(
        [
            *BASE, "-i", str(whole), "-map", "0", "-c", "copy", "-f", "segment",
            "-initial_offset", str(ts_offset_s),
            "-segment_time", str(segment_s), "-segment_format", "mpegts",
            str(folder / f".part-{camera_id}-%05d.ts"),
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    whole.unlink()
    named = []
    for i, part in enumerate(sorted(folder.glob(f".part-{camera_id}-*.ts"))):
        when = start + timedelta(seconds=i * segment_s)
        target = folder / f"{camera_id}_{when.astimezone(UTC).strftime(NAME)}.ts"
        part.rename(target)
        named.append(target)
    return named


def segment_start(path: Path) -> datetime:
    stamp = path.stem.rsplit("_", 1)[1]
    return datetime.strptime(stamp, NAME).replace(tzinfo=UTC)


def clock_at(path: Path, at: float) -> int:
    """The Unix time (mod 2^20) shown `at` seconds into a recording, read from its pixels."""
    raw = subprocess.run(
        [*BASE, "-i", str(path), "-ss", f"{at:.3f}", "-frames:v", "1", "-f", "rawvideo",
         "-pix_fmt", "gray", "-"],
        capture_output=True,
        check=True,
    ).stdout  # fmt: skip
    if len(raw) != WIDTH * HEIGHT:
        raise ValueError(f"{path.name}: no frame at {at:.3f} s")
    value = 0
    for bit in range(BITS):
        x, y = (bit % 10) * BLOCK + BLOCK // 2, (bit // 10) * BLOCK + BLOCK // 2
        if raw[y * WIDTH + x] > 128:
            value |= 1 << bit
    return value


def low_bits(t: datetime) -> int:
    """What `clock_at` reads for footage of second `t`."""
    return int(t.timestamp()) & ((1 << BITS) - 1)


def _clock_text(first: int) -> str | None:
    """The time as text under the blocks, when ffmpeg has drawtext and a font."""
    font = _font()
    if font is None:
        return None
    return (
        f"drawtext=fontfile={font}:fontsize=20:fontcolor=white:x=8:y={HEIGHT - 40}:"
        f"text='%{{pts\\:gmtime\\:{first}\\:%Y-%m-%d %H\\\\\\:%M\\\\\\:%S}} UTC'"
    )


def _label_text(label: str) -> str | None:
    """A camera's name over the footage, when ffmpeg has drawtext and a font."""
    font = _font()
    if font is None:
        return None
    safe = "".join(c for c in label if c.isalnum() or c in " .-/()")
    return (
        f"drawtext=fontfile={font}:fontsize=16:fontcolor=white:box=1:boxcolor=black@0.5:"
        f"x=8:y={HEIGHT - 70}:text='{safe}'"
    )


@cache
def _font() -> str | None:
    for candidate in (
        "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
        "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf",
    ):
        if Path(candidate).is_file():
            return candidate
    return None

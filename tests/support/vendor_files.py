"""Recorder export files as Dahua and Hikvision write them, made here from synthetic H.264.

- Dahua `.dav`: every frame in a DHAV block: a 24-byte header ("DHAV", frame type 0xFD for a
  keyframe / 0xFC otherwise, channel, frame number, block length, the wall-clock second packed
  into 32 bits, a millisecond counter), extension fields (0x80 size, 0x81 codec 2 = H.264 and
  frame rate), the Annex B access unit, then a "dhav" trailer with the block length.
  ffmpeg's `dhav` demuxer reads it (libavformat/dhav.c describes the same layout).
- Hikvision MPEG-PS export: a 40-byte "IMKH" file header followed by an MPEG program stream
  of H.264, often named .mp4 although it is none.
"""

from __future__ import annotations

import json
import struct
import subprocess
from datetime import datetime, timedelta
from pathlib import Path

BASE = ["ffmpeg", "-hide_banner", "-nostdin", "-v", "error", "-y"]
RATE = 10


def _h264(path: Path, seconds: int) -> None:
    subprocess.run(
        [*BASE, "-f", "lavfi", "-i", f"testsrc2=size=320x240:rate={RATE}", "-t", str(seconds),
         "-c:v", "libx264", "-preset", "ultrafast", "-g", str(RATE), "-pix_fmt", "yuv420p",
         "-bsf:v", "h264_mp4toannexb", "-f", "h264", str(path)],
        check=True,
    )  # fmt: skip


def _access_units(path: Path) -> list[tuple[bytes, bool]]:
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "packet=pos,size,flags", "-of", "json",
         str(path)],
        capture_output=True, check=True,
    ).stdout  # fmt: skip
    data = path.read_bytes()
    units = []
    for p in json.loads(out)["packets"]:
        pos, size = int(p["pos"]), int(p["size"])
        units.append((data[pos : pos + size], "K" in p["flags"]))
    return units


def _packed(t: datetime) -> int:
    return (
        ((t.year - 2000) << 26) | (t.month << 22) | (t.day << 17) | (t.hour << 12)
        | (t.minute << 6) | t.second
    )  # fmt: skip


def dahua_dav(path: Path, start: datetime, seconds: int = 3) -> Path:
    """A .dav of `seconds` of H.264 whose frames are dated from `start` (the recorder's time)."""
    raw = path.with_suffix(".h264")
    _h264(raw, seconds)
    blocks = []
    for n, (unit, key) in enumerate(_access_units(raw)):
        when = start + timedelta(seconds=n / RATE)
        ext = bytes([0x80, 0, 320 // 8, 240 // 8, 0x81, 0, 0x02, RATE])
        length = 24 + len(ext) + len(unit) + 8
        header = b"DHAV" + bytes([0xFD if key else 0xFC, 0, 0, 0])
        header += struct.pack("<III", n, length, _packed(when))
        header += struct.pack("<HBB", (n * 1000 // RATE) & 0xFFFF, len(ext), 0)
        blocks.append(header + ext + unit + b"dhav" + struct.pack("<I", length))
    raw.unlink()
    path.write_bytes(b"".join(blocks))
    return path


def hikvision_ps(path: Path, seconds: int = 3) -> Path:
    """A Hikvision-style export: IMKH header, then MPEG-PS with H.264."""
    ps = path.with_suffix(".mpg")
    subprocess.run(
        [*BASE, "-f", "lavfi", "-i", f"testsrc2=size=320x240:rate={RATE}", "-t", str(seconds),
         "-c:v", "libx264", "-preset", "ultrafast", "-g", str(RATE), "-pix_fmt", "yuv420p",
         "-f", "mpeg", str(ps)],
        check=True,
    )  # fmt: skip
    header = b"IMKH" + bytes([1, 1, 0, 0, 2, 0, 0, 1, 0x10, 0x71, 1, 0x10, 0x40, 0x1F, 0, 0])
    header += bytes(40 - len(header))
    path.write_bytes(header + ps.read_bytes())
    ps.unlink()
    return path

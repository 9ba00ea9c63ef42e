"""NVR segments: when each file starts, and which ones cover a requested range.

Recorders name segments after their start time (`CAM01_20261129T100000Z.ts`,
`20261129-100000.mp4`, `ch1_2026-11-29_10-00-00.ts`); names without an offset are in the
recorder's zone (`--source-tz`, UTC by default). Files without a time in their name use the
container's `creation_time`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from itertools import pairwise
from pathlib import Path

from archive.errors import InvalidInput
from archive.ingest.media import MediaInfo

SUFFIXES = {".ts", ".mts", ".m2ts", ".mp4", ".mov", ".mkv"}
JITTER_S = 1.0  # segment clocks and durations disagree by up to a frame or two; allow a second

_NAME_TIME = re.compile(
    r"(?<!\d)(\d{4})-?(\d{2})-?(\d{2})[T_\- ]?(\d{2})[:\-]?(\d{2})[:\-]?(\d{2})(?!\d)"
    r"(Z|[+-]\d{2}:?\d{2})?"
)
_OFFSET = re.compile(r"^([+-])(\d{2}):?(\d{2})$")


@dataclass(frozen=True)
class Segment:
    path: Path
    start: datetime  # wall-clock time of its first frame
    info: MediaInfo

    @property
    def end(self) -> datetime:
        return self.start + timedelta(seconds=self.info.duration_s)


def parse_offset(text: str) -> tzinfo:
    """`Z`, `UTC` or `+07:00` as a fixed zone."""
    t = text.strip().upper()
    if t in ("Z", "UTC"):
        return UTC
    m = _OFFSET.match(t)
    if not m:
        raise InvalidInput(f"invalid offset {text!r}: expected Z or +HH:MM, e.g. +07:00")
    sign = 1 if m.group(1) == "+" else -1
    return timezone(sign * timedelta(hours=int(m.group(2)), minutes=int(m.group(3))))


def time_from_name(name: str, zone: tzinfo = UTC) -> datetime | None:
    for m in _NAME_TIME.finditer(name):
        y, mo, d, h, mi, s, off = m.groups()
        try:
            local = datetime(int(y), int(mo), int(d), int(h), int(mi), int(s))
        except ValueError:
            continue  # digits that only look like a date (a camera number, say)
        return local.replace(tzinfo=parse_offset(off) if off else zone)
    return None


def segment_files(folder: Path) -> list[Path]:
    files = sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in SUFFIXES)
    if not files:
        raise InvalidInput(f"{folder} holds no recording segments ({', '.join(sorted(SUFFIXES))})")
    return files


def candidates(named: Sequence[tuple[Path, datetime]], start: datetime, end: datetime) -> list[int]:
    """Indexes (in time order) of the segments that may cover [start, end], judged by their
    start times alone, so that only those need probing: from the last one starting at or
    before `start` to the last one starting before `end`."""
    order = sorted(range(len(named)), key=lambda i: named[i][1])
    first = 0
    for pos, i in enumerate(order):
        if named[i][1] <= start:
            first = pos
    chosen = [i for pos, i in enumerate(order) if pos >= first and named[i][1] < end]
    return chosen or order[:1]


def covering(segments: Sequence[Segment], start: datetime, end: datetime) -> list[Segment]:
    """The segments overlapping [start, end], checked to cover it without gaps and to be
    joinable by stream copy; otherwise InvalidInput saying what is wrong."""
    if end <= start:
        raise InvalidInput("--end must be after --start")
    ordered = sorted(segments, key=lambda s: s.start)
    jitter = timedelta(seconds=JITTER_S)
    first, last = ordered[0].start, max(s.end for s in ordered)
    if start < first - jitter or end > last + jitter:
        raise InvalidInput(
            f"the requested range {start.isoformat()} – {end.isoformat()} is outside the "
            f"recording ({first.isoformat()} – {last.isoformat()})"
        )
    used = [s for s in ordered if s.end > start and s.start < end]
    for prev, nxt in pairwise(used):
        if nxt.start - prev.end > jitter:
            raise InvalidInput(
                f"the recording has a gap from {prev.end.isoformat()} to "
                f"{nxt.start.isoformat()} ({prev.path.name} → {nxt.path.name})"
            )
        if prev.end - nxt.start > jitter:
            raise InvalidInput(f"segments {prev.path.name} and {nxt.path.name} overlap")
    shapes = {(s.info.codec, s.info.width, s.info.height) for s in used}
    if len(shapes) > 1:
        raise InvalidInput(
            "the segments in the range differ in codec or size and cannot be joined by copy"
        )
    return used

"""Turn an ingest source into the exact bytes to archive, checked, hashed and described.

A recording file is archived as it is, or cut by stream copy when a range is asked for; a
folder of NVR segments is cut across segment boundaries; a live camera is recorded for a
duration. Every check happens here, before anything is stored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any

from archive.errors import InvalidInput
from archive.ingest import cutting, media, segments
from archive.ingest.cutting import Piece
from archive.ingest.segments import Segment

STREAM = re.compile(r"^(rtsps?|https?)://", re.IGNORECASE)
MAX_LIVE = timedelta(hours=12)
EARLY_STOP_S = 1.0  # a live recording may fall short of the duration by a frame interval or so


class NoFootage(InvalidInput):
    """The recording holds nothing of the requested range (a pull reports, not fails)."""


@dataclass(frozen=True)
class Request:
    source: str
    source_start: datetime | None = None
    start: datetime | None = None
    end: datetime | None = None
    duration: timedelta | None = None
    source_tz: tzinfo = UTC
    # Cut what the recording holds of [start, end] instead of refusing a range reaching
    # outside it (NoFootage if it holds none of it): a pull takes what each camera kept.
    clamp: bool = False


@dataclass(frozen=True)
class Recording:
    """What to archive. Its metadata is read; its integrity check and hash come next, side by
    side with its derivatives (archive/ingest/ingest.py)."""

    path: Path  # the source file itself, or a file made in the work folder
    info: media.MediaInfo
    start: datetime  # wall-clock time of the first frame archived
    end: datetime
    source: dict[str, Any] = field(default_factory=dict)  # for the ClipIngested event


def prepare(req: Request, workdir: Path) -> Recording:
    if STREAM.match(req.source):
        return _stream(req, workdir)
    if "://" in req.source:
        raise InvalidInput(
            f"unsupported source {req.source.split('://')[0]}://: use a file, "
            "a folder of segments, rtsp:// or http(s)://"
        )
    if req.duration is not None:
        raise InvalidInput("--duration is for live streams; cut files with --start/--end")
    path = Path(req.source)
    if path.is_dir():
        return _segments(path, req, workdir)
    if path.is_file():
        return _file(path, req, workdir)
    raise InvalidInput(f"source not found: {path}")


def _file(path: Path, req: Request, workdir: Path) -> Recording:
    info = media.read_metadata(path)
    first_frame = req.source_start or info.creation_time or media.recorder_time(info, req.source_tz)
    if first_frame is None:
        raise InvalidInput(
            f"{path.name} does not say when it was recorded: pass --source-start ISO"
        )
    whole = Segment(path, first_frame, info)
    described = {"kind": "file", "name": path.name}
    if req.start is None and req.end is None:
        span = {"start": _iso(whole.start), "end": _iso(whole.end)}
        return Recording(path, info, whole.start, whole.end, {**described, "actual": span})
    start, end = req.start or whole.start, req.end or whole.end
    if req.clamp:
        start, end = _clamp([whole], start, end)
    return _cut([whole], start, end, workdir, described)


def _segments(folder: Path, req: Request, workdir: Path) -> Recording:
    if req.start is None or req.end is None:
        raise InvalidInput("a folder of segments needs --start and --end")
    files = segments.segment_files(folder)
    named = [(p, segments.time_from_name(p.name, req.source_tz)) for p in files]
    if all(t is not None for _, t in named):
        timed = [(p, t) for p, t in named if t is not None]
        picked = [timed[i] for i in segments.candidates(timed, req.start, req.end)]
        found = [Segment(p, t, media.probe(p)) for p, t in picked]
    else:  # some names carry no time: the containers must say
        found = []
        for p, t in named:
            info = media.probe(p)
            when = t or info.creation_time
            if when is None:
                raise InvalidInput(
                    f"cannot tell when {p.name} was recorded: no time in its name or its metadata"
                )
            found.append(Segment(p, when, info))
    described = {"kind": "segments", "folder": folder.name}
    start, end = _clamp(found, req.start, req.end) if req.clamp else (req.start, req.end)
    return _cut(found, start, end, workdir, described)


def _clamp(found: list[Segment], start: datetime, end: datetime) -> tuple[datetime, datetime]:
    """[start, end] narrowed to the recordings that overlap it."""
    if end <= start:
        raise InvalidInput("--end must be after --start")
    overlapping = [s for s in found if s.end > start and s.start < end]
    if not overlapping:
        held = ", ".join(f"{s.start.isoformat()} – {s.end.isoformat()}" for s in found[:3])
        raise NoFootage(f"no recording in the requested range (the recordings hold {held})")
    return max(start, min(s.start for s in overlapping)), min(end, max(s.end for s in overlapping))


def _cut(
    found: list[Segment], start: datetime, end: datetime, workdir: Path, described: dict[str, Any]
) -> Recording:
    """Copy-cut [start, end] out of contiguous segments (one, for a file). The cut begins on
    the keyframe at or before `start`; the range really archived is measured and recorded."""
    used = segments.covering(found, start, end)
    first, last = used[0], used[-1]
    inpoint = None
    if start > first.start:
        wanted = first.info.start_s + (start - first.start).total_seconds()
        inpoint = media.keyframe_at_or_before(first.path, wanted)
    outpoint = None
    if end < last.end:
        outpoint = last.info.start_s + (end - last.start).total_seconds()
    pieces = [
        Piece(
            s.path,
            inpoint if i == 0 else None,
            outpoint if i == len(used) - 1 else None,
        )
        for i, s in enumerate(used)
    ]
    suffix, muxer = cutting.container_for(first.info)
    out = workdir / f"cut{suffix}"
    args = cutting.concat_copy(pieces, out, muxer)
    info = media.read_metadata(out)
    began = first.start + timedelta(
        seconds=(inpoint - first.info.start_s) if inpoint is not None else 0.0
    )
    ended = began + timedelta(seconds=info.duration_s)
    source = {
        **described,
        "names": [s.path.name for s in used],
        "requested": {"start": _iso(start), "end": _iso(end)},
        "actual": {"start": _iso(began), "end": _iso(ended)},
        "pieces": [
            {"name": p.path.name, "inpoint": _round(p.inpoint), "outpoint": _round(p.outpoint)}
            for p in pieces
        ],
        "tool": media.ffmpeg_version(),
        "args": args,
    }
    return Recording(out, info, began, ended, source)


def _stream(req: Request, workdir: Path) -> Recording:
    if req.duration is None:
        raise InvalidInput("a live stream needs --duration, e.g. PT30S")
    if req.start or req.end or req.source_start:
        raise InvalidInput("a live stream is recorded from now: use --duration only")
    seconds = req.duration.total_seconds()
    if not 0 < seconds <= MAX_LIVE.total_seconds():
        raise InvalidInput(f"--duration must be between PT1S and {MAX_LIVE}")
    out = workdir / "live.mkv"
    url = cutting.public_url(req.source)
    args = cutting.record_stream(req.source, seconds, out)
    # The last packet arrives just before ffmpeg stops, so the archive's clock at the end,
    # less the recorded duration, dates the first frame better than the time of connecting.
    stopped = datetime.now(UTC)
    if not out.exists() or out.stat().st_size == 0:
        raise InvalidInput(f"stream {url} sent no video")
    info = media.read_metadata(out)
    if info.duration_s < seconds - EARLY_STOP_S:
        raise InvalidInput(
            f"stream {url} stopped after {info.duration_s:.1f} s of the requested {seconds:g} s"
        )
    began = stopped - timedelta(seconds=info.duration_s)
    source = {
        "kind": "stream",
        "url": url,
        "requested": {"duration_s": seconds},
        "actual": {"start": _iso(began), "end": _iso(stopped)},
        "clock": "archive clock when the recording ended, less its duration",
        "tool": media.ffmpeg_version(),
        "args": args,
    }
    return Recording(out, info, began, stopped, source)


def _iso(t: datetime) -> str:
    return t.isoformat()


def _round(t: float | None) -> float | None:
    return None if t is None else round(t, 6)

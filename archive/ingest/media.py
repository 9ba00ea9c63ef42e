"""Media inspection and generation, over ffmpeg-python and the system's ffmpeg."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, tzinfo
from fractions import Fraction
from functools import cache
from pathlib import Path
from typing import Any

import ffmpeg

from archive.errors import FfmpegMissing, MediaError


@dataclass(frozen=True)
class MediaInfo:
    container: str
    codec: str
    width: int
    height: int
    fps: float | None
    duration_s: float
    bit_rate: int | None
    has_audio: bool
    creation_time: datetime | None
    start_s: float = 0.0  # the container's first timestamp (cuts are planned in its time)
    audio_codec: str | None = None
    pix_fmt: str | None = None

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["creation_time"] = self.creation_time.isoformat() if self.creation_time else None
        return d


def require_ffmpeg() -> None:
    if not shutil.which("ffmpeg") or not shutil.which("ffprobe"):
        raise FfmpegMissing("ffmpeg is not installed (Debian: apt-get install ffmpeg)")


def ffmpeg_version() -> str:
    """The first line of `ffmpeg -version`, asked once per installed binary."""
    require_ffmpeg()
    binary = str(shutil.which("ffmpeg"))
    return _version(binary, os.stat(binary).st_mtime_ns)


@cache
def _version(binary: str, _mtime_ns: int) -> str:
    out = subprocess.run([binary, "-version"], capture_output=True, text=True, check=False).stdout
    return out.splitlines()[0] if out else "unknown"


def probe(path: Path) -> MediaInfo:
    """Read container and stream metadata; refuse anything that is not intact video."""
    info = read_metadata(path)
    check_integrity(path)
    return info


def _probe(path: Path, **options: Any) -> dict[str, Any]:
    """ffprobe's JSON about the file, asked again once if its answer is not JSON: a pull of
    several cameras on a heavily loaded machine twice failed on such an answer (exit 0); the
    cause was not found. A second bad answer is reported as unreadable media."""
    for attempt in (1, 2):
        try:
            return dict(ffmpeg.probe(str(path), **options))
        except ValueError:  # json.JSONDecodeError
            if attempt == 2:
                raise MediaError(f"{path.name}: ffprobe gave no readable answer") from None
    raise AssertionError("unreachable")


def hash_file(path: Path) -> str:
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def read_metadata(path: Path) -> MediaInfo:
    require_ffmpeg()
    if path.stat().st_size == 0:
        raise MediaError(f"{path.name} is empty")
    try:
        data = _probe(path)
    except ffmpeg.Error as e:
        raise MediaError(f"{path.name} is not a readable video: {last_line(e.stderr)}") from None
    streams = data.get("streams", [])
    video = next((s for s in streams if s.get("codec_type") == "video"), None)
    if video is None:
        kinds = sorted({s.get("codec_type", "?") for s in streams}) or ["nothing"]
        raise MediaError(f"{path.name} has no video stream (found {', '.join(kinds)})")
    audio = next((s for s in streams if s.get("codec_type") == "audio"), None)
    fmt = data.get("format", {})
    if _still(str(fmt.get("format_name", ""))):
        # ffmpeg reads a JPEG or PNG as one frame of "video" (image2): a photograph is no clip.
        kind = str(video.get("codec_name", "image")).upper()
        raise MediaError(f"{path.name} is not a video: it is a still image ({kind})")
    _check_ts_length(path, str(fmt.get("format_name", "")))
    duration = _float(fmt.get("duration")) or _float(video.get("duration"))
    if "dhav" in str(fmt.get("format_name", "")):
        duration = _packet_span(path, video) or duration  # ffmpeg estimates it in whole seconds
    if not duration or duration <= 0:
        raise MediaError(f"{path.name} has no measurable duration")
    return MediaInfo(
        container=str(fmt.get("format_name", "unknown")),
        codec=str(video.get("codec_name", "unknown")),
        width=int(video.get("width") or 0),
        height=int(video.get("height") or 0),
        fps=_rate(video.get("avg_frame_rate") or video.get("r_frame_rate")),
        duration_s=round(duration, 6),
        bit_rate=int(fmt["bit_rate"]) if str(fmt.get("bit_rate", "")).isdigit() else None,
        has_audio=audio is not None,
        creation_time=_time(fmt.get("tags", {}).get("creation_time")),
        start_s=_float(fmt.get("start_time")) or 0.0,
        audio_codec=str(audio.get("codec_name")) if audio else None,
        pix_fmt=video.get("pix_fmt"),
    )


def _packet_span(path: Path, video: dict[str, Any]) -> float | None:
    """First to last video packet plus one frame, read by demuxing (no decoding)."""
    try:
        data = _probe(path, select_streams="v:0", show_entries="packet=pts_time")
    except ffmpeg.Error:
        return None
    times = [t for p in data.get("packets", []) if (t := _float(p.get("pts_time"))) is not None]
    rate = _rate(video.get("avg_frame_rate") or video.get("r_frame_rate"))
    if len(times) < 2:
        return None
    return max(times) - min(times) + (1 / rate if rate else 0.0)


def _still(format_name: str) -> bool:
    """ffmpeg's demuxers of single images: image2 and the *_pipe family (jpeg_pipe, png_pipe,
    webp_pipe, ...)."""
    return any(n == "image2" or n.endswith("_pipe") for n in format_name.split(","))


def recorder_time(info: MediaInfo, zone: tzinfo) -> datetime | None:
    """When a Dahua .dav was recorded: its frames carry the recorder's wall-clock time (in the
    recorder's own zone), which ffmpeg's dhav demuxer gives as the stream's start."""
    if info.container != "dhav" or info.start_s < 946684800:  # before 2000: not a date
        return None
    local = datetime.fromtimestamp(info.start_s, UTC).replace(tzinfo=None)
    return local.replace(tzinfo=zone)


def keyframe_at_or_before(path: Path, t: float) -> float | None:
    """Time (container clock) of the last video keyframe at or before t: where a copy cut
    really begins. Reads packets from a little before t, or from the start if needed."""
    for start in (max(0.0, t - 30.0), 0.0):
        try:
            data = _probe(
                path,
                select_streams="v:0",
                show_entries="packet=pts_time,flags",
                read_intervals=f"{start:.6f}%{t + 0.0005:.6f}",
            )
        except ffmpeg.Error as e:
            raise MediaError(f"{path.name}: cannot read keyframes: {last_line(e.stderr)}") from None
        keys = [
            float(p["pts_time"])
            for p in data.get("packets", [])
            if "K" in p.get("flags", "") and _float(p.get("pts_time")) is not None
        ]
        keys = [k for k in keys if k <= t + 1e-6]
        if keys:
            return max(keys)
        if start == 0.0:
            break
    return None


def check_integrity(path: Path) -> None:
    """Demux every packet (no decoding, so it runs at disk speed); damage shows as errors."""
    cmd = (
        ffmpeg.input(str(path))
        .output("-", format="null", c="copy", map="0")
        .global_args("-hide_banner", "-v", "error", "-xerror", "-nostdin")
    )
    try:
        _, err = cmd.run(capture_stdout=True, capture_stderr=True)
    except ffmpeg.Error as e:
        raise MediaError(f"{path.name} is damaged or truncated: {last_line(e.stderr)}") from None
    if err and err.strip():
        raise MediaError(f"{path.name} is damaged or truncated: {last_line(err)}")


def _check_ts_length(path: Path, container: str) -> None:
    """MPEG-TS is a run of 188-byte packets (192 in M2TS); its demuxer quietly drops a partial
    last packet, so a copy cut off mid-write would pass the demux check."""
    size = path.stat().st_size
    if "mpegts" in container and size % 188 and size % 192:
        raise MediaError(f"{path.name} is truncated: it ends inside a transport-stream packet")


def make_test_clip(
    path: Path,
    *,
    seconds: float = 3,
    creation_time: datetime | None = None,
    size: str = "320x240",
    rate: int = 10,
    pattern: str = "testsrc2",
) -> Path:
    """Synthetic CCTV-like footage (H.264, faststart) for the demo and the tests."""
    require_ffmpeg()
    meta = {}
    if creation_time is not None:
        meta["metadata"] = f"creation_time={creation_time.isoformat()}"
    (
        ffmpeg.input(f"{pattern}=size={size}:rate={rate}", f="lavfi", t=seconds)
        .output(
            str(path),
            vcodec="libx264",
            preset="ultrafast",
            pix_fmt="yuv420p",
            g=rate,
            movflags="+faststart",
            **meta,
        )
        .global_args("-hide_banner", "-v", "error", "-nostdin", "-y")
        .run(capture_stdout=True, capture_stderr=True)
    )
    return path


def last_line(stderr: bytes | str | None) -> str:
    """ffmpeg's last word, for an error text: file paths cut to their file names (a server's
    temporary folders are nobody's business, issue 18 finding 7); URLs are left alone."""
    if not stderr:
        return "no detail from ffmpeg"
    text = stderr.decode("utf-8", "replace") if isinstance(stderr, bytes) else stderr
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return _PATH.sub(r"\1", lines[-1])[:300] if lines else "no detail from ffmpeg"


# An absolute path (not the path part of a URL): its folders, then the file name kept.
_PATH = re.compile(r"(?<![\w:/.@-])/(?:[^\s/:'\",]+/)+([^\s/:'\",]*)")


def _float(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _rate(value: Any) -> float | None:
    try:
        r = Fraction(str(value))
    except (ValueError, ZeroDivisionError):
        return None
    return round(float(r), 3) if r > 0 else None


def _time(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        t = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return t if t.tzinfo else None

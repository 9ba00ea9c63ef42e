"""ffmpeg jobs that produce the bytes to archive: copy cuts across files, live recordings.

Cuts are stream copies (the camera's own packets, never re-encoded). A cut can only begin on
a keyframe, so callers plan it from the keyframe at or before the requested start and record
where it really landed. Every job returns the exact command line it ran, with local paths
replaced by placeholders and credentials removed, for the clip's event.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

from archive.errors import MediaError
from archive.ingest.media import MediaInfo, last_line, require_ffmpeg
from archive.settings import redact_url

BASE = ["ffmpeg", "-hide_banner", "-nostdin", "-v", "error", "-y"]
KEEP_STREAMS = ["-map", "0:v", "-map", "0:a?"]  # video and any audio; never re-encoded
_SECRET_PARAM = re.compile(r"((?:pass|pwd|password|token|key|secret|auth)[^=&]*=)[^&]*", re.I)


@dataclass(frozen=True)
class Piece:
    """One input of a cut, with in/out points on its own container clock (None: its edge)."""

    path: Path
    inpoint: float | None = None
    outpoint: float | None = None


def container_for(info: MediaInfo) -> tuple[str, list[str]]:
    """The suffix and muxer options that keep the source's container family."""
    if "mpegts" in info.container:
        return ".ts", ["-f", "mpegts"]
    if "mp4" in info.container or "mov" in info.container:
        return ".mp4", ["-f", "mp4", "-movflags", "+faststart"]
    return ".mkv", ["-f", "matroska"]


def concat_copy(pieces: list[Piece], out: Path, muxer: list[str]) -> list[str]:
    """Join pieces with the concat demuxer, copying packets; returns the public arguments."""
    listing = out.with_suffix(".ffconcat")
    lines = ["ffconcat version 1.0"]
    for p in pieces:
        lines.append("file '" + str(p.path.resolve()).replace("'", "'\\''") + "'")
        if p.inpoint is not None:
            lines.append(f"inpoint {p.inpoint:.6f}")
        if p.outpoint is not None:
            lines.append(f"outpoint {p.outpoint:.6f}")
    listing.write_text("\n".join(lines) + "\n")
    # auto_convert 0: the concat demuxer would otherwise rewrite H.264 from MP4 to Annex B and
    # back, adding parameter sets to keyframes: the packets must stay the camera's own.
    args = ["-f", "concat", "-safe", "0", "-auto_convert", "0", "-i", str(listing)]
    args += [*KEEP_STREAMS, "-c", "copy"]
    run([*BASE, *args, *muxer, str(out)], what="the cut")
    public = [*args, *muxer, "OUTPUT"]
    return [a if a != str(listing) else "LIST" for a in public]


def record_stream(url: str, seconds: float, out: Path, connect_timeout_s: float = 10) -> list[str]:
    """Record a live rtsp:// or http(s):// camera for `seconds`, copying its packets into
    Matroska (it takes any codec cameras send, G.711 audio included)."""
    micros = str(int(connect_timeout_s * 1_000_000))
    if url.lower().startswith(("rtsp://", "rtsps://")):
        options = ["-rtsp_transport", "tcp", "-timeout", micros]
    else:
        options = ["-rw_timeout", micros]
    # Two seconds of stream find every camera's parameters (ffmpeg's default waits five);
    # what is read meanwhile is recorded too, so this only shortens the wait.
    options += ["-analyzeduration", "2000000"]
    args = [*options, "-i", url, "-t", f"{seconds:.3f}", *KEEP_STREAMS, "-c", "copy"]
    muxer = ["-f", "matroska"]
    public = public_url(url)
    try:
        run(
            [*BASE, *args, *muxer, str(out)],
            what=f"stream {public}",
            timeout=seconds + connect_timeout_s + 30,
        )
    except MediaError as e:
        raise MediaError(str(e).replace(url, public)) from None
    return [public if a == url else a for a in [*args, *muxer, "OUTPUT"]]


def public_url(url: str) -> str:
    """A camera URL fit for the log: no password, no secrets in its query."""
    return _SECRET_PARAM.sub(r"\1***", redact_url(url))


def run(cmd: list[str], *, what: str, timeout: float | None = None) -> None:
    require_ffmpeg()
    try:
        done = subprocess.run(cmd, capture_output=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        raise MediaError(f"{what} did not finish within {timeout:.0f} s") from None
    if done.returncode != 0:
        raise MediaError(f"{what} failed: {last_line(done.stderr)}")

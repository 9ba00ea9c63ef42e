"""Derivatives of an original: a poster frame always, a browser proxy when one is needed.

Each is made from the original's bytes into a new file, stored as its own hashed object and
recorded with the ffmpeg version and exact arguments that made it. The original is never
touched.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from archive.ingest.cutting import BASE, run
from archive.ingest.media import MediaInfo, ffmpeg_version

BROWSER_VIDEO = {"h264"}
BROWSER_AUDIO = {None, "aac", "mp3"}
BROWSER_PIXELS = {None, "yuv420p", "yuvj420p"}


@dataclass(frozen=True)
class Derivative:
    kind: str  # "poster" | "proxy"
    path: Path
    made_with: dict[str, Any]


def browser_playable(info: MediaInfo) -> bool:
    """H.264 (4:2:0) in MP4 with AAC/MP3 or no audio plays in every current browser."""
    return (
        "mp4" in info.container
        and info.codec in BROWSER_VIDEO
        and info.audio_codec in BROWSER_AUDIO
        and info.pix_fmt in BROWSER_PIXELS
    )


def make_all(original: Path, info: MediaInfo, workdir: Path) -> list[Derivative]:
    made = [poster(original, info, workdir / "poster.jpg")]
    if not browser_playable(info):
        made.append(proxy(original, info, workdir / "proxy.mp4"))
    return made


def poster(original: Path, info: MediaInfo, out: Path) -> Derivative:
    """The clip's first keyframe (a live recording may begin mid-GOP, before one): a single
    frame decoded on one thread, whatever the clip's size (seeking cost three times as much)."""
    args = ["-threads", "1", "-skip_frame", "nokey", "-i", "INPUT", "-frames:v", "1"]
    args += ["-q:v", "3", "-f", "image2"]
    return _make("poster", original, out, args)


def proxy(original: Path, info: MediaInfo, out: Path) -> Derivative:
    """H.264 MP4 with faststart. H.264 video is only remuxed (its packets copied); anything
    else is encoded once, at a quality good enough to view, never to replace the original."""
    if info.codec in BROWSER_VIDEO and info.pix_fmt in BROWSER_PIXELS:
        video = ["-c:v", "copy"]
    else:
        video = ["-c:v", "libx264", "-preset", "veryfast", "-crf", "23", "-pix_fmt", "yuv420p"]
    audio = ["-c:a", "aac", "-b:a", "96k"] if info.has_audio else []
    args = ["-i", "INPUT", "-map", "0:v:0", "-map", "0:a:0?", *video, *audio]
    args += ["-movflags", "+faststart", "-f", "mp4"]
    return _make("proxy", original, out, args)


def _make(kind: str, original: Path, out: Path, args: list[str]) -> Derivative:
    real = [str(original) if a == "INPUT" else a for a in args]
    run([*BASE, *real, str(out)], what=f"making the {kind}")
    return Derivative(kind, out, {"tool": ffmpeg_version(), "args": [*args, "OUTPUT"]})

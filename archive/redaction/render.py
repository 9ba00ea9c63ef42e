"""The bytes of a redacted copy: ffmpeg (through ffmpeg-python) hides boxes, drops audio.

Blur: each box is cropped out of the picture, blurred with boxblur at the largest radius its
size allows (power 3, close to a Gaussian: no detail survives), and laid back over the same
place. Black: the box is filled black (drawbox). A box with a time range acts only while
`between(t,START,END)` holds, t counted in seconds from the clip's first frame (ffmpeg starts
every input's clock at zero). The video is encoded once as H.264 (CRF 18: outside the boxes
the picture is kept close to the original) in MP4 with faststart; the first audio track is
kept (copied when AAC or MP3, else encoded as AAC), or left out with `mute`. The arguments are
recorded exactly as run (after `ffmpeg`), with the input and output paths as INPUT and OUTPUT.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import ffmpeg

from archive.ingest.cutting import BASE, run
from archive.ingest.media import MediaInfo, ffmpeg_version
from domain.redaction import Box

VIDEO = {"vcodec": "libx264", "preset": "veryfast", "crf": 18, "pix_fmt": "yuv420p"}
MUXER = {"movflags": "+faststart", "f": "mp4"}
COPIED_AUDIO = {"aac", "mp3"}
BLUR = {
    "luma_radius": "min(w,h)/2",
    "luma_power": 3,
    "chroma_radius": "min(cw,ch)/2",
    "chroma_power": 3,
}


def redact(
    source: Path, info: MediaInfo, boxes: list[Box], mode: str, mute: bool, out: Path
) -> dict[str, Any]:
    """Write the redacted copy of `source` to `out`; return {"version", "args"} of ffmpeg."""
    stream = ffmpeg.input(str(source))
    video = stream.video
    for box in boxes:
        video = _blur(video, box) if mode == "blur" else _black(video, box)
    outputs = [video]
    audio: dict[str, Any] = {}
    if info.has_audio and not mute:
        outputs.append(stream["a:0"])
        audio["acodec"] = "copy" if info.audio_codec in COPIED_AUDIO else "aac"
    args = ffmpeg.output(*outputs, str(out), **VIDEO, **audio, **MUXER).get_args()
    run([*BASE, *args], what="the redaction")
    public = [_placeholder(a, source, out) for a in [*BASE[1:], *args]]
    return {"version": ffmpeg_version(), "args": public}


def _placeholder(arg: str, source: Path, out: Path) -> str:
    return "INPUT" if arg == str(source) else "OUTPUT" if arg == str(out) else arg


def _when(box: Box) -> dict[str, str]:
    if box.start is None or box.end is None:
        return {}
    return {"enable": f"between(t,{_seconds(box.start)},{_seconds(box.end)})"}


def _seconds(value: float) -> str:
    return f"{value:.3f}".rstrip("0").rstrip(".")


def _black(video: Any, box: Box) -> Any:
    where = {"x": box.x, "y": box.y, "w": box.w, "h": box.h}
    return video.filter("drawbox", **where, color="black", t="fill", **_when(box))


def _blur(video: Any, box: Box) -> Any:
    picture = video.split()
    part = picture[1].filter("crop", w=box.w, h=box.h, x=box.x, y=box.y).filter("boxblur", **BLUR)
    return ffmpeg.filter([picture[0], part], "overlay", x=box.x, y=box.y, **_when(box))

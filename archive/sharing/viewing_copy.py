"""The viewing copy a view-only share serves instead of the original (issue 18, finding 2).

A view-only link must not let the original leave the archive: its recipient watches a copy
made for that share, with the recipient and the share id burned into the picture (H.264 MP4,
faststart, the first audio track kept), so a recording of the screen or of the bytes names
where it leaked from. It is made on the first view of each clip, stored content-addressed and
locked like the original, and recorded on the clip as a derivative (`DerivativeAdded`, kind
`share-view:<share id>`, with the ffmpeg version and arguments); later views serve the same
object. Two first views at once may both encode; the first recorded copy is the one kept.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from eventsourcing.domain import Aggregate

from archive.custody.retrieval import fetch_verified
from archive.guard import Principal
from archive.ingest import media
from archive.ingest.cutting import BASE, run
from archive.records import load_clip
from archive.services import Services
from domain.clip import Clip
from domain.share import Share
from retention import calc as retention_calc

KIND = "share-view:"
FONTS = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
)
VIDEO = ["-c:v", "libx264", "-preset", "veryfast", "-crf", "26", "-pix_fmt", "yuv420p"]


def kind_for(share: Share) -> str:
    return f"{KIND}{share.share_id}"


def viewing_copy(svc: Services, who: Principal, share: Share, clip: Clip) -> dict[str, Any]:
    """The clip's viewing copy for this share (its derivative record), made if need be, for
    the recipient the share's token proved (archive/sharing/links.py)."""
    ctx = who.ctx
    kind = kind_for(share)
    found = _recorded(clip, kind)
    if found is not None:
        return found
    svc.objects.check()
    policies = retention_calc.Policies.read(svc.db)
    lock = policies.store_lock(clip.start, clip.retention_class, clip.retain_until)
    label = f"{share.recipient} - share {share.share_id}"
    with tempfile.TemporaryDirectory(prefix="saksi-share-view-") as work:
        source, out = Path(work) / "original", Path(work) / "viewing.mp4"
        fetch_verified(svc, clip, source, "no viewing copy was made")
        made_with = _render(source, out, label, Path(work) / "label.txt", clip)
        with open(out, "rb") as f:
            stored = svc.objects.put(f, retain_until=lock, expected_sha256=media.hash_file(out))
    made_with |= {"share_id": share.share_id, "recipient": share.recipient}

    def record(current: Clip) -> tuple[list[Aggregate], dict[str, Any]]:
        already = _recorded(current, kind)
        if already is not None:  # another view made one first: that one is served
            return [], already
        current.add_derivative(
            kind, stored.sha256, stored.size_bytes, stored.reference(), made_with, ctx
        )
        return [current], current.derivatives[-1]

    return svc.events.save_reloading(clip, lambda: load_clip(svc.events, clip.clip_id), record)


def _recorded(clip: Clip, kind: str) -> dict[str, Any] | None:
    return next((d for d in clip.derivatives if d["kind"] == kind), None)


def _render(source: Path, out: Path, label: str, label_file: Path, clip: Clip) -> dict[str, Any]:
    """ffmpeg burns the label in (read from a file: no escaping of the recipient's text)."""
    label_file.write_text(label, encoding="utf-8")
    font = next((f for f in FONTS if Path(f).is_file()), None)
    if font is not None:
        text = f"fontfile={font}:textfile=LABEL:expansion=none:fontcolor=white@0.85"
        mark = f"drawtext={text}:fontsize=h/16:box=1:boxcolor=black@0.5:x=(w-tw)/2:y=h-th-h/12"
    else:  # no font on this host: a band across the picture still marks it as a copy
        mark = "drawbox=x=0:y=ih*0.8:w=iw:h=ih/12:color=white@0.6:t=fill"
    audio = ["-c:a", "aac", "-b:a", "96k"] if clip.media.get("audio_codec") else []
    args = ["-i", "INPUT", "-map", "0:v:0", "-map", "0:a:0?", "-vf", mark, *VIDEO, *audio]
    args += ["-movflags", "+faststart", "-f", "mp4"]
    real = [str(source) if a == "INPUT" else a.replace("LABEL", str(label_file)) for a in args]
    run([*BASE, *real, str(out)], what="making the viewing copy")
    return {"tool": media.ffmpeg_version(), "args": [*args, "OUTPUT"], "label": label}

"""Redaction: boxes to hide over time ranges, and the redacted copy of a clip.

A redacted copy is a clip of its own (its own stream, hash, retention, holds and exports)
whose ClipIngested records what it was made from: the original's id and SHA-256, the boxes,
the mode, whether the audio was dropped, and the exact ffmpeg version and arguments. The
original records a RedactedCopyMade naming the copy, so its own trail shows the redaction.
The original's content is never touched.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from domain.base import Context, RuleBroken
from domain.clip import REDACTED_COPY, Clip

MODES = ("blur", "black")
MAX_BOXES = 64
MIN_SIDE = 2  # pixels: one pixel has no chroma sample of its own in 4:2:0 video
_SPEC = re.compile(r"^(\d+),(\d+),(\d+),(\d+)(?:@(\d+(?:\.\d+)?)-(\d+(?:\.\d+)?))?$")


@dataclass(frozen=True)
class Box:
    """A rectangle in pixels (x, y from the top left), hidden from `start` to `end` seconds
    after the clip's first frame; both None: for the whole clip."""

    x: int
    y: int
    w: int
    h: int
    start: float | None = None
    end: float | None = None

    def as_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"x": self.x, "y": self.y, "w": self.w, "h": self.h}
        if self.start is not None:
            d |= {"start": self.start, "end": self.end}
        return d

    def label(self) -> str:
        if self.start is None and self.end is None:
            return f"{self.x},{self.y},{self.w},{self.h}"
        span = "-".join("" if t is None else f"{t:g}" for t in (self.start, self.end))
        return f"{self.x},{self.y},{self.w},{self.h}@{span}"


def parse_box(spec: str) -> Box:
    """`X,Y,W,H` or `X,Y,W,H@START-END` (START and END in seconds, e.g. 10,20,64,48@1.5-4)."""
    m = _SPEC.match(spec.strip())
    if m is None:
        raise RuleBroken(
            f"invalid box {spec[:80]!r}: expected X,Y,W,H or X,Y,W,H@START-END "
            "(pixels; seconds from the clip's start)"
        )
    x, y, w, h = (int(g) for g in m.groups()[:4])
    start, end = (None, None) if m.group(5) is None else (float(m.group(5)), float(m.group(6)))
    return Box(x, y, w, h, start, end)


def check_boxes(
    boxes: list[Box], width: int, height: int, duration_s: float, mode: str
) -> list[Box]:
    """Every box inside the picture, at least MIN_SIDE pixels a side, its range inside the clip."""
    if mode not in MODES:
        raise RuleBroken(f"invalid mode {mode!r}: expected {' or '.join(MODES)}")
    if not boxes:
        raise RuleBroken("give at least one box to redact")
    if len(boxes) > MAX_BOXES:
        raise RuleBroken(f"at most {MAX_BOXES} boxes in one redaction")
    for i, b in enumerate(boxes, 1):
        what = f"box {i} ({b.label()})"
        if min(b.x, b.y) < 0:
            raise RuleBroken(f"{what}: x and y cannot be negative")
        if min(b.w, b.h) < MIN_SIDE:
            raise RuleBroken(f"{what}: width and height must be at least {MIN_SIDE} pixels")
        if b.x + b.w > width or b.y + b.h > height:
            raise RuleBroken(
                f"{what}: reaches {b.x + b.w},{b.y + b.h}, outside the clip's "
                f"{width}x{height} picture"
            )
        if (b.start is None) != (b.end is None):
            raise RuleBroken(f"{what}: give both the start and the end of its time range")
        if b.start is not None and b.end is not None:
            if not 0 <= b.start < b.end:
                raise RuleBroken(f"{what}: its time range must start at 0 or later and end after")
            if b.end > duration_s + 0.001:
                raise RuleBroken(
                    f"{what}: ends at {b.end:g} s, after the clip's end ({duration_s:g} s)"
                )
    return boxes


def check_redactable(original: Clip) -> None:
    if original.derived_from is not None:
        raise RuleBroken(
            f"clip {original.clip_id} is itself a redacted copy; redact its original "
            f"{original.derived_from} instead"
        )


def make_redacted_copy(
    original: Clip,
    *,
    copy_id: uuid.UUID,
    sha256: str,
    size_bytes: int,
    media: dict[str, Any],
    storage: dict[str, Any],
    retain_until: datetime,
    ffmpeg: dict[str, Any],
    boxes: list[Box],
    mode: str,
    mute: bool,
    deduplicated: bool,
    reason: str,
    ctx: Context,
) -> Clip:
    """The copy, created; the original records RedactedCopyMade (save both together)."""
    check_redactable(original)
    derivation = {
        "derived_from": original.clip_id,
        "source_sha256": original.sha256,
        "ffmpeg": ffmpeg,
        "boxes": [b.as_dict() for b in boxes],
        "mode": mode,
        "mute": mute,
    }
    copy = Clip.ingest(
        clip_id=copy_id,
        camera_id=original.camera_id,
        start=original.start,
        end=original.end,
        sha256=sha256,
        size_bytes=size_bytes,
        media=media,
        storage=storage,
        retention_class=original.retention_class,
        retain_until=retain_until,
        source={"kind": REDACTED_COPY, **derivation, "deduplicated": deduplicated},
        reason=reason,
        ctx=ctx,
    )
    original.record_redaction(copy.clip_id, sha256, size_bytes, derivation, reason, ctx)
    return copy

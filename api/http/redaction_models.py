"""Request and response bodies of redactions (next to api/http/models.py)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from api.http.models import ClipOut, Reason, Strict

MAX_PIXELS = 100_000
MAX_SECONDS = 10_000_000.0


class BoxIn(Strict):
    """A rectangle in pixels from the top left; with `start` and `end` (seconds from the
    clip's first frame) it is hidden only then, without them for the whole clip."""

    x: int = Field(ge=0, le=MAX_PIXELS)
    y: int = Field(ge=0, le=MAX_PIXELS)
    w: int = Field(ge=2, le=MAX_PIXELS)
    h: int = Field(ge=2, le=MAX_PIXELS)
    start: float | None = Field(None, ge=0, le=MAX_SECONDS)
    end: float | None = Field(None, ge=0, le=MAX_SECONDS)


class RedactionIn(Strict):
    boxes: list[BoxIn] = Field(min_length=1, max_length=64)
    mode: Literal["blur", "black"] = "blur"
    mute: bool = Field(False, description="Leave the audio out of the copy")
    reason: Reason


class FfmpegOut(BaseModel):
    version: str = Field(description="The first line of `ffmpeg -version`")
    args: list[str] = Field(description="The arguments as run; paths as INPUT and OUTPUT")


class BoxOut(BaseModel):
    x: int
    y: int
    w: int
    h: int
    start: float | None = None
    end: float | None = None


class RedactionOut(ClipOut):
    """The redacted copy (a clip of its own) and how it was made."""

    source_sha256: str = Field(description="The original's SHA-256, as recorded at its ingest")
    ffmpeg: FfmpegOut
    boxes: list[BoxOut]
    mode: Literal["blur", "black"]
    mute: bool

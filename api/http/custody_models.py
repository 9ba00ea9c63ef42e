"""Request and response bodies of evidence packages and pulls (next to api/http/models.py)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints

from api.http.models import IsoTime, Reason, Strict, Text


class ExportIn(Strict):
    reason: Reason
    recipient: Text = Field(description="Who the package is for, e.g. the prosecutor's office")
    redacted: Literal["none", "with", "only"] = Field(
        "none",
        description="none: the originals; with: each original and its newest redacted copy; "
        "only: the redacted copies instead of the originals",
    )


class PullIn(Strict):
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    radius_m: float = Field(gt=0, le=50_000)
    start: IsoTime
    end: IsoTime
    reason: Reason
    source_tz: Annotated[str, StringConstraints(pattern=r"^(Z|UTC|[+-]\d{2}:?\d{2})$")] = Field(
        "Z", description="Offset of segment names that carry none, e.g. +07:00"
    )


class Range(BaseModel):
    start: str
    end: str


class PulledSource(BaseModel):
    kind: str = Field(description="hikvision, dahua, rtsp-template, hls-vod, mediamtx or folder")
    url: str = Field(description="The playback URL or folder; never with a credential")


class PulledClip(BaseModel):
    camera_id: str
    distance_m: float
    clip_id: str
    sha256: str
    size_bytes: int
    start: str
    end: str
    duration_s: float | None
    requested: Range
    delivered: Range = Field(description="The range the recorder delivered, as it dates it")
    covers: Literal["all", "part", "none"] = Field(description="How much of the request")
    source: PulledSource
    clock_offset_s: float | None = Field(None, description="The recorder's clock less ours")
    warnings: list[str] = []


class CameraWithout(BaseModel):
    camera_id: str
    distance_m: float
    reason: str


class CameraFailed(BaseModel):
    camera_id: str
    distance_m: float
    reason: str
    error: str = Field(description="The same as reason (kept for older clients)")
    kind: str = Field(description="unreachable, timeout, refused, nothing or error")


class PullOut(BaseModel):
    case_id: str
    radius_m: float
    start: str
    end: str
    cameras: int = Field(description="Registered cameras in service within the radius")
    ingested: list[PulledClip]
    without_footage: list[CameraWithout]
    failed: list[CameraFailed]

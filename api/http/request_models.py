"""Request and response bodies of footage requests (next to api/http/models.py)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, StringConstraints

from api.http.models import CameraId, CaseId, ClipOut, IsoTime, Reason, Strict, TrailEvent

Status = Literal["sent", "approved", "uploading", "fulfilled", "declined"]


class RequestIn(Strict):
    camera_id: CameraId = Field(description="A private camera with an owner user")
    start: IsoTime
    end: IsoTime
    case_id: CaseId
    reason: Reason


class DeclineIn(Strict):
    reason: Reason


class RequestOut(BaseModel):
    request_id: str
    camera_id: str
    owner_user: str
    case_id: str
    start: str
    end: str
    reason: str
    status: Status
    sent_by: str
    sent_at: str | None
    answered_at: str | None
    decline_reason: str | None
    link_expires: str | None
    link_max_bytes: int | None
    clip_id: str | None
    sha256: str | None
    upload_started_at: str | None = Field(
        None, description="While uploading: when the upload claimed the link (its UploadStarted)"
    )
    stale: bool = Field(
        False,
        description="Uploading, but with no outcome within SAKSI_REQUEST_UPLOAD_STALE of the "
        "claim: its process is taken for dead, and the next upload through the link takes over",
    )


class RequestList(BaseModel):
    requests: list[RequestOut]


class RequestDetail(RequestOut):
    chain_intact: bool
    events: list[TrailEvent] = Field(description="The request's own hash-chained stream")


class UploadLink(BaseModel):
    url: str = Field(description="POST the recording here (multipart `file`); works once")
    path: str
    token: str = Field(description="Shown once; only its hash is stored")
    expires: str
    max_bytes: int


class ApprovedOut(RequestOut):
    upload: UploadLink


class DeliveredOut(RequestOut):
    clip: ClipOut


class LinkUploadForm(Strict):
    """The text fields of an upload through a link (next to the `file` part)."""

    sha256: Annotated[str, StringConstraints(pattern=r"^[0-9a-fA-F]{64}$")] | None = None
    source_start: IsoTime | None = None


LINK_UPLOAD_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["file"],
    "properties": {
        "file": {"type": "string", "format": "binary", "description": "The recording"},
        "sha256": {"type": "string", "pattern": r"^[0-9a-fA-F]{64}$"},
        "source_start": {
            "type": "string",
            "format": "date-time",
            "description": "Wall-clock time of the first frame (ISO 8601 with offset)",
        },
    },
}

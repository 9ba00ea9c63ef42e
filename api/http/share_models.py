"""Request and response bodies of shares and audit reports (next to api/http/models.py)."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from pydantic import BaseModel, Field, StringConstraints

from api.http.models import CaseId, Reason, Strict, Text

Duration = Annotated[str, StringConstraints(pattern=r"^P[0-9YMWDTHS.]+$", max_length=32)]
# What a share link carries after /share/: "shr_" and 43 URL-safe characters.
ShareToken = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{1,128}$")]


class ShareIn(Strict):
    case_id: CaseId | None = Field(None, description="Share every clip of this case")
    clip_ids: list[UUID] = Field(
        default_factory=list, max_length=1000, description="Or share these clips"
    )
    recipient: Text = Field(description="Who the link is for, e.g. the prosecutor's office")
    expires: Duration = Field(description="How long the link works, ISO 8601 (e.g. P14D)")
    view_only: bool = Field(False, description="Watch only: the evidence package is refused")
    reason: Reason | None = Field(None, description="Why (default: shared with RECIPIENT)")


class ShareOut(BaseModel):
    share_id: str
    recipient: str
    case_id: str | None
    clip_ids: list[str]
    view_only: bool
    reason: str
    created_by: str
    created_at: str | None
    expires_at: str | None
    status: str = Field(description="active, expired or revoked")
    revoked_at: str | None
    revoked_by: str | None
    views: int = Field(description="Viewing sessions through the link")
    downloads: int = Field(description="Evidence packages downloaded through the link")
    last_used_at: str | None


class ShareCreatedOut(ShareOut):
    url: str = Field(description="The link for the recipient: shown once")
    token: str = Field(description="The link's token: shown once; only its hash is kept")


class ShareList(BaseModel):
    shares: list[ShareOut]


class SharedClip(BaseModel):
    clip_id: str
    camera_id: str | None = None
    camera: str | None = None
    start: str | None = None
    end: str | None = None
    duration_s: float | None = None
    sha256: str | None = None
    size_bytes: int | None = None
    status: str
    content_url: str | None = Field(None, description="Stream it (Range requests)")


class ShareLinkOut(BaseModel):
    share_id: str
    recipient: str
    case_id: str | None
    reason: str
    created_by: str
    created_at: str
    expires_at: str
    view_only: bool
    clips: list[SharedClip]
    package_url: str | None = Field(
        None, description="POST here for the evidence package (none when view-only)"
    )

    @classmethod
    def of(cls, doc: dict[str, Any], base: str) -> ShareLinkOut:
        clips = [
            {**c, "content_url": f"{base}/clips/{c['clip_id']}/content"}
            if c.get("status") == "active"
            else c
            for c in doc["clips"]
        ]
        package = None if doc["view_only"] else f"{base}/package"
        return cls.model_validate({**doc, "clips": clips, "package_url": package})

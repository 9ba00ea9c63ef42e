"""Upload links of footage requests: their lifetime and size limit, and where they live.

SAKSI_REQUEST_LINK_TTL (ISO 8601 duration, default P3D: 72 hours) and
SAKSI_REQUEST_UPLOAD_MAX_MB (default 2048) apply to links issued from then on; each link keeps
its own expiry and limit in its LinkIssued event. SAKSI_REQUEST_UPLOAD_STALE (ISO 8601
duration, default PT2H: the largest upload at under 0.3 MB/s) is how long after its
UploadStarted an upload claim counts as abandoned (its process died): the next upload through
the link then records it failed and goes ahead, and views mark the request `stale`.
SAKSI_PUBLIC_URL is the address links are given at, and the only one (never a request's Host
header); without it no link is issued (an approval with the recording itself still works).
All are settings (archive/settings.py), read once per process.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from archive.guard import system_principal
from archive.services import Services
from archive.settings import Settings

MIB = 1024 * 1024
SYSTEM = system_principal()  # records upload claims abandoned by a dead process
LINK_PATH = "/upload/requests"  # POST {LINK_PATH}/{request_id}?token=TOKEN (no bearer token)


@dataclass(frozen=True)
class LinkPolicy:
    ttl: timedelta = timedelta(hours=72)
    max_bytes: int = 2048 * MIB
    upload_stale: timedelta = timedelta(hours=2)

    @classmethod
    def from_settings(cls, settings: Settings) -> LinkPolicy:
        return cls(
            ttl=settings.request_link_ttl,
            max_bytes=settings.request_upload_max_bytes,
            upload_stale=settings.request_upload_stale,
        )


def policy(svc: Services) -> LinkPolicy:
    return LinkPolicy.from_settings(svc.settings)

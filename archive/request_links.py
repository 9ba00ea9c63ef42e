"""Upload links of footage requests: their lifetime and size limit, and where they live.

SAKSI_REQUEST_LINK_TTL (ISO 8601 duration, default P3D: 72 hours) and
SAKSI_REQUEST_UPLOAD_MAX_MB (default 2048) apply to links issued from then on; each link keeps
its own expiry and limit in its LinkIssued event. SAKSI_REQUEST_UPLOAD_STALE (ISO 8601
duration, default PT2H: the largest upload at under 0.3 MB/s) is how long after its
UploadStarted an upload claim counts as abandoned (its process died): the next upload through
the link then records it failed and goes ahead, and views mark the request `stale`.
SAKSI_PUBLIC_URL, when set, is the address links are given at (behind a TLS proxy); otherwise
the address the approval came in at (HTTP), or only the path (CLI). Read once per process
(Services.extras).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

from archive.bootstrap import Services
from archive.errors import InvalidInput
from archive.timefmt import parse_duration
from domain.base import Context

MIB = 1024 * 1024
SYSTEM = Context("system", "system")  # records upload claims abandoned by a dead process
LINK_PATH = "/upload/requests"  # POST {LINK_PATH}/{request_id}?token=TOKEN (no bearer token)


@dataclass(frozen=True)
class LinkPolicy:
    ttl: timedelta = timedelta(hours=72)
    max_bytes: int = 2048 * MIB
    public_url: str | None = None
    upload_stale: timedelta = timedelta(hours=2)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> LinkPolicy:
        env = os.environ if env is None else env
        base = cls()
        ttl = env.get("SAKSI_REQUEST_LINK_TTL")
        size = env.get("SAKSI_REQUEST_UPLOAD_MAX_MB")
        stale = env.get("SAKSI_REQUEST_UPLOAD_STALE")
        try:
            max_bytes = int(float(size) * MIB) if size else base.max_bytes
        except ValueError:
            raise InvalidInput("SAKSI_REQUEST_UPLOAD_MAX_MB: expected a number of MiB") from None
        policy = cls(
            ttl=parse_duration(ttl, "SAKSI_REQUEST_LINK_TTL") if ttl else base.ttl,
            max_bytes=max_bytes,
            public_url=(env.get("SAKSI_PUBLIC_URL") or "").rstrip("/") or None,
            upload_stale=(
                parse_duration(stale, "SAKSI_REQUEST_UPLOAD_STALE") if stale else base.upload_stale
            ),
        )
        if policy.ttl <= timedelta(0) or policy.max_bytes <= 0:
            raise InvalidInput("upload links need a positive lifetime and size limit")
        if policy.upload_stale <= timedelta(0):
            raise InvalidInput("SAKSI_REQUEST_UPLOAD_STALE: expected a positive duration")
        return policy


def policy(svc: Services) -> LinkPolicy:
    found = svc.extras.get("request_links")
    if not isinstance(found, LinkPolicy):
        found = svc.extras["request_links"] = LinkPolicy.from_env()
    return found

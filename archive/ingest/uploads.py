"""Recordings uploaded over the network: checked before a byte is kept, then ingested.

The interface spools the upload to a temporary file, hashing and sniffing it as it arrives;
this module decides whether it may be ingested: the role first (before the body is read), the
container's magic bytes on the first bytes, the client's SHA-256 against the bytes received.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from archive.errors import IntegrityFailure, InvalidInput
from archive.ingest.ingest import ingest_file
from archive.services import Services
from domain.base import Context

SNIFF_BYTES = 376  # two MPEG-TS packets


def authorize_upload(svc: Services, ctx: Context) -> None:
    """Refuse (and record) a role that may not ingest before accepting its upload's body."""
    svc.guard.require(ctx, "clip.ingest", target="upload")


def sniff_container(head: bytes) -> str | None:
    """The container family the first bytes announce, or None for anything else."""
    if len(head) >= 8 and head[4:8] in (b"ftyp", b"moov", b"mdat", b"free", b"wide", b"skip"):
        return "mp4"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "matroska"
    if head.startswith(b"RIFF") and head[8:12] == b"AVI ":
        return "avi"
    if head.startswith(b"FLV\x01"):
        return "flv"
    if head.startswith(b"\x00\x00\x01\xba"):
        return "mpeg-ps"
    if head[:1] == b"\x47" and (len(head) <= 188 or head[188:189] == b"\x47"):
        return "mpegts"
    return None


def check_head(head: bytes) -> str:
    container = sniff_container(head)
    if container is None:
        raise InvalidInput("the upload is not a video recording (unknown container)")
    return container


def ingest_upload(
    svc: Services,
    ctx: Context,
    *,
    path: Path,
    received_sha256: str,
    expected_sha256: str | None,
    camera_id: str,
    reason: str,
    case_id: str | None = None,
    retention_class: str | None = None,
    source_start: datetime | None = None,
) -> dict[str, Any]:
    """Ingest a spooled upload; a client hash that does not match stores nothing."""
    check_expected(expected_sha256, received_sha256)
    result = ingest_file(
        svc,
        ctx,
        camera_id=camera_id,
        source=path,
        reason=reason,
        case_id=case_id,
        retention_class=retention_class,
        source_start=source_start,
        known_sha256=received_sha256,  # hashed as it arrived; the store verifies what it writes
    )
    return check_stored(result, received_sha256)


def check_expected(expected_sha256: str | None, received_sha256: str) -> None:
    """The client's SHA-256 of its upload, when given, must be that of the bytes received."""
    if expected_sha256 is not None and expected_sha256.lower() != received_sha256:
        raise InvalidInput(
            f"the upload does not match its sha256: expected {expected_sha256.lower()}, "
            f"received {received_sha256}"
        )


def check_stored(result: dict[str, Any], received_sha256: str) -> dict[str, Any]:
    """The clip stored from a spooled upload must hold the bytes received."""
    if result["sha256"] != received_sha256:  # the spooled file changed under us
        raise IntegrityFailure(
            f"stored sha256 {result['sha256']} differs from the {received_sha256} received"
        )
    return result

"""Finding clips and retrieving their content, verified and recorded as custody events."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
from datetime import datetime
from pathlib import Path
from typing import Any

from archive import views
from archive.errors import Gone, IntegrityFailure, InvalidInput, NotFound
from archive.guard import Principal
from archive.records import load_clip
from archive.services import Services
from domain.base import Context
from domain.clip import STATUSES, Clip
from retention.content_state import gone_message, purge_record, refuse_if_pending
from storage.db import Database
from storage.objects.port import CHUNK, HashingReader, Progress
from storage.readmodels import queries, retention_queries
from storage.readmodels.registry import stored_time


def show_clip(svc: Services, ctx: Context, clip_id: str) -> dict[str, Any]:
    svc.guard.require(ctx, "metadata.search", target=f"clip:{clip_id}")
    return clip_view(svc.db, clip_id)


def clip_view(db: Database, clip_id: str) -> dict[str, Any]:
    """What `clip show` prints: the read model's clip, with its pending deletion if any."""
    row = queries.clip_row(db, clip_id)
    if row is None:
        raise NotFound(f"no clip {clip_id}")
    pending = retention_queries.pending_deletion(db, clip_id)
    return {
        **views.clip(row),
        "pending_deletion": None
        if pending is None
        else {
            "delete_after": views.local(pending["delete_after"]),
            "scheduled_at": views.local(pending["scheduled_at"]),
            "scheduled_by": pending["scheduled_by"],
            "reason": pending["reason"],
        },
    }


def list_clips(
    svc: Services,
    ctx: Context,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    near: tuple[float, float] | None = None,
    radius_m: float | None = None,
    after: str | None = None,
    **filters: Any,
) -> list[dict[str, Any]]:
    """Filters: camera_id, case_id, district, status, cameras within `radius_m` of `near`, and
    recordings overlapping [since, until]; `limit` with `after` (the `next_after` cursor of
    the previous page, see `next_cursor`) or `offset` page through."""
    svc.guard.require(ctx, "metadata.search", target="clips")
    status = filters.get("status")
    if status is not None and status not in STATUSES:
        raise InvalidInput(f"invalid status {status!r}: expected one of {', '.join(STATUSES)}")
    if (near is None) != (radius_m is None):
        raise InvalidInput("near and radius_m go together")
    if near is not None and radius_m is not None:
        around = queries.cameras(svc.db, near=near, radius_m=radius_m, retired=True)
        filters["camera_ids"] = [c["camera_id"] for c in around]
    rows = queries.clips(
        svc.db,
        since=stored_time(since),
        until=stored_time(until),
        after=_read_cursor(after) if after is not None else None,
        **filters,
    )
    return [views.clip(r) for r in rows]


def next_cursor(last: dict[str, Any]) -> str:
    """The cursor that continues a listing after this clip (its recording start and id)."""
    start = stored_time(datetime.fromisoformat(last["start"]))
    raw = json.dumps([start, last["clip_id"]], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _read_cursor(cursor: str) -> tuple[str, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        start, clip_id = json.loads(raw)
        datetime.fromisoformat(start)
        if not isinstance(clip_id, str):
            raise ValueError
    except (ValueError, TypeError):
        raise InvalidInput("invalid cursor: pass the next_after of the previous page") from None
    return str(start), clip_id


def authorize_content(
    svc: Services, ctx: Context, clip_id: str, action: str
) -> tuple[Principal, Clip]:
    """Role, then case membership; refusals land on the clip's own custody stream. Returns
    who was let in, and the clip."""
    clip = load_clip(svc.events, clip_id)
    who = svc.guard.require(ctx, "content.read", target=clip)
    if not svc.guard.may_use_clip(who, clip):
        svc.guard.refuse(
            ctx, action, f"{who.name} is not a member of a case holding this clip", clip
        )
    if clip.status != "active":
        raise Gone(gone_message(clip), purge=purge_record(clip))
    refuse_if_pending(clip)
    return who, clip


def download(
    svc: Services,
    ctx: Context,
    *,
    clip_id: str,
    out: Path,
    reason: str,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """`clip get`: the original to a file, hashed while written; the custody event first."""
    if not reason.strip():
        raise InvalidInput("a reason is required")
    if out.exists() and out.is_dir():
        raise InvalidInput(f"{out} is a folder; give a file name")
    _who, clip = authorize_content(svc, ctx, clip_id, "clip.get")
    svc.events.change(clip, lambda c: c.record_download(reason, ctx))
    tmp = out.with_name(f".{out.name}.part")
    digest = hashlib.sha256()
    done = 0
    try:
        with (
            svc.objects.open(clip.storage["key"], clip.storage.get("version_id")) as src,
            open(tmp, "wb") as dst,
        ):
            while chunk := src.read(CHUNK):
                digest.update(chunk)
                dst.write(chunk)
                done += len(chunk)
                if progress:
                    progress(done)
        if digest.hexdigest() != clip.sha256:
            raise IntegrityFailure(
                f"content of clip {clip_id} does not match its record: expected sha256 "
                f"{clip.sha256}, read {digest.hexdigest()}"
            )
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)
    return {
        "clip_id": clip_id,
        "out": str(out),
        "sha256": clip.sha256,
        "size_bytes": done,
        "verified": True,
    }


def fetch_verified(svc: Services, clip: Clip, path: Path, instead: str) -> None:
    """The original into a work file, hashed on the way: ffmpeg reads only what matched.
    `instead`: what the mismatch error says was not done (", nothing was redacted")."""
    with svc.objects.open(clip.storage["key"], clip.storage.get("version_id")) as src:
        reader = HashingReader(src)
        with open(path, "wb") as dst:
            shutil.copyfileobj(reader, dst, CHUNK)
    if reader.hexdigest() != clip.sha256:
        raise IntegrityFailure(
            f"content of clip {clip.clip_id} does not match its record: expected sha256 "
            f"{clip.sha256}, read {reader.hexdigest()}; {instead}"
        )

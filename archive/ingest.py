"""Ingest: a recording becomes a clip, its content stored first, then its event."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from archive import media, retention_calc
from archive.bootstrap import Services
from archive.cases import attach_clip, load_case
from archive.errors import InvalidInput, NotFound
from archive.retrieval import show_clip
from domain.base import Context
from domain.camera import Camera, check_camera_id
from domain.clip import Clip
from domain.retention import check_class
from storage.objects import Progress


def ingest_file(
    svc: Services,
    ctx: Context,
    *,
    camera_id: str,
    source: Path,
    reason: str,
    case_id: str | None = None,
    retention_class: str | None = None,
    source_start: datetime | None = None,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Ingest a whole recording file. Everything is checked before a byte is stored."""
    who = svc.guard.require(ctx, "clip.ingest", target=f"camera:{camera_id}")
    if svc.events.find(Camera, Camera.create_id(check_camera_id(camera_id))) is None:
        raise NotFound(f"no camera {camera_id}")
    case = None
    if case_id is not None:
        case = load_case(svc, case_id)
        svc.guard.require_member(who, case, "clip.ingest", case)
        if not case.is_open:
            raise InvalidInput(f"case {case_id} is closed")
    if not reason.strip():
        raise InvalidInput("a reason is required")
    if not source.is_file():
        raise InvalidInput(f"source file not found: {source}")
    info = media.probe(source)
    start = source_start or info.creation_time
    if start is None:
        raise InvalidInput(
            f"{source.name} does not say when it was recorded: pass --source-start ISO"
        )
    end = start + timedelta(seconds=info.duration_s)
    cls = check_class(retention_class or (case.kind if case else "report"))
    until = retention_calc.compute(svc, start, cls, [])
    with open(source, "rb") as f:
        stored = svc.objects.put(
            f, retain_until=retention_calc.store_lock(svc, start, cls, until), progress=progress
        )
    clip = Clip.ingest(
        clip_id=uuid.uuid4(),
        camera_id=camera_id,
        start=start,
        end=end,
        sha256=stored.sha256,
        size_bytes=stored.size_bytes,
        media=info.as_dict(),
        storage=stored.reference(),
        retention_class=cls,
        retain_until=until,
        source={"kind": "file", "name": source.name, "deduplicated": stored.existed},
        reason=reason,
        ctx=ctx,
    )
    svc.events.save(clip)
    if case is not None:
        attach_clip(svc, ctx, case, clip, reason)
    return show_clip(svc, clip.clip_id)

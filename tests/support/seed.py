"""Many clips quickly, for retention tests and the sweep benchmark: tiny distinct objects put
through the object store, and their ClipIngested events saved in batches (no ffmpeg)."""

from __future__ import annotations

import io
import os
import uuid
from datetime import datetime, timedelta

from archive.services import Services
from archive.timefmt import now
from domain.base import Context
from domain.clip import Clip
from retention import calc as retention_calc


def clips(
    svc: Services,
    count: int,
    *,
    recorded: datetime | None = None,
    retention_class: str = "report",
    size: int = 256,
    batch: int = 500,
    content: bytes | None = None,
    ctx: Context | None = None,
) -> list[str]:
    """`count` unattached clips recorded at `recorded` (an hour ago by default), each with its
    own content unless `content` is given (then all share it, as deduplicated copies do)."""
    ctx = ctx or Context("budi")
    start = recorded or now() - timedelta(hours=1)
    policies = retention_calc.Policies.read(svc.db)  # read once for both
    until = policies.retain_until(start, retention_class, [])
    lock = policies.store_lock(start, retention_class, until)
    pending: list[Clip] = []
    ids: list[str] = []
    for _ in range(count):
        body = content if content is not None else os.urandom(size)
        stored = svc.objects.put(io.BytesIO(body), retain_until=lock)
        clip = Clip.ingest(
            clip_id=uuid.uuid4(),
            camera_id="SMG-SS-0001",
            start=start,
            end=start + timedelta(seconds=1),
            sha256=stored.sha256,
            size_bytes=stored.size_bytes,
            media={"duration_s": 1.0, "codec": "h264", "width": 16, "height": 16},
            storage=stored.reference(),
            retention_class=retention_class,
            retain_until=until,
            source={"kind": "seed", "deduplicated": stored.existed},
            reason="seeded for a retention test",
            ctx=ctx,
        )
        pending.append(clip)
        ids.append(clip.clip_id)
        if len(pending) >= batch:
            svc.events.save(*pending)
            pending = []
    if pending:
        svc.events.save(*pending)
    return ids

"""Orphan objects: content in the store that no clip references.

They come from an ingest interrupted between storing the content and recording its event
(content is written first, so a crash never leaves an event without content), or from a
purge that found content re-locked. They are deleted only when the store allows it, i.e.
once their COMPLIANCE lock has run out and no legal hold is set, and only if no clip has
come to reference them in the meantime.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from archive.bootstrap import Services
from storage import retention_queries as rq
from storage.errors import ObjectLocked, ObjectMissing


def reconcile(svc: Services, now: datetime) -> dict[str, Any]:
    svc.projector.catch_up()  # see references recorded by other processes up to now
    referenced = rq.referenced_keys(svc.db)
    deleted: list[dict[str, Any]] = []
    waiting = 0
    for info in svc.objects.iter_objects():
        if info.key in referenced or getattr(info, "delete_marker", False):
            continue
        if info.legal_hold or (info.retain_until is not None and info.retain_until > now):
            waiting += 1
            continue
        svc.projector.catch_up()  # an ingest may have recorded it since the listing began
        if info.key in rq.referenced_keys_among(svc.db, [info.key]):
            continue
        try:
            svc.objects.delete(info.key, info.version_id)
        except ObjectMissing:
            continue
        except ObjectLocked:
            waiting += 1
            continue
        deleted.append(
            {"key": info.key, "version_id": info.version_id, "size_bytes": info.size_bytes}
        )
    return {"deleted": deleted, "waiting_for_lock": waiting}

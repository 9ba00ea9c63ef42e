"""Orphan objects: content in the store that no clip references.

They come from an ingest interrupted between storing the content and recording its event
(content is written first, so a crash never leaves an event without content), or from a
purge that found content re-locked. They are deleted only when the store allows it, i.e.
once their COMPLIANCE lock has run out and no legal hold is set, and only if no clip has
come to reference them in the meantime.

An unreferenced object younger than the grace period (`SAKSI_ORPHAN_GRACE`, default P1D) is
left alone: it may be an upload still in flight. On S3 an upload's version stays unlocked
until its checks pass (and a recording older than its retention is never locked), so without
the grace a sweep running beside busy ingests deleted content an ingest was about to record.

Nothing is deleted on the read model's word alone: before the first deletion the references
are taken from the log itself (a replica, storage/readmodels/replica.py), so rows removed
from `rm_objects` behind the archive cannot turn an original into an "orphan"; such a
disagreement is logged as an error and the object kept.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from archive.services import Services
from storage.errors import ObjectLocked, ObjectMissing
from storage.ledger_tables.rows import snapshot
from storage.readmodels import replica
from storage.readmodels import retention_queries as rq

log = logging.getLogger("saksi.retention")


def _referenced_by_the_log(svc: Services) -> set[str]:
    with snapshot(svc.db) as tx:
        return replica.referenced_keys(replica.project(tx, svc.db, svc.store.mapper))


def reconcile(svc: Services, now: datetime) -> dict[str, Any]:
    svc.projector.catch_up()  # see references recorded by other processes up to now
    referenced = rq.referenced_keys(svc.db)
    deleted: list[dict[str, Any]] = []
    waiting = in_grace = 0
    logged: set[str] | None = None  # built once, only if something is to be deleted
    young = now - svc.settings.orphan_grace  # SAKSI_ORPHAN_GRACE: uploads still in flight
    for info in svc.objects.iter_objects():
        if info.key in referenced or getattr(info, "delete_marker", False):
            continue
        if info.modified is None or info.modified > young:
            in_grace += 1  # perhaps an ingest between storing its content and its event
            continue
        if info.legal_hold or (info.retain_until is not None and info.retain_until > now):
            waiting += 1
            continue
        svc.projector.catch_up()  # an ingest may have recorded it since the listing began
        if info.key in rq.referenced_keys_among(svc.db, [info.key]):
            continue
        if logged is None:
            logged = _referenced_by_the_log(svc)
        if info.key in logged:
            log.error(
                "orphan sweep: the log references %s, the read model does not: kept", info.key
            )
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
    return {"deleted": deleted, "waiting_for_lock": waiting, "in_grace": in_grace}

"""Helpers of the retention tests: who acts, and what the log and the store hold."""

from __future__ import annotations

import json
import time
from datetime import timedelta
from typing import Any
from uuid import UUID

from archive.services import Services
from archive.timefmt import now
from domain.base import Context
from domain.clip import Clip
from retention import policies
from tests.support import flows

ANA = Context("ana")  # admin
BUDI = Context("budi")  # investigator


def policy(svc: Services, retention_class: str, seconds: float) -> None:
    policies.set_policy(
        svc, ANA, retention_class=retention_class, keep=timedelta(seconds=seconds), reason="test"
    )


def clip(svc: Services, clip_id: str) -> Clip:
    found = svc.events.find(Clip, UUID(clip_id))
    assert found is not None
    return found


def keys(svc: Services, clip_id: str) -> list[str]:
    return [key for _kind, key, _v in clip(svc, clip_id).object_refs()]


def stored_versions(svc: Services, clip_id: str) -> int:
    return sum(len(svc.objects.versions(k)) for k in keys(svc, clip_id))


def events_of(svc: Services, clip_id: str, name: str) -> list[dict[str, Any]]:
    """The stored events of one type on a clip's stream, decoded from their JSON state."""
    return [
        json.loads(bytes(e["state"]))
        for e in flows.stream(svc, UUID(clip_id))
        if e["topic"].endswith(f".{name}")
    ]


def topic_counts(svc: Services, names: tuple[str, ...]) -> dict[str, dict[str, int]]:
    """For each event name, how many of them each stream has (straight from the event table)."""
    out: dict[str, dict[str, int]] = {n: {} for n in names}
    with svc.db.tx(write=False) as tx:
        rows = tx.all(f"SELECT originator_id, topic FROM {svc.db.events_table}")
    for r in rows:
        for n in names:
            if r["topic"].endswith(f".{n}"):
                oid = str(UUID(str(r["originator_id"])))
                out[n][oid] = out[n].get(oid, 0) + 1
    return out


def wait_until_expired(svc: Services, *clip_ids: str) -> None:
    """Sleep until the clips' retain-until and their objects' store locks have passed (S3
    keeps lock times in whole seconds, rounded up)."""
    ends = [clip(svc, c).retain_until for c in clip_ids]
    ends += [
        v.retain_until
        for c in clip_ids
        for k in keys(svc, c)
        for v in svc.objects.versions(k)
        if v.retain_until is not None
    ]
    time.sleep(max(0.0, (max(ends) - now()).total_seconds()) + 0.1)

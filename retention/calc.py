"""A clip's retain-until time from its class policy and its cases (design.md, "Retention")."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from archive.records import load_cases
from archive.services import Services
from domain.base import Context
from domain.case import Case
from domain.clip import Clip
from domain.retention import DEFAULT_KEEP, FOREVER, CaseTerm, check_class, retain_until
from storage.readmodels import queries


def class_keep(svc: Services, retention_class: str) -> timedelta:
    kept = queries.policies(svc.db).get(check_class(retention_class))
    return timedelta(seconds=kept) if kept is not None else DEFAULT_KEEP[retention_class]


def case_terms(svc: Services, cases: Iterable[Case]) -> list[CaseTerm]:
    return [CaseTerm(c.is_open, c.closed_at, class_keep(svc, c.kind)) for c in cases]


def compute(
    svc: Services, recorded: datetime, retention_class: str, cases: Iterable[Case]
) -> datetime:
    return retain_until(recorded, class_keep(svc, retention_class), case_terms(svc, cases))


def store_lock(
    svc: Services, recorded: datetime, retention_class: str, until: datetime
) -> datetime:
    """What the object store's WORM lock gets: never 'forever' (COMPLIANCE cannot be undone),
    so an open case holds its clips in the archive while the lock covers the class period."""
    if until >= FOREVER:
        return recorded + class_keep(svc, retention_class)
    return until


def refresh(svc: Services, clip: Clip, reason: str, ctx: Context) -> datetime:
    """Recompute and record a clip's retain-until (a pending event if it changed)."""
    until = compute(svc, clip.start, clip.retention_class, load_cases(svc.events, clip.case_ids))
    clip.change_retention(until, reason, ctx)
    return until


def push_lock(svc: Services, clip: Clip) -> None:
    """Extend the locks of the stored original and its derivatives to the clip's retain-until
    (retention only extends)."""
    lock = store_lock(svc, clip.start, clip.retention_class, clip.retain_until)
    for _kind, key, version in clip.object_refs():
        svc.objects.extend_retention(key, version, lock)


def set_object_hold(svc: Services, key: str, on: bool) -> int:
    """Set or clear the store's legal hold on every version of one object; returns the count."""
    count = 0
    for info in svc.objects.versions(key):
        if not getattr(info, "delete_marker", False):  # S3 delete markers take no hold
            svc.objects.set_legal_hold(key, info.version_id, on)
            count += 1
    return count


def hold_objects(svc: Services, clip: Clip) -> None:
    """Set the store's legal hold on the clip's original and derivatives."""
    for _kind, key, _version in clip.object_refs():
        set_object_hold(svc, key, True)

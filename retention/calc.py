"""A clip's retain-until time from its class policy and its cases (design.md, "Retention").

The policies are read once per decision (`Policies.read`), so an ingest computes its
retain-until and its object lock from one read; `refresh` records a changed retain-until on a
clip the caller loaded and will save.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from archive.records import load_cases
from archive.services import Services
from domain.base import Context
from domain.case import Case
from domain.clip import Clip
from domain.retention import DEFAULT_KEEP, FOREVER, CaseTerm, check_class, retain_until
from storage.db import Database
from storage.eventstore.store import Events
from storage.readmodels import queries


@dataclass(frozen=True)
class Policies:
    """How long each retention class keeps its clips, as recorded (defaults where unset)."""

    keep_seconds: Mapping[str, int]

    @classmethod
    def read(cls, db: Database) -> Policies:
        return cls(queries.policies(db))

    def keep(self, retention_class: str) -> timedelta:
        kept = self.keep_seconds.get(check_class(retention_class))
        return timedelta(seconds=kept) if kept is not None else DEFAULT_KEEP[retention_class]

    def case_terms(self, cases: Iterable[Case]) -> list[CaseTerm]:
        return [CaseTerm(c.is_open, c.closed_at, self.keep(c.kind)) for c in cases]

    def retain_until(
        self, recorded: datetime, retention_class: str, cases: Iterable[Case]
    ) -> datetime:
        return retain_until(recorded, self.keep(retention_class), self.case_terms(cases))

    def store_lock(self, recorded: datetime, retention_class: str, until: datetime) -> datetime:
        """What the object store's WORM lock gets: never 'forever' (COMPLIANCE cannot be
        undone), so an open case holds its clips in the archive while the lock covers the
        class period."""
        if until >= FOREVER:
            return recorded + self.keep(retention_class)
        return until


def refresh(db: Database, events: Events, clip: Clip, reason: str, ctx: Context) -> datetime:
    """Recompute and record a clip's retain-until (a pending event if it changed)."""
    policies = Policies.read(db)
    until = policies.retain_until(
        clip.start, clip.retention_class, load_cases(events, clip.case_ids)
    )
    clip.change_retention(until, reason, ctx)
    return until


def push_lock(svc: Services, clip: Clip) -> None:
    """Extend the locks of the stored original and its derivatives to the clip's retain-until
    (retention only extends)."""
    lock = Policies.read(svc.db).store_lock(clip.start, clip.retention_class, clip.retain_until)
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

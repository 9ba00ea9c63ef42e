"""Fixity: every object the archive refers to is still there, still the same, still its own.

`check` re-hashes each original and derivative recorded in the log and names what is wrong,
in the problem shape of `audit verify`:
- missing_object: the recorded object (or version) is gone;
- replaced_content: something was written over it behind the archive's back. On S3 the key's
  latest version is one the archive never recorded (the recorded version is still there,
  locked); on the file store, which keeps one copy, the file no longer hashes right;
- hash_mismatch: the recorded S3 version itself no longer hashes right (storage corruption);
- lock_drift: the stored version's lock says less than the record: its retain-until is
  earlier than the clip's (or gone), or its legal hold is off while the record holds a clip
  using it (e.g. removed through the S3 API);
- storage_settings: the store itself would defeat object lock (S3: versioning off, no object
  lock or a GOVERNANCE default, lifecycle rules); see docs/deployment.md.
The list of objects comes from the log itself (a replica projected from its events,
storage/readmodels/replica.py), never from the read model: deleting rows from `rm_objects`
cannot hide an object from fixity.
`find_orphans` lists stored objects that no event refers to: what an ingest interrupted
between storing and recording leaves. The retention sweep reconciles them.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import groupby
from typing import Any

from archive import timefmt
from archive.services import Services
from domain.base import Context
from retention.calc import Policies
from storage.errors import ContentMismatch, ObjectMissing
from storage.ledger_tables.rows import snapshot
from storage.objects.port import ObjectInfo, Progress, verify_content
from storage.readmodels import replica as replicas
from storage.readmodels.replica import Replica


def check(svc: Services, ctx: Context, progress: Progress | None = None) -> list[dict[str, Any]]:
    """Every recorded object re-hashed (auditors, admins, the host, the scheduled job)."""
    svc.guard.require(ctx, "audit", target="objects")
    return _problems(svc, progress)


def _logged_objects(svc: Services) -> Replica:
    """The objects as the log records them, read in one snapshot."""
    with snapshot(svc.db) as tx:
        return replicas.project(tx, svc.db, svc.store.mapper)


def _problems(svc: Services, progress: Progress | None) -> list[dict[str, Any]]:
    logged = _logged_objects(svc)
    rows = logged.objects()
    recorded: dict[str, set[str | None]] = defaultdict(set)
    for r in logged.objects(active_only=False):
        recorded[r["store_key"]].add(r["version_id"])
    problems = [_settings_problem(detail) for detail in svc.objects.settings_problems()]
    now, policies = timefmt.now(), Policies.read(svc.db)
    by_object = groupby(rows, key=lambda r: (r["store_key"], r["version_id"]))
    for done, ((key, version), group) in enumerate(by_object, start=1):
        refs = list(group)
        lock = _expected_lock(refs, policies, now)
        found = _check_object(svc, key, version, refs[0]["sha256"], recorded[key], lock)
        for kind, detail in found:
            problems += [_problem(kind, r, detail) for r in refs]
        if progress:
            progress(done)
    return problems


def include(svc: Services, ctx: Context, report: dict[str, Any]) -> dict[str, Any]:
    """An `audit verify` report with the fixity problems added (`audit verify --fixity`)."""
    problems = [*report["problems"], *check(svc, ctx)]
    return {**report, "ok": not problems, "problems": problems}


def _check_object(
    svc: Services,
    key: str,
    version: str | None,
    sha256: str,
    recorded: set[str | None],
    lock: Lock,
) -> list[tuple[str, str]]:
    versions = svc.objects.versions(key)
    where = f"{key} version {version}" if version else key
    mine = next((v for v in versions if v.version_id == version and not v.delete_marker), None)
    if mine is None:
        return [("missing_object", f"object {where} is missing from the store")]
    found = _lock_drift(mine, where, lock)
    newest = versions[0]
    if newest.delete_marker:
        found.append(("replaced_content", f"a delete marker now hides {key}"))
    elif newest.version_id not in recorded:
        found.append(
            (
                "replaced_content",
                f"version {newest.version_id} of {key} was written behind the archive's back; "
                f"the recorded version {version} is still stored",
            )
        )
    try:
        verify_content(svc.objects, key, version, sha256)
    except ObjectMissing:
        return [("missing_object", f"object {where} is missing from the store")]
    except ContentMismatch as e:
        # One copy per key (file store): different bytes mean it was replaced in place.
        found.append(("hash_mismatch" if version else "replaced_content", str(e)))
    return found


LOCK_SLACK = timedelta(seconds=1)  # stores keep retain-until to the second or millisecond


@dataclass(frozen=True)
class Lock:
    """What an object's lock must say, by the record of the active clips using it."""

    until: datetime | None  # at least this retain-until (None: nothing left to protect)
    held: bool  # a legal hold


def _expected_lock(refs: list[dict[str, Any]], policies: Policies, now: datetime) -> Lock:
    """The longest store lock of the clips (as retention/calc.py sets it: an open case's
    'forever' locks the class period), while it is still ahead; held if any clip is."""
    active = [r for r in refs if r["clip_status"] == "active"]
    untils = [
        policies.store_lock(
            datetime.fromisoformat(r["start_at"]),
            r["retention_class"],
            datetime.fromisoformat(r["retain_until"]),
        )
        for r in active
    ]
    until = max(untils, default=None)
    return Lock(
        until if until is not None and until > now else None, any(r["legal_hold"] for r in active)
    )


def _lock_drift(stored: ObjectInfo, where: str, lock: Lock) -> list[tuple[str, str]]:
    found = []
    have = stored.retain_until
    if lock.until is not None and (have is None or have < lock.until - LOCK_SLACK):
        found.append(
            (
                "lock_drift",
                f"object {where} is locked until {have.isoformat() if have else 'never'}, "
                f"the record until {lock.until.isoformat()}",
            )
        )
    if lock.held and not stored.legal_hold:
        found.append(
            ("lock_drift", f"object {where} has no legal hold; the record holds a clip using it")
        )
    return found


def _problem(kind: str, row: dict[str, Any], detail: str) -> dict[str, Any]:
    return {
        "kind": kind,
        "position": None,
        "originator_id": row["clip_id"],
        "version": None,
        "detail": f"{row['kind']} of clip {row['clip_id']}: {detail}",
    }


def _settings_problem(detail: str) -> dict[str, Any]:
    return {
        "kind": "storage_settings",
        "position": None,
        "originator_id": None,
        "version": None,
        "detail": detail,
    }


def find_orphans(svc: Services) -> list[ObjectInfo]:
    """Stored object versions no clip refers to (delete markers aside)."""
    logged = _logged_objects(svc).objects(active_only=False)
    known = {(r["store_key"], r["version_id"]) for r in logged}
    return [
        o
        for o in svc.objects.iter_objects()
        if not o.delete_marker and (o.key, o.version_id) not in known
    ]

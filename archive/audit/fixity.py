"""Fixity: every object the archive refers to is still there, still the same, still its own.

`check` re-hashes each original and derivative recorded in the log and names what is wrong,
in the problem shape of `audit verify`:
- missing_object: the recorded object (or version) is gone;
- replaced_content: something was written over it behind the archive's back. On S3 the key's
  latest version is one the archive never recorded (the recorded version is still there,
  locked); on the file store, which keeps one copy, the file no longer hashes right;
- hash_mismatch: the recorded S3 version itself no longer hashes right (storage corruption).
The list of objects comes from the log itself (a replica projected from its events,
storage/readmodels/replica.py), never from the read model: deleting rows from `rm_objects`
cannot hide an object from fixity.
`find_orphans` lists stored objects that no event refers to: what an ingest interrupted
between storing and recording leaves. The retention sweep reconciles them.
"""

from __future__ import annotations

from collections import defaultdict
from itertools import groupby
from typing import Any

from archive.services import Services
from domain.base import Context
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
    problems: list[dict[str, Any]] = []
    by_object = groupby(rows, key=lambda r: (r["store_key"], r["version_id"]))
    for done, ((key, version), group) in enumerate(by_object, start=1):
        refs = list(group)
        for kind, detail in _check_object(svc, key, version, refs[0]["sha256"], recorded[key]):
            problems += [_problem(kind, r, detail) for r in refs]
        if progress:
            progress(done)
    return problems


def include(svc: Services, ctx: Context, report: dict[str, Any]) -> dict[str, Any]:
    """An `audit verify` report with the fixity problems added (`audit verify --fixity`)."""
    problems = [*report["problems"], *check(svc, ctx)]
    return {**report, "ok": not problems, "problems": problems}


def _check_object(
    svc: Services, key: str, version: str | None, sha256: str, recorded: set[str | None]
) -> list[tuple[str, str]]:
    versions = svc.objects.versions(key)
    where = f"{key} version {version}" if version else key
    if not any(v.version_id == version and not v.delete_marker for v in versions):
        return [("missing_object", f"object {where} is missing from the store")]
    found = []
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


def _problem(kind: str, row: dict[str, Any], detail: str) -> dict[str, Any]:
    return {
        "kind": kind,
        "position": None,
        "originator_id": row["clip_id"],
        "version": None,
        "detail": f"{row['kind']} of clip {row['clip_id']}: {detail}",
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

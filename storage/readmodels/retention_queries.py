"""Read-model queries of retention: due clips, object references, holds, policies, job runs."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from storage.db import Database, Row

CHUNK = 500


def _chunks(items: list[str]) -> Iterable[list[str]]:
    for i in range(0, len(items), CHUNK):
        yield items[i : i + CHUNK]


def due_clip_ids(db: Database, now: str, *, held: bool) -> list[str]:
    """Active clips whose retain-until has passed, held or not, oldest first; not those
    already pending deletion (in their recovery window)."""
    with db.tx(write=False) as tx:
        rows = tx.all(
            "SELECT clip_id FROM rm_clips WHERE status='active' AND retain_until <= ? "
            "AND legal_hold = ? AND clip_id NOT IN (SELECT clip_id FROM rm_pending_deletions) "
            "ORDER BY retain_until, clip_id",
            (now, 1 if held else 0),
        )
    return [r["clip_id"] for r in rows]


def pending_clip_ids_to_settle(db: Database, now: str) -> list[str]:
    """Clips pending deletion that the sweep acts on now: their recovery window is over, or a
    hold or a later retain-until (a case, a policy) keeps them; by deletion time."""
    with db.tx(write=False) as tx:
        rows = tx.all(
            "SELECT p.clip_id FROM rm_pending_deletions p JOIN rm_clips c "
            "ON c.clip_id = p.clip_id WHERE c.status = 'active' "
            "AND (p.delete_after <= ? OR c.legal_hold = 1 OR c.retain_until > ?) "
            "ORDER BY p.delete_after, p.clip_id",
            (now, now),
        )
    return [r["clip_id"] for r in rows]


def pending_deletion(db: Database, clip_id: str) -> Row | None:
    """The recovery-window record of a clip pending deletion, or None."""
    with db.tx(write=False) as tx:
        return tx.one(
            "SELECT p.* FROM rm_pending_deletions p JOIN rm_clips c ON c.clip_id = p.clip_id "
            "WHERE p.clip_id = ? AND c.status = 'active'",
            (clip_id,),
        )


def clip_ids_with_status(db: Database, status: str) -> list[str]:
    with db.tx(write=False) as tx:
        rows = tx.all("SELECT clip_id FROM rm_clips WHERE status=? ORDER BY clip_id", (status,))
    return [r["clip_id"] for r in rows]


def active_refs(
    db: Database, keys: Iterable[str], *, held_only: bool = False
) -> dict[str, set[str]]:
    """For each of these object keys, the active clips that reference it (content is
    deduplicated), or with held_only, the active clips under legal hold that do."""
    found: dict[str, set[str]] = {}
    hold = " AND c.legal_hold = 1" if held_only else ""
    with db.tx(write=False) as tx:
        for part in _chunks(sorted(set(keys))):
            marks = ",".join("?" * len(part))
            for r in tx.all(
                "SELECT DISTINCT o.store_key, o.clip_id FROM rm_objects o JOIN rm_clips c "
                f"ON c.clip_id = o.clip_id WHERE c.status = 'active'{hold} "
                f"AND o.store_key IN ({marks})",
                part,
            ):
                found.setdefault(r["store_key"], set()).add(r["clip_id"])
    return found


_REFERENCED = (
    "SELECT DISTINCT o.store_key FROM rm_objects o JOIN rm_clips c "
    "ON c.clip_id = o.clip_id WHERE c.status <> 'purged'"
)


def referenced_keys(db: Database) -> set[str]:
    """Every object key a clip that is not purged references."""
    with db.tx(write=False) as tx:
        return {r["store_key"] for r in tx.all(_REFERENCED)}


def referenced_keys_among(db: Database, keys: list[str]) -> set[str]:
    marks = ",".join("?" * len(keys))
    with db.tx(write=False) as tx:
        rows = tx.all(f"{_REFERENCED} AND o.store_key IN ({marks})", keys)
    return {r["store_key"] for r in rows}


def due_within(db: Database, until: str) -> list[Row]:
    """Active clips due by `until`, and every clip pending deletion (`delete_after` set)."""
    with db.tx(write=False) as tx:
        rows: list[Row] = tx.all(
            "SELECT c.clip_id, c.camera_id, c.retention_class, c.retain_until, c.legal_hold, "
            "c.start_at, c.size_bytes, p.delete_after, p.scheduled_at, p.reason AS "
            "deletion_reason FROM rm_clips c LEFT JOIN rm_pending_deletions p "
            "ON p.clip_id = c.clip_id WHERE c.status = 'active' "
            "AND (c.retain_until <= ? OR p.clip_id IS NOT NULL) ORDER BY c.retain_until, c.clip_id",
            (until,),
        )
        holds: dict[str, list[str]] = {r["clip_id"]: [] for r in rows}
        for part in _chunks([r["clip_id"] for r in rows if r["legal_hold"]]):
            marks = ",".join("?" * len(part))
            for h in tx.all(
                f"SELECT clip_id, source FROM rm_clip_holds WHERE clip_id IN ({marks}) "
                "ORDER BY source",
                part,
            ):
                holds[h["clip_id"]].append(h["source"])
    for r in rows:
        r["holds"] = holds[r["clip_id"]]
    return rows


def clips_affected_by_policy(db: Database, retention_class: str) -> list[str]:
    """Active clips of this class, and active clips of closed cases of this kind (whose tail
    the class sets)."""
    with db.tx(write=False) as tx:
        rows = tx.all(
            "SELECT clip_id FROM rm_clips WHERE status='active' AND retention_class=? "
            "UNION SELECT cc.clip_id FROM rm_case_clips cc "
            "JOIN rm_cases k ON k.case_id = cc.case_id "
            "JOIN rm_clips c ON c.clip_id = cc.clip_id "
            "WHERE k.kind=? AND k.status='closed' AND c.status='active' ORDER BY 1",
            (retention_class, retention_class),
        )
    return [r["clip_id"] for r in rows]


def policy_rows(db: Database) -> list[Row]:
    with db.tx(write=False) as tx:
        rows: list[Row] = tx.all("SELECT * FROM rm_policies ORDER BY keep_seconds, retention_class")
    return rows


def last_finished_run(db: Database, job: str) -> str | None:
    with db.tx(write=False) as tx:
        row = tx.one(
            "SELECT MAX(finished_at) AS t FROM rm_job_runs WHERE job=? AND status='finished'",
            (job,),
        )
    return row["t"] if row and row["t"] else None


def job_runs(db: Database, job: str | None = None, limit: int = 50) -> list[Row]:
    sql = "SELECT * FROM rm_job_runs"
    params: list[Any] = []
    if job is not None:
        sql += " WHERE job=?"
        params.append(job)
    sql += " ORDER BY started_at DESC, run_id LIMIT ?"
    params.append(limit)
    with db.tx(write=False) as tx:
        rows: list[Row] = tx.all(sql, params)
    return rows


def holds(db: Database) -> list[Row]:
    """Every legal hold on a clip, by where it comes from (`clip` or `case:ID`)."""
    with db.tx(write=False) as tx:
        rows: list[Row] = tx.all(
            "SELECT h.clip_id, h.source, c.camera_id, c.start_at, c.status FROM rm_clip_holds h "
            "JOIN rm_clips c ON c.clip_id = h.clip_id ORDER BY h.source, c.start_at, h.clip_id"
        )
    return rows

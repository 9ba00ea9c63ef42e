"""Tables of the read models: projections of the notification log, dropped and rebuilt at will."""

from __future__ import annotations

from storage import lock_keys
from storage.db import Database, Tx

TABLES = {
    "rm_tracking": "name TEXT PRIMARY KEY, position BIGINT NOT NULL",
    "rm_names": "oid TEXT PRIMARY KEY, name TEXT NOT NULL",
    "rm_users": (
        "name TEXT PRIMARY KEY, role TEXT NOT NULL, token_hash TEXT NOT NULL, "
        "token_expires TEXT, revoked INTEGER NOT NULL DEFAULT 0, created_at TEXT NOT NULL"
    ),
    "rm_cameras": (
        "camera_id TEXT PRIMARY KEY, name TEXT NOT NULL, owner TEXT NOT NULL, "
        "district TEXT NOT NULL, rt TEXT, lat DOUBLE PRECISION, lon DOUBLE PRECISION, "
        "owner_user TEXT, registered_at TEXT NOT NULL"
    ),
    # Added with recording sources (issue 16) as tables of their own, so that an existing
    # archive gains them by CREATE TABLE alone: a camera's source, and retired cameras.
    "rm_camera_sources": (
        "camera_id TEXT PRIMARY KEY, kind TEXT NOT NULL, url TEXT NOT NULL, channel INTEGER, "
        "path TEXT, tz TEXT NOT NULL, credential TEXT, set_at TEXT NOT NULL"
    ),
    "rm_camera_retired": "camera_id TEXT PRIMARY KEY, retired_at TEXT NOT NULL",
    "rm_cases": (
        "case_id TEXT PRIMARY KEY, kind TEXT NOT NULL, title TEXT NOT NULL, lead TEXT NOT NULL, "
        "status TEXT NOT NULL, opened_at TEXT NOT NULL, closed_at TEXT, "
        "on_hold INTEGER NOT NULL DEFAULT 0"
    ),
    "rm_case_members": (
        "case_id TEXT NOT NULL, user_name TEXT NOT NULL, PRIMARY KEY (case_id, user_name)"
    ),
    "rm_case_clips": (
        "case_id TEXT NOT NULL, clip_id TEXT NOT NULL, attached_at TEXT NOT NULL, "
        "PRIMARY KEY (case_id, clip_id)"
    ),
    "rm_clips": (
        "clip_id TEXT PRIMARY KEY, camera_id TEXT NOT NULL, start_at TEXT NOT NULL, "
        "end_at TEXT NOT NULL, sha256 TEXT NOT NULL, size_bytes BIGINT NOT NULL, "
        "duration_s DOUBLE PRECISION, codec TEXT, width INTEGER, height INTEGER, "
        "retention_class TEXT NOT NULL, retain_until TEXT NOT NULL, status TEXT NOT NULL, "
        "legal_hold INTEGER NOT NULL DEFAULT 0, ingested_at TEXT NOT NULL, "
        "ingested_by TEXT NOT NULL, purged_at TEXT, media_json TEXT NOT NULL"
    ),
    "rm_objects": (
        "clip_id TEXT NOT NULL, kind TEXT NOT NULL, sha256 TEXT NOT NULL, store TEXT NOT NULL, "
        "store_key TEXT NOT NULL, version_id TEXT, size_bytes BIGINT NOT NULL, "
        "status TEXT NOT NULL, PRIMARY KEY (clip_id, kind, sha256)"
    ),
    "rm_policies": (
        "retention_class TEXT PRIMARY KEY, keep_seconds BIGINT NOT NULL, "
        "changed_at TEXT NOT NULL, changed_by TEXT NOT NULL"
    ),
    "rm_refusals": (
        "position BIGINT PRIMARY KEY, at TEXT NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL, "
        "target TEXT, detail TEXT NOT NULL, channel TEXT NOT NULL, client TEXT"
    ),
    # What holds a clip: 'clip' (its own hold) or 'case:<id>'; rm_clips.legal_hold is
    # set while any row exists.
    "rm_clip_holds": "clip_id TEXT NOT NULL, source TEXT NOT NULL, PRIMARY KEY (clip_id, source)",
    "rm_job_runs": (
        "run_id TEXT PRIMARY KEY, job TEXT NOT NULL, trigger TEXT NOT NULL, host TEXT NOT NULL, "
        "actor TEXT NOT NULL, status TEXT NOT NULL, started_at TEXT NOT NULL, finished_at TEXT, "
        "result_json TEXT, error TEXT"
    ),
    # Shares (storage/readmodels/handlers/shares.py): looked up by the hash of their link's token.
    "rm_shares": (
        "share_id TEXT PRIMARY KEY, token_hash TEXT NOT NULL, recipient TEXT NOT NULL, "
        "case_id TEXT, clip_ids_json TEXT NOT NULL, view_only INTEGER NOT NULL, "
        "reason TEXT NOT NULL, created_by TEXT NOT NULL, created_at TEXT NOT NULL, "
        "expires_at TEXT NOT NULL, revoked_at TEXT, revoked_by TEXT, "
        "views INTEGER NOT NULL DEFAULT 0, downloads INTEGER NOT NULL DEFAULT 0, last_used_at TEXT"
    ),
    # Every event's actor by global position, for per-user audit reports
    # (storage/readmodels/activity.py;
    # its own tracking row, so an existing archive is indexed from the start of its log).
    "rm_activity": (
        "position BIGINT PRIMARY KEY, actor TEXT NOT NULL, oid TEXT NOT NULL, "
        "version BIGINT NOT NULL"
    ),
    "rm_requests": (
        "request_id TEXT PRIMARY KEY, camera_id TEXT NOT NULL, owner_user TEXT NOT NULL, "
        "case_id TEXT NOT NULL, start_at TEXT NOT NULL, end_at TEXT NOT NULL, "
        "reason TEXT NOT NULL, status TEXT NOT NULL, sent_by TEXT NOT NULL, "
        "sent_at TEXT NOT NULL, answered_at TEXT, decline_reason TEXT, link_expires TEXT, "
        "link_max_bytes BIGINT, clip_id TEXT, sha256 TEXT, updated_at TEXT NOT NULL"
    ),
    # A redacted copy (clip_id) and the clip it was made from (domain/redaction.py).
    "rm_redactions": (
        "clip_id TEXT PRIMARY KEY, source_clip_id TEXT NOT NULL, source_sha256 TEXT NOT NULL, "
        "made_at TEXT NOT NULL, made_by TEXT NOT NULL"
    ),
    # Clips in their recovery window (safe deletion, retention/recovery.py) until restored,
    # cancelled or purged; read joined with rm_clips.status = 'active' (not while purging).
    # The longest recording ever ingested (one row, name 'clips'): a search for recordings
    # overlapping [since, until] can then bound start_at on both sides and read a short
    # stretch of the rm_clips_start index, not every clip before `until` (docs/performance.md).
    "rm_clip_span": "name TEXT PRIMARY KEY, longest_s DOUBLE PRECISION NOT NULL",
    "rm_pending_deletions": (
        "clip_id TEXT PRIMARY KEY, delete_after TEXT NOT NULL, scheduled_at TEXT NOT NULL, "
        "scheduled_by TEXT NOT NULL, reason TEXT NOT NULL"
    ),
}

INDEXES = (
    "CREATE INDEX IF NOT EXISTS rm_users_token ON rm_users (token_hash)",
    "CREATE INDEX IF NOT EXISTS rm_cameras_district ON rm_cameras (district)",
    "CREATE INDEX IF NOT EXISTS rm_cameras_lat ON rm_cameras (lat)",
    "CREATE INDEX IF NOT EXISTS rm_clips_camera ON rm_clips (camera_id, start_at)",
    "CREATE INDEX IF NOT EXISTS rm_clips_start ON rm_clips (start_at)",
    "CREATE INDEX IF NOT EXISTS rm_clips_due ON rm_clips (status, retain_until)",
    "CREATE INDEX IF NOT EXISTS rm_clips_sha ON rm_clips (sha256)",
    "CREATE INDEX IF NOT EXISTS rm_case_clips_clip ON rm_case_clips (clip_id)",
    "CREATE INDEX IF NOT EXISTS rm_objects_key ON rm_objects (store_key)",
    "CREATE INDEX IF NOT EXISTS rm_job_runs_job ON rm_job_runs (job, status, finished_at)",
    "CREATE INDEX IF NOT EXISTS rm_shares_token ON rm_shares (token_hash)",
    "CREATE INDEX IF NOT EXISTS rm_shares_case ON rm_shares (case_id)",
    "CREATE INDEX IF NOT EXISTS rm_activity_actor ON rm_activity (actor, position)",
    "CREATE INDEX IF NOT EXISTS rm_requests_owner ON rm_requests (owner_user, sent_at)",
    "CREATE INDEX IF NOT EXISTS rm_requests_case ON rm_requests (case_id, sent_at)",
    "CREATE INDEX IF NOT EXISTS rm_redactions_source ON rm_redactions (source_clip_id)",
)


def create(db: Database) -> None:
    with db.tx() as tx:
        if db.dialect == "postgres":
            # CREATE INDEX takes a SHARE lock on its table even when the index exists, so a
            # process starting beside busy writers could deadlock with them: when every table
            # and index is there (a catalog read, no table locks), there is nothing to do.
            if _complete(tx):
                return
            # Concurrent first starts would race on CREATE TABLE IF NOT EXISTS.
            tx.run("SELECT pg_advisory_xact_lock(?)", (lock_keys.READ_MODELS_DDL,))
            # Projected clips and their span must agree: no batch lands during the backfill.
            tx.run("SELECT pg_advisory_xact_lock(?)", (lock_keys.PROJECTOR,))
        new_span = not _exists(tx, db.dialect, "rm_clip_span")
        for name, columns in TABLES.items():
            tx.run(f"CREATE TABLE IF NOT EXISTS {name} ({columns})")
        for statement in INDEXES:
            tx.run(statement)
        if new_span:  # an archive projected before the table existed: measure what it holds
            tx.run(
                "INSERT INTO rm_clip_span (name, longest_s) "
                f"SELECT 'clips', MAX({_SECONDS[db.dialect]}) FROM rm_clips HAVING COUNT(*) > 0"
            )


# Seconds from start_at to end_at (read-model times are ISO 8601 text).
_SECONDS = {
    "postgres": "EXTRACT(EPOCH FROM (end_at::timestamptz - start_at::timestamptz))",
    "sqlite": "(julianday(end_at) - julianday(start_at)) * 86400.0",
}


def _exists(tx: Tx, dialect: str, table: str) -> bool:
    if dialect == "postgres":
        row = tx.one("SELECT to_regclass(?) AS found", (table,))
        return row is not None and row["found"] is not None
    return (
        tx.one("SELECT name FROM sqlite_master WHERE type='table' AND name=?", (table,)) is not None
    )


def drop(db: Database) -> None:
    with db.tx() as tx:
        for name in TABLES:
            tx.run(f"DROP TABLE IF EXISTS {name}")


def _complete(tx: Tx) -> bool:
    """Whether every table and index `create` makes exists (PostgreSQL)."""
    names = [*TABLES, *(statement.split()[5] for statement in INDEXES)]
    rows = tx.all("SELECT to_regclass(name) AS found FROM unnest(?::text[]) AS name", (names,))
    return all(row["found"] is not None for row in rows)

"""Read-model handlers of clips: rm_clips, and rm_objects for originals and derivatives."""

from __future__ import annotations

import json
from typing import Any

from domain.clip import Clip
from storage.db import Tx
from storage.readmodels.registry import on, stored_time


@on(Clip.ClipIngested)
def _ingested(tx: Tx, _pos: int, e: Clip.ClipIngested) -> None:
    clip_id = str(e.originator_id)
    m = e.media
    tx.run(
        "INSERT INTO rm_clips (clip_id, camera_id, start_at, end_at, sha256, size_bytes, "
        "duration_s, codec, width, height, retention_class, retain_until, status, legal_hold, "
        "ingested_at, ingested_by, media_json) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,'active',0,?,?,?) "
        "ON CONFLICT (clip_id) DO NOTHING",
        (
            clip_id,
            e.camera_id,
            stored_time(e.start),
            stored_time(e.end),
            e.sha256,
            e.size_bytes,
            m.get("duration_s"),
            m.get("codec"),
            m.get("width"),
            m.get("height"),
            e.retention_class,
            stored_time(e.retain_until),
            stored_time(e.timestamp),
            e.actor,
            json.dumps(m, sort_keys=True),
        ),
    )
    _object(tx, clip_id, "original", e.sha256, e.storage, e.size_bytes)
    tx.run(
        "INSERT INTO rm_clip_span (name, longest_s) VALUES ('clips', ?) ON CONFLICT (name) "
        "DO UPDATE SET longest_s = excluded.longest_s "
        "WHERE excluded.longest_s > rm_clip_span.longest_s",
        ((e.end - e.start).total_seconds(),),
    )


def _object(
    tx: Tx, clip_id: str, kind: str, sha256: str, storage: dict[str, Any], size: int
) -> None:
    tx.run(
        "INSERT INTO rm_objects (clip_id, kind, sha256, store, store_key, version_id, size_bytes, "
        "status) VALUES (?,?,?,?,?,?,?,'active') ON CONFLICT DO NOTHING",
        (
            clip_id,
            kind,
            sha256,
            storage.get("store", ""),
            storage["key"],
            storage.get("version_id"),
            size,
        ),
    )


@on(Clip.DerivativeAdded)
def _derivative(tx: Tx, _pos: int, e: Clip.DerivativeAdded) -> None:
    _object(tx, str(e.originator_id), e.kind, e.sha256, e.storage, e.size_bytes)


@on(Clip.RetentionChanged)
def _retention(tx: Tx, _pos: int, e: Clip.RetentionChanged) -> None:
    tx.run(
        "UPDATE rm_clips SET retain_until=? WHERE clip_id=?",
        (stored_time(e.retain_until), str(e.originator_id)),
    )


@on(Clip.ClipPurged)
def _purged(tx: Tx, _pos: int, e: Clip.ClipPurged) -> None:
    clip_id = str(e.originator_id)
    tx.run(
        "UPDATE rm_clips SET status='purged', purged_at=? WHERE clip_id=?",
        (stored_time(e.timestamp), clip_id),
    )
    tx.run("UPDATE rm_objects SET status='purged' WHERE clip_id=?", (clip_id,))
    tx.run("DELETE FROM rm_pending_deletions WHERE clip_id=?", (clip_id,))

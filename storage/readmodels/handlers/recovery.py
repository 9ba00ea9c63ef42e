"""Read-model handlers of safe deletion: clips in their recovery window (registered with
registry.on; see retention/recovery.py)."""

from __future__ import annotations

from typing import Any

from domain.clip import Clip
from storage.db import Tx
from storage.readmodels.registry import on, stored_time


@on(Clip.DeletionScheduled)
def _scheduled(tx: Tx, _pos: int, e: Clip.DeletionScheduled) -> None:
    tx.run(
        "INSERT INTO rm_pending_deletions (clip_id, delete_after, scheduled_at, scheduled_by, "
        "reason) VALUES (?,?,?,?,?) ON CONFLICT (clip_id) DO UPDATE SET "
        "delete_after=excluded.delete_after, scheduled_at=excluded.scheduled_at, "
        "scheduled_by=excluded.scheduled_by, reason=excluded.reason",
        (
            str(e.originator_id),
            stored_time(e.delete_after),
            stored_time(e.timestamp),
            e.actor,
            e.reason,
        ),
    )


@on(Clip.Restored, Clip.DeletionCancelled)
def _no_longer_pending(tx: Tx, _pos: int, e: Any) -> None:
    clip_id = str(e.originator_id)
    tx.run("DELETE FROM rm_pending_deletions WHERE clip_id=?", (clip_id,))
    if isinstance(e, Clip.Restored):
        tx.run(
            "UPDATE rm_clips SET retain_until=? WHERE clip_id=?",
            (stored_time(e.retain_until), clip_id),
        )

"""Read-model handler for redacted copies (registered with registry.on)."""

from __future__ import annotations

from domain.clip import Clip
from storage.db import Tx
from storage.readmodels.registry import on, stored_time


@on(Clip.RedactedCopyMade)
def _redacted(tx: Tx, _pos: int, e: Clip.RedactedCopyMade) -> None:
    tx.run(
        "INSERT INTO rm_redactions (clip_id, source_clip_id, source_sha256, made_at, made_by) "
        "VALUES (?,?,?,?,?) ON CONFLICT (clip_id) DO NOTHING",
        (
            e.redacted_clip_id,
            str(e.originator_id),
            e.derivation["source_sha256"],
            stored_time(e.timestamp),
            e.actor,
        ),
    )

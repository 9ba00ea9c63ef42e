"""Whether a clip's content may be read, as retention left it: purged (410, with the purge
record) or waiting out its recovery window (409, with the pending record and how to restore).
"""

from __future__ import annotations

from typing import Any

from archive.errors import StateConflict
from domain.clip import Clip


def gone_message(clip: Clip) -> str:
    if clip.status == "purging":
        return f"clip {clip.clip_id} is being purged (retain-until {clip.retain_until.isoformat()})"
    when = clip.purged_at.isoformat() if clip.purged_at else "?"
    return (
        f"clip {clip.clip_id} was purged at {when} by {clip.purged_by} "
        f"({clip.purge_reason}); its metadata, sha256 {clip.sha256} and custody trail remain "
        f"(saksi audit trail {clip.clip_id})"
    )


def purge_record(clip: Clip) -> dict[str, Any]:
    """What a 410 carries: the tombstone of the clip and what was done to its content."""
    return {
        "clip_id": clip.clip_id,
        "status": clip.status,
        "sha256": clip.sha256,
        "size_bytes": clip.size_bytes,
        "purged_at": clip.purged_at.isoformat() if clip.purged_at else None,
        "purged_by": clip.purged_by,
        "reason": clip.purge_reason,
        "retain_until": clip.retain_until.isoformat(),
        "objects": clip.purge_objects,
    }


def pending_record(clip: Clip) -> dict[str, Any] | None:
    """What a 409 on pending content carries, and what `clip show` says of the window."""
    if not clip.pending_deletion or clip.delete_after is None:
        return None
    return {
        "clip_id": clip.clip_id,
        "sha256": clip.sha256,
        "retain_until": clip.retain_until.isoformat(),
        "delete_after": clip.delete_after.isoformat(),
        "scheduled_at": (
            clip.deletion_scheduled_at.isoformat() if clip.deletion_scheduled_at else None
        ),
        "reason": clip.deletion_reason,
        "restore": f"saksi retention restore {clip.clip_id} --actor ADMIN --reason TEXT",
    }


def refuse_if_pending(clip: Clip) -> None:
    """Content is not read while its clip waits out the recovery window."""
    record = pending_record(clip)
    if record is not None:
        raise StateConflict(
            f"clip {clip.clip_id} is pending deletion after {record['delete_after']}; "
            f"an admin can restore it until then ({record['restore']})",
            pending_deletion=record,
        )

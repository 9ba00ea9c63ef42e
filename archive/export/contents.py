"""What an export holds once recorded and sealed: its streams, clips and checkpoint."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from archive.sealing import timestamps
from domain.base import Context
from domain.clip import Clip
from ledger.checkpoint import Checkpoint


@dataclass(frozen=True)
class Stream:
    """One custody stream of the package: its stored events, links, leaves and proofs."""

    kind: str  # "clip" | "case"
    label: str  # the clip id or the case id
    originator_id: UUID
    events: list[dict[str, Any]]  # as the custody file holds them
    trail: list[dict[str, Any]]  # decoded, for the report


@dataclass(frozen=True)
class Export:
    """An export recorded and sealed, ready to be written as a package."""

    export_id: str
    ctx: Context
    recipient: str
    reason: str
    exported_at: datetime
    checkpoint: Checkpoint
    verifier_key: str
    case: dict[str, Any] | None  # the case's view, for case exports
    clips: list[Clip]
    clip_views: dict[str, dict[str, Any]]  # clip id -> metadata for the report
    streams: list[Stream]
    redacted: str = "none"  # originals, redacted copies or both (archive/export/selection.py)
    sources: list[Clip] = field(default_factory=list)  # originals of copies: custody only
    timestamp: timestamps.PackagedTimestamp | None = None  # the checkpoint's RFC 3161 token

    @property
    def events(self) -> int:
        return sum(len(s.events) for s in self.streams)

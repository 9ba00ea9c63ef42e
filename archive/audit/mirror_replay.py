"""`saksi audit replay --from DIR`: the archive's state replayed from an auditor's mirror,
without the archive's database. The mirror is checked again from its own files first: the
signature on its checkpoint (with the key it was made with), every event's chain link and hash,
and the tree its leaves make against the signed root."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from eventsourcing.persistence import StoredEvent

from archive.audit.replay import fold
from archive.errors import InvalidInput
from ledger import tiles
from ledger.checkpoint import CheckpointError, parse_verifier_key, verify_checkpoint
from ledger.mirror import MirroredEvent, MirrorError, MirrorState, extend, parse_event_lines
from storage.eventstore.store import offline_mapper


def _read(folder: Path, name: str) -> str:
    try:
        return (folder / name).read_text(encoding="utf-8")
    except OSError as e:
        raise InvalidInput(f"{folder} is not a Saksi mirror: {e.strerror}: {name}") from None


def mirrored_events(folder: Path) -> tuple[int, list[MirroredEvent]]:
    """The mirror's events, every check passed (MirrorError otherwise): (size, events)."""
    key = _read(folder, "verifier.key").strip()
    note = _read(folder, "checkpoint")
    try:
        cp = verify_checkpoint(note, parse_verifier_key(key))
    except CheckpointError as e:
        raise MirrorError("signature", f"{folder / 'checkpoint'}: {e}") from None
    kept = MirrorState.from_json(json.loads(_read(folder, "state.json")))
    events: list[MirroredEvent] = []
    for level, index, width in tiles.tiles_of(cp.size):
        if level:
            break
        suffix = tiles.tile_path(0, index, width)[len("tile/0/") :]
        data = (folder / "events" / suffix).read_bytes()
        events += parse_event_lines(data, index * tiles.TILE_WIDTH, width)
    entries = [e.hash for e in events]
    state = MirrorState()
    extend(state, events, entries)
    if state.root != cp.root or kept.root != cp.root:
        raise MirrorError(
            "root", f"the mirrored events do not make the signed root of size {cp.size}"
        )
    return cp.size, events


def _decoded(events: list[MirroredEvent]) -> Iterator[Any]:
    mapper = offline_mapper()
    for e in events:
        yield mapper.to_domain_event(StoredEvent(e.originator_id, e.version, e.topic, e.state))


def replay_mirror(folder: Path, until: datetime | None = None) -> dict[str, Any]:
    """What the archive held (as of `until`), from the mirror alone."""
    size, events = mirrored_events(folder)
    return {"from": str(folder), "size": size, **fold(_decoded(events), until)}

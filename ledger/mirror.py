"""An auditor's mirror of the tiled log, checked from the bytes up (pure: the fetching and the
folder live in archive/audit/mirror.py).

What a mirror keeps between runs (`MirrorState`): the size and root it last verified, the
right edge of its own tree (so new leaves extend it without the old ones), and the last
(version, hash) of every stream (so each new event's chain link is checked). An update is
accepted only if every new event's stored bytes hash to its chain link, each link follows its
stream's previous one, each entry is that hash, the served hash tiles make the signed root,
and the archive's tree at the mirrored size still has the mirrored root (the consistency of
the new checkpoint with the old one, computed from the served tiles).
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from ledger import merkle
from ledger.chain import GENESIS, event_hash
from ledger.tiles import TILE_HEIGHT, TILE_WIDTH


class MirrorError(ValueError):
    """The served log is not a faithful extension of the mirror: `kind` says which check."""

    def __init__(self, kind: str, detail: str) -> None:
        super().__init__(f"{kind}: {detail}")
        self.kind, self.detail = kind, detail


@dataclass(frozen=True)
class MirroredEvent:
    index: int
    position: int
    originator_id: UUID
    version: int
    topic: str
    state: bytes
    prev_hash: bytes
    hash: bytes


def event_line(row: dict[str, Any]) -> bytes:
    """One event of an event bundle: a JSON line (bytes as base64 or hex; null if missing)."""
    state, prev, h = row["state"], row["prev_hash"], row["hash"]
    doc = {
        "index": row["index"],
        "position": row["position"],
        "originator_id": row["originator_id"],
        "version": row["version"],
        "topic": row["topic"],
        "state": None if state is None else base64.b64encode(state).decode(),
        "prev_hash": None if prev is None else prev.hex(),
        "hash": None if h is None else h.hex(),
    }
    return (json.dumps(doc, separators=(",", ":")) + "\n").encode()


def parse_event_lines(data: bytes, first: int, count: int) -> list[MirroredEvent]:
    lines = data.split(b"\n")
    if lines[-1] != b"" or len(lines) - 1 != count:
        raise MirrorError("events", f"the event bundle at leaf {first} holds no {count} lines")
    events = []
    for n, line in enumerate(lines[:-1]):
        where = f"leaf {first + n}"
        try:
            doc = json.loads(line)
            if doc["index"] != first + n:
                raise MirrorError("events", f"{where}: the bundle says leaf {doc['index']}")
            if doc["state"] is None or doc["hash"] is None or doc["prev_hash"] is None:
                raise MirrorError(
                    "deleted", f"{where}: the archive no longer has its event or link"
                )
            events.append(
                MirroredEvent(
                    index=int(doc["index"]),
                    position=int(doc["position"]),
                    originator_id=UUID(str(doc["originator_id"])),
                    version=int(doc["version"]),
                    topic=str(doc["topic"]),
                    state=base64.b64decode(doc["state"], validate=True),
                    prev_hash=bytes.fromhex(doc["prev_hash"]),
                    hash=bytes.fromhex(doc["hash"]),
                )
            )
        except (ValueError, KeyError, TypeError, binascii.Error) as e:
            if isinstance(e, MirrorError):
                raise
            raise MirrorError("events", f"{where}: not an event line ({e})") from None
    return events


@dataclass
class MirrorState:
    origin: str = ""
    size: int = 0
    root: bytes = merkle.EMPTY_ROOT
    edge: list[bytes] = field(default_factory=list)
    streams: dict[str, tuple[int, bytes]] = field(default_factory=dict)  # oid -> version, hash

    def to_json(self) -> dict[str, Any]:
        return {
            "origin": self.origin,
            "size": self.size,
            "root": self.root.hex(),
            "edge": [h.hex() for h in self.edge],
            "streams": {k: [v, h.hex()] for k, (v, h) in self.streams.items()},
        }

    @classmethod
    def from_json(cls, doc: dict[str, Any]) -> MirrorState:
        return cls(
            origin=str(doc["origin"]),
            size=int(doc["size"]),
            root=bytes.fromhex(doc["root"]),
            edge=[bytes.fromhex(h) for h in doc["edge"]],
            streams={k: (int(v), bytes.fromhex(h)) for k, (v, h) in doc["streams"].items()},
        )


def extend(
    state: MirrorState, events: Sequence[MirroredEvent], entries: Sequence[bytes]
) -> list[bytes]:
    """Check the next events (leaves state.size onwards) and fold them into the state;
    returns their leaf hashes. MirrorError names the first that fails."""
    builder = merkle.TreeBuilder(state.size, state.edge)
    leaves = []
    for ev, entry in zip(events, entries, strict=True):
        where = f"leaf {ev.index} (position {ev.position}, {ev.originator_id} v{ev.version})"
        if ev.index != builder.size:
            raise MirrorError("events", f"{where}: leaf {builder.size} was expected")
        last = state.streams.get(str(ev.originator_id))
        version, prev = (last[0] + 1, last[1]) if last else (1, GENESIS)
        if ev.version != version:
            raise MirrorError("chain", f"{where}: version {version} of its stream comes next")
        if ev.prev_hash != prev:
            raise MirrorError("chain", f"{where}: its link does not follow v{version - 1}'s hash")
        calculated = event_hash(prev, ev.originator_id, ev.version, ev.topic, ev.state)
        if calculated != ev.hash:
            raise MirrorError("modified", f"{where}: its bytes hash to {calculated.hex()}")
        if entry != calculated:
            raise MirrorError("entries", f"{where}: the entry bundle says {entry.hex()}")
        leaf = merkle.hash_leaf(calculated)
        builder.append(leaf)
        leaves.append(leaf)
        state.streams[str(ev.originator_id)] = (ev.version, calculated)
    state.size, state.edge = builder.size, list(builder.edge)
    state.root = builder.root()
    return leaves


TileGetter = Callable[[int, int, int], list[bytes]]  # (level, index, width) -> its hashes


def tile_node_source(get: TileGetter, size: int) -> merkle.NodeSource:
    """Merkle nodes of the tree of `size` leaves computed from its tiles (tlog-tiles: the
    levels between two tile levels are rehashed from the tile's hashes)."""

    def source(nodes: Sequence[merkle.Node]) -> dict[merkle.Node, bytes]:
        found: dict[merkle.Node, bytes] = {}
        for level, index in nodes:
            tile_level, height = divmod(level, TILE_HEIGHT)
            span = 1 << height
            first = index * span  # among the complete hashes of tile_level
            available = size >> (TILE_HEIGHT * tile_level)
            if first + span > available:
                continue
            tile_index = first // TILE_WIDTH
            width = min(TILE_WIDTH, available - tile_index * TILE_WIDTH)
            hashes = get(tile_level, tile_index, width)
            at = first % TILE_WIDTH
            found[(level, index)] = merkle.subtree_root(hashes[at : at + span])
        return found

    return source

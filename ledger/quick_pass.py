"""The quick pass of `audit verify`: proves an untouched ledger whole, or says where doubt began.

`logcheck` and `streams` name every problem, event by event; that costs several Python calls
per event and per tree node. This pass asks the database for each event together with its own
chain link and its matching leaf (one row), checks the hash chains inline, and rebuilds the
Merkle tree a chunk of 2^CHUNK_LEVEL leaves at a time, comparing whole levels of stored nodes
at once. It only answers "all of it is intact" or "not sure, because ..."; on doubt the caller
runs the locating passes, so every problem is still named by the same code.

The log splits into ranges of positions whose leaves start at chunk boundaries, so ranges can
be swept side by side (one process each) and joined: `join_ranges` checks that each stream
continues across ranges exactly where the range before left it, and that the leaves tile the
tree. Pure: rows come from the caller; standard library only.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ledger.chain import DOMAIN_TAG, GENESIS, topic_field
from ledger.merkle import LEAF_PREFIX, NODE_PREFIX

CHUNK_LEVEL = 14  # 16,384 leaves: levels 1..14 of a chunk are read and compared at once

# (originator id as stored, version, topic, state, own link's prev hash and hash or None,
# leaf index of the leaf sealing exactly this event with this hash, or None)
SweepRow = tuple[Any, int, str, bytes, bytes | None, bytes | None, int | None]
StoredLevel = Callable[[int, int, int], list[bytes]]  # (level, first index, count) -> hashes
Heads = dict[bytes, tuple[int, bytes]]  # originator id -> (version, hash)


class Doubt(Exception):
    """The quick pass cannot vouch for the ledger; the message says why (for the log only)."""


@dataclass
class RangeResult:
    events: int = 0
    leaves: int = 0
    entries: Heads = field(default_factory=dict)  # first event of each stream: (version, prev)
    exits: Heads = field(default_factory=dict)  # last event of each stream: (version, hash)
    chunk_roots: list[bytes] = field(default_factory=list)

    def as_json(self, with_exits: bool) -> dict[str, Any]:
        return {
            "events": self.events,
            "leaves": self.leaves,
            "entries": _heads_json(self.entries),
            "exits": _heads_json(self.exits) if with_exits else [],
            "chunk_roots": [h.hex() for h in self.chunk_roots],
        }

    @classmethod
    def from_json(cls, doc: dict[str, Any]) -> RangeResult:
        return cls(
            int(doc["events"]),
            int(doc["leaves"]),
            _heads_from(doc["entries"]),
            _heads_from(doc["exits"]),
            [bytes.fromhex(h) for h in doc["chunk_roots"]],
        )


def _heads_json(heads: Heads) -> list[list[Any]]:
    return [[oid.hex(), v, h.hex()] for oid, (v, h) in heads.items()]


def _heads_from(rows: Iterable[Sequence[Any]]) -> Heads:
    return {bytes.fromhex(oid): (int(v), bytes.fromhex(h)) for oid, v, h in rows}


def _digests(items: Iterable[bytes]) -> list[bytes]:
    sha = hashlib.sha256
    return [sha(b).digest() for b in items]


def chunk_levels(leaf_hashes: Sequence[bytes]) -> Iterable[list[bytes]]:
    """The perfect nodes over a run of event hashes: level 1, level 2, ... (each one's complete
    pairs of the level below), as long as a level has a pair."""
    level = _digests(LEAF_PREFIX + h for h in leaf_hashes)
    while len(level) > 1:
        pairs = iter(level)
        level = _digests(NODE_PREFIX + a + b for a, b in zip(pairs, pairs, strict=False))
        yield level


class RangeSweep:
    """Sweeps the events of one range of positions, fed in position order.

    `first_leaf`..`leaf_end` are the leaves this range must seal, in order; `first_leaf` is a
    multiple of the chunk size. Events after the range's last leaf are not sealed yet, which
    is only allowed at the end of the log (the caller gives the last range `leaf_end` = size).
    """

    def __init__(
        self,
        first_leaf: int,
        leaf_end: int,
        stored: StoredLevel,
        oid_bytes: Callable[[Any], bytes],
        chunk_level: int = CHUNK_LEVEL,
    ) -> None:
        if first_leaf % (1 << chunk_level):
            raise ValueError(f"leaf {first_leaf} does not start a chunk of 2^{chunk_level}")
        self.result = RangeResult()
        self.first_leaf = first_leaf
        self.next_leaf = first_leaf
        self.leaf_end = leaf_end
        self.stored = stored
        self.oid_bytes = oid_bytes
        self.chunk_level = chunk_level
        self.chunk_start = first_leaf
        self.pending: list[bytes] = []  # event hashes of the chunk being filled
        self.unsealed = False  # an unsealed event was seen: no leaf may follow
        self._topics: dict[str, bytes] = {}

    def feed(self, rows: Sequence[SweepRow]) -> None:
        """A page of rows; raises Doubt at the first thing it cannot vouch for."""
        sha, tag, unhex = hashlib.sha256, DOMAIN_TAG, self.oid_bytes
        heads, entries, topics = self.result.exits, self.result.entries, self._topics
        pending, next_leaf = self.pending, self.next_leaf
        for stored_oid, version, topic, state, prev, digest, leaf in rows:
            if prev is None or digest is None:
                raise Doubt(f"{stored_oid} v{version} has no chain link at its position")
            oid = unhex(stored_oid)
            head = heads.get(oid)
            if head is None:
                entries[oid] = (version, prev)  # `join_ranges` checks where it continues from
            elif head[0] != version - 1 or head[1] != prev:
                raise Doubt(f"{oid.hex()} v{version} does not follow v{head[0]}")
            t = topics.get(topic) or topics.setdefault(topic, topic_field(topic))
            canonical = b"".join(
                (
                    tag,
                    prev,
                    oid,
                    version.to_bytes(8, "big"),
                    t,
                    len(state).to_bytes(4, "big"),
                    state,
                )
            )
            if sha(canonical).digest() != digest:
                raise Doubt(f"{oid.hex()} v{version}: stored bytes do not match the chain hash")
            heads[oid] = (version, digest)
            if leaf is None:
                self.unsealed = True
            elif leaf != next_leaf or self.unsealed:
                raise Doubt(f"{oid.hex()} v{version} is leaf {leaf}, expected leaf {next_leaf}")
            else:
                next_leaf += 1
                pending.append(digest)
                if len(pending) >> self.chunk_level:
                    self._chunk()
        self.result.events += len(rows)
        self.next_leaf = next_leaf

    def _chunk(self) -> None:
        """Rebuild the full chunk's nodes and compare them, level by level, with stored ones."""
        top = self._compare_levels(self.pending)
        self.result.chunk_roots.append(top)
        self.chunk_start += len(self.pending)
        self.pending.clear()

    def _compare_levels(self, leaf_hashes: Sequence[bytes]) -> bytes:
        level_hashes: list[bytes] = []
        for level, level_hashes in enumerate(chunk_levels(leaf_hashes), start=1):
            first = self.chunk_start >> level
            if self.stored(level, first, len(level_hashes)) != level_hashes:
                raise Doubt(f"stored nodes of level {level} from index {first} differ")
        return level_hashes[0] if level_hashes else b""

    def finish(self) -> RangeResult:
        if self.next_leaf != self.leaf_end:
            raise Doubt(f"range sealed leaves up to {self.next_leaf}, expected {self.leaf_end}")
        if self.pending:  # the tree's last, incomplete chunk: only its complete nodes exist
            self._compare_levels(self.pending)
        self.result.leaves = self.leaf_end - self.first_leaf
        return self.result


def join_ranges(results: Sequence[RangeResult]) -> None:
    """Each stream starts from the genesis hash in the first range it appears in, and in every
    later range continues from where the range before left it."""
    heads: Heads = {}
    for r in results:
        for oid, (version, prev) in r.entries.items():
            before = heads.get(oid)
            if before != (version - 1, prev) and not (
                before is None and version == 1 and prev == GENESIS
            ):
                raise Doubt(f"{oid.hex()} v{version} does not continue its stream")
        heads.update(r.exits)


def compare_upper_levels(
    chunk_roots: Sequence[bytes], chunk_level: int, stored: StoredLevel
) -> None:
    """The levels above the chunks, from the chunks' roots up."""
    level, hashes = chunk_level, list(chunk_roots)
    while len(hashes) > 1:
        level += 1
        pairs = iter(hashes)
        hashes = _digests(NODE_PREFIX + a + b for a, b in zip(pairs, pairs, strict=False))
        if stored(level, 0, len(hashes)) != hashes:
            raise Doubt(f"stored nodes of level {level} differ")


def node_count(size: int) -> int:
    """How many perfect nodes above the leaves a tree of `size` leaves has."""
    return sum(size >> level for level in range(1, size.bit_length()))


def chunk_floor(leaf: int, chunk_level: int = CHUNK_LEVEL) -> int:
    return leaf >> chunk_level << chunk_level

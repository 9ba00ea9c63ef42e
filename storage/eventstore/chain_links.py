"""Remembers the newest chain hash of recently written streams.

A stored event never changes, so the hash of (stream, version) is safe to cache: if another
process wrote the next version first, our insert fails on the primary key before the cache
is consulted again. Saves one query per save on hot streams (custody events). The one way a
cached head goes stale is that its event is lost (a failover to a standby that lacked it, a
restore): the PostgreSQL recorder's append checks every predecessor hash and forgets the
heads it refuses.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from threading import Lock
from uuid import UUID

from eventsourcing.persistence import IntegrityError, StoredEvent

from ledger.chain import GENESIS, event_hash

Link = tuple[UUID, int, bytes, bytes]  # originator id, version, prev hash, hash


class ChainCache:
    def __init__(self, maxsize: int = 10_000) -> None:
        self._heads: OrderedDict[UUID, tuple[int, bytes]] = OrderedDict()
        self._maxsize = maxsize
        self._lock = Lock()

    def get(self, originator_id: UUID, version: int) -> bytes | None:
        with self._lock:
            head = self._heads.get(originator_id)
        if head is not None and head[0] == version:
            return head[1]
        return None

    def forget(self, originator_ids: Iterable[UUID]) -> None:
        with self._lock:
            for oid in originator_ids:
                self._heads.pop(oid, None)

    def remember(self, links: Iterable[Link]) -> None:
        with self._lock:
            for oid, version, _prev, digest in links:
                self._heads[oid] = (version, digest)
                self._heads.move_to_end(oid)
            while len(self._heads) > self._maxsize:
                self._heads.popitem(last=False)


def compute_links(
    stored_events: Sequence[StoredEvent],
    cache: ChainCache,
    fetch_hash: Callable[[UUID, int], bytes | None],
) -> list[Link]:
    """Chain each event to its predecessor: in this batch, in the cache, or in the database."""
    batch: dict[UUID, tuple[int, bytes]] = {}
    links: list[Link] = []
    for s in stored_events:
        oid = s.originator_id if isinstance(s.originator_id, UUID) else UUID(str(s.originator_id))
        version = s.originator_version
        if version == 1:
            prev = GENESIS
        elif oid in batch and batch[oid][0] == version - 1:
            prev = batch[oid][1]
        else:
            found = cache.get(oid, version - 1) or fetch_hash(oid, version - 1)
            if found is None:
                raise ChainGapError(f"no chained event {oid} v{version - 1} to link v{version} to")
            prev = found
        digest = event_hash(prev, oid, version, s.topic, s.state)
        batch[oid] = (version, digest)
        links.append((oid, version, prev, digest))
    return links


class ChainGapError(IntegrityError):
    """The predecessor of an event being written has no chain link. The aggregate was loaded
    with it, so the store has lost it since (a failover to a standby that lacked it, a
    restore): a conflict like any other, and the save is retried on what is stored."""

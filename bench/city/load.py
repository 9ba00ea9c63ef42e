"""Writes the city's events in bulk, in the archive's stored format.

Events and their chain links go in by COPY, side by side on two connections, a stretch of
days per transaction; after each stretch the real sealer appends the Merkle leaves and signs
a checkpoint, as the scheduled `checkpoint` job would have. The read models are then built
by the archive's own projector (that is the rebuild figure), so every row is what the
archive itself would have written.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field

import psycopg
from eventsourcing.persistence import StoredEvent

from api.cli.common import host_context
from archive.sealing import seal as sealing
from archive.services import Services
from bench import ledger_data
from ledger.chain import GENESIS, event_hash

DAYS_PER_CHECKPOINT = 7


@dataclass
class Loaded:
    events: int = 0
    checkpoints: int = 0
    copy_s: float = 0.0  # generating, hashing and COPYing the events and links
    seal_s: float = 0.0
    last_hash: dict[uuid.UUID, bytes] = field(default_factory=dict)


Days = Iterator[tuple[int, list[StoredEvent]]]


def load(svc: Services, days: Days, until_day: int, done: Loaded | None = None) -> Loaded:
    """Write the next days from `days` up to `until_day`, sealing as it goes; `done` is what
    earlier calls wrote (the archive grows in steps, so growth is measured on one city)."""
    state = done or Loaded()
    url = svc.db.url  # type: ignore[attr-defined]
    opts = f"-c search_path={url.schema}"
    table = svc.db.events_table
    pending = True
    while pending:
        start = time.perf_counter()
        with ledger_data.log_copy(url.conninfo(), url.schema, table) as write:
            pending = False
            for day, stored in days:
                for e in stored:
                    state.events += 1
                    oid, v = e.originator_id, e.originator_version
                    assert isinstance(oid, uuid.UUID)
                    prev = state.last_hash.get(oid, GENESIS)
                    h = event_hash(prev, oid, v, e.topic, e.state)
                    state.last_hash[oid] = h
                    write((state.events, oid, v, e.topic, e.state, prev, h))
                if day >= until_day:
                    break
                if day % DAYS_PER_CHECKPOINT == DAYS_PER_CHECKPOINT - 1:
                    pending = True
                    break
        state.copy_s += time.perf_counter() - start
        start = time.perf_counter()
        sealing.seal_checkpoint(svc, host_context())
        state.checkpoints += 1
        state.seal_s += time.perf_counter() - start
    with psycopg.connect(url.conninfo(), options=opts, autocommit=True) as c:
        c.execute(f"VACUUM ANALYZE {table}")
        c.execute("VACUUM ANALYZE event_chain")
    return state

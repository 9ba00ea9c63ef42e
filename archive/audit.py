"""`audit verify`: replay the whole ledger and name every problem with its first bad position.

Checks, in one pass over the log in notification order: each stream's hash chain; every
event against its leaf in the Merkle log (exactly one leaf each, in order, same hash); every
stored tree node against its children; then every checkpoint's signature and root, the
consistency of successive checkpoints, and a tree smaller than the newest one (truncation).
"""

from __future__ import annotations

from typing import Any

from archive.bootstrap import Services
from archive.ledger.chain import topic_field
from archive.ledger.logcheck import CheckpointRow, LogChecker, merge_problems
from archive.ledger.streams import StreamChecker
from archive.sealing import verifier
from domain.base import Context
from storage import ledger_rows
from storage.merkle_store import MerkleStore
from storage.objects import Progress

PROGRESS_EVERY = 50_000


def verify(
    svc: Services, ctx: Context | None = None, progress: Progress | None = None
) -> dict[str, Any]:
    """Replay every stored event against its chain link and the Merkle log."""
    if ctx is not None:
        svc.guard.require(ctx, "audit", target="ledger")
    db, store = svc.db, MerkleStore(svc.db)
    with ledger_rows.snapshot(db) as tx:
        checkpoints = [
            CheckpointRow(c.id, c.size, c.root, c.note, c.last_position)
            for c in store.checkpoints(tx)
        ]
        streams = StreamChecker()
        log = LogChecker(ledger_rows.leaves(tx, db), lambda level: ledger_rows.nodes(tx, level))
        log.expect_roots([c.size for c in checkpoints])
        topics: dict[str, bytes] = {}
        matched = 0
        for pos, oid, v, topic, state, loid, lv, prev, h in ledger_rows.events_with_links(tx, db):
            field = topics.get(topic) or topics.setdefault(topic, topic_field(topic))
            lpos: int | None = pos
            if loid != oid or lv != v:  # the link at this position is not this event's
                found = ledger_rows.link_of(tx, db, oid, v)
                lpos, prev, h = found if found else (None, None, None)
            matched += lpos is not None
            streams.feed_fast(pos, oid, v, field, state, lpos, prev, h)
            log.event(pos, oid, v, h)
            if progress and streams.events % PROGRESS_EVERY == 0:
                progress(streams.events)
        log.finish_events(
            ledger_rows.nodes_beyond(tx, log.tree.size),
            lambda indexes: ledger_rows.positions_of(tx, indexes),
        )
        if ledger_rows.link_count(tx) != matched:
            for pos, oid, version in ledger_rows.orphan_links(tx, db):
                streams.orphan_link(pos, oid, version)
        if checkpoints:
            log.check_checkpoints(checkpoints, verifier(svc), svc.settings.origin, store.source(tx))
    problems = merge_problems(streams.finish(), log.problems)
    return {
        "ok": not problems,
        "events": streams.events,
        "checkpoints": len(checkpoints),
        "sealed": log.tree.size,
        "problems": [p.as_dict() for p in problems],
    }

"""`audit verify`: replay the whole ledger and name every problem with its first bad position.

Checks, in one pass over the log in notification order: each stream's hash chain; every
event against its leaf in the Merkle log (exactly one leaf each, in order, same hash); every
stored tree node against its children; then every checkpoint's signature and root, the
consistency of successive checkpoints, and a tree smaller than the newest one (truncation).
"""

from __future__ import annotations

from typing import Any

from archive.bootstrap import Services
from archive.ledger.logcheck import CheckpointRow, LogChecker, merge_problems
from archive.ledger.streams import Link, StreamChecker
from archive.sealing import verifier
from domain.base import Context
from storage import ledger_rows
from storage.merkle_store import MerkleStore
from storage.objects import Progress


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
        found = 0

        def find_link(oid: bytes, version: int) -> Link | None:
            nonlocal found
            link = ledger_rows.link_of(tx, db, oid, version)
            found += link is not None
            return None if link is None else Link(*link)

        own = 0
        for page in ledger_rows.event_pages(tx, db):
            streams.feed_rows(page, find_link)
            log.event_rows(page)
            own += sum(1 for row in page if row[5])
            if progress:
                progress(streams.events)
        log.finish_events(
            ledger_rows.nodes_beyond(tx, log.tree.size),
            lambda indexes: ledger_rows.positions_of(tx, indexes),
        )
        if ledger_rows.link_count(tx) != own + found:
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

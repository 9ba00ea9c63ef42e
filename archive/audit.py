"""`audit verify`: replay the whole ledger and name every problem with its first bad position.

Checks, in one pass over the log in notification order: each stream's hash chain; every
event against its leaf in the Merkle log (exactly one leaf each, in order, same hash); every
stored tree node against its children; then every checkpoint's signature and root, the
consistency of successive checkpoints, and a tree smaller than the newest one (truncation).
"""

from __future__ import annotations

from typing import Any

from archive.bootstrap import Services
from archive.ledger.logcheck import LogChecker, merge_problems
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
    db = svc.db
    snap = ledger_rows.snapshot(db)
    streams = StreamChecker()
    log = LogChecker(
        ledger_rows.leaves(db, snap.tree_size),
        lambda level: ledger_rows.nodes(db, level, snap.tree_size),
    )
    log.expect_roots([c.size for c in snap.checkpoints])
    for pos, oid, version, topic, state, lpos, prev, h in ledger_rows.events_with_links(
        db, snap.last_position
    ):
        link = None if lpos is None or prev is None or h is None else Link(lpos, prev, h)
        streams.feed(pos, oid, version, topic, state, link)
        log.event(pos, oid, version, h)
        if progress and streams.events % 10000 == 0:
            progress(streams.events)
    log.finish_events(ledger_rows.nodes_beyond(db, snap.max_level))
    for pos, oid, version in ledger_rows.orphan_links(db, snap.last_position):
        streams.orphan_link(pos, oid, version)
    checkpoints = 0
    if snap.checkpoints:
        with db.tx(write=False) as tx:
            checkpoints = log.check_checkpoints(
                snap.checkpoints, verifier(svc), svc.settings.origin, MerkleStore(db).source(tx)
            )
    problems = merge_problems(streams.finish(), log.problems)
    return {
        "ok": not problems,
        "events": streams.events,
        "checkpoints": checkpoints,
        "sealed": log.tree.size,
        "problems": [p.as_dict() for p in problems],
    }

"""Audit use cases: verify the event log (per-stream chains in this version of the ledger)."""

from __future__ import annotations

from typing import Any

from archive.bootstrap import Services
from archive.ledger.streams import Link, StreamChecker
from domain.base import Context
from storage import ledger_rows
from storage.objects import Progress


def verify(
    svc: Services, ctx: Context | None = None, progress: Progress | None = None
) -> dict[str, Any]:
    """Replay every stored event against its chain link; name each problem found."""
    if ctx is not None:
        svc.guard.require(ctx, "audit", target="ledger")
    checker = StreamChecker()
    for pos, oid, version, topic, state, lpos, prev, h in ledger_rows.events_with_links(svc.db):
        link = None if lpos is None or prev is None or h is None else Link(lpos, prev, h)
        checker.feed(pos, oid, version, topic, state, link)
        if progress and checker.events % 10000 == 0:
            progress(checker.events)
    for pos, oid, version in ledger_rows.orphan_links(svc.db):
        checker.orphan_link(pos, oid, version)
    problems = checker.finish()
    return {
        "ok": not problems,
        "events": checker.events,
        "checkpoints": 0,
        "problems": [p.as_dict() for p in problems],
    }

"""A clip's custody trail, for those who may see it: auditors and admins (the access table's
"trails"), and the members of a case holding the clip - the trail is part of the evidence
they hand on, and an export carries it anyway. Anyone else is refused, and that is recorded.

The trail is the clip's own hash-chained stream: each event with who, when, why, and its
chain link re-checked on the way.
"""

from __future__ import annotations

from typing import Any

from eventsourcing.persistence import StoredEvent

from archive.access import PERMISSIONS
from archive.bootstrap import Services
from archive.cases import load_clip, may_use_clip
from archive.ledger.chain import GENESIS, event_hash
from domain.base import Context
from storage.custody_rows import stream_with_links

_DETAILS = ("case_id", "export_id", "recipient", "action", "detail", "kind", "retain_until")


def custody_trail(svc: Services, ctx: Context, clip_id: str) -> dict[str, Any]:
    clip = load_clip(svc, clip_id)
    who = svc.guard.require(ctx, "metadata.search", target=clip)
    auditing = who.role in PERMISSIONS["audit"]
    member = who.role in PERMISSIONS["content.read"] and may_use_clip(svc, who, clip)
    if not (auditing or member):
        svc.guard.refuse(
            ctx,
            "clip.trail",
            f"{who.name} may not read this trail: not an auditor, nor a member of its case",
            clip,
        )
    events, prev, intact = [], GENESIS, True
    for r in stream_with_links(svc.db, clip.id):
        state = bytes(r["state"])
        e: Any = svc.store.mapper.to_domain_event(StoredEvent(clip.id, r["v"], r["topic"], state))
        recorded = None if r["h"] is None else bytes(r["h"])
        ok = (
            recorded is not None
            and bytes(r["prev"]) == prev
            and event_hash(prev, clip.id, int(r["v"]), r["topic"], state) == recorded
        )
        intact, prev = intact and ok, recorded or prev
        events.append(
            {
                "type": type(e).__name__,
                "at": e.timestamp.isoformat(),
                "actor": getattr(e, "actor", None),
                "reason": getattr(e, "reason", None),
                "channel": getattr(e, "channel", None),
                "client": getattr(e, "client", None),
                "details": {k: str(getattr(e, k)) for k in _DETAILS if hasattr(e, k)},
                "version": int(r["v"]),
                "position": int(r["pos"]),
                "hash": None if recorded is None else recorded.hex(),
                "chain_ok": ok,
            }
        )
    return {"clip_id": clip.clip_id, "chain_intact": intact, "events": events}

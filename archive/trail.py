"""`audit trail`: a clip's chain of custody, which is its own hash-chained stream.

Every event of the clip in order: what happened, when, by whom and why, with its chain hash,
global position and Merkle leaf, each link re-checked on the way.
"""

from __future__ import annotations

import html
from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent

from archive.bootstrap import Services
from archive.errors import InvalidInput, NotFound
from archive.ledger.chain import GENESIS, event_hash
from domain.base import Context
from domain.clip import Clip
from storage import ledger_rows

# Fields worth showing besides who/why/when, when an event has them.
_DETAILS = ("case_id", "export_id", "recipient", "action", "detail", "kind", "sha256")


def trail(svc: Services, clip_id: str, ctx: Context | None = None) -> dict[str, Any]:
    if ctx is not None:
        svc.guard.require(ctx, "audit", target=f"clip:{clip_id}")
    try:
        oid = UUID(clip_id)
    except ValueError:
        raise InvalidInput(f"invalid clip id {clip_id!r}") from None
    rows = ledger_rows.stream_with_links(svc.db, oid)
    if not rows or not rows[0]["topic"].endswith(Clip.ClipIngested.__qualname__):
        raise NotFound(f"no clip {clip_id}")
    events, prev, intact = [], GENESIS, True
    for r in rows:
        state = bytes(r["state"])
        e: Any = svc.store.mapper.to_domain_event(StoredEvent(oid, r["v"], r["topic"], state))
        recorded = None if r["h"] is None else bytes(r["h"])
        ok = (
            recorded is not None
            and bytes(r["prev"]) == prev
            and event_hash(prev, oid, int(r["v"]), r["topic"], state) == recorded
        )
        intact = intact and ok
        prev = recorded or prev
        events.append(
            {
                "type": type(e).__name__,
                "at": e.timestamp.isoformat(),
                "actor": getattr(e, "actor", None),
                "reason": getattr(e, "reason", None),
                "channel": getattr(e, "channel", None),
                "client": getattr(e, "client", None),
                "details": {k: getattr(e, k) for k in _DETAILS if hasattr(e, k)},
                "version": int(r["v"]),
                "position": int(r["pos"]),
                "leaf_index": None if r["leaf"] is None else int(r["leaf"]),
                "prev_hash": None if r["prev"] is None else bytes(r["prev"]).hex(),
                "hash": None if recorded is None else recorded.hex(),
                "chain_ok": ok,
            }
        )
    return {"clip_id": clip_id, "chain_intact": intact, "events": events}


def render_html(t: dict[str, Any]) -> str:
    """A printable custody report of one trail."""
    esc = html.escape
    rows = "\n".join(
        "<tr>"
        + "".join(
            f"<td>{esc(str(v))}</td>"
            for v in (
                e["version"],
                e["at"],
                e["type"],
                e["actor"],
                e["reason"] or "",
                ", ".join(f"{k}={v}" for k, v in e["details"].items()),
                e["position"],
                "" if e["leaf_index"] is None else e["leaf_index"],
            )
        )
        + f'<td class="h">{esc(e["hash"] or "")}</td><td>{"✓" if e["chain_ok"] else "✗"}</td></tr>'
        for e in t["events"]
    )
    verdict = "intact" if t["chain_intact"] else "BROKEN: see the rows marked ✗"
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Custody trail {esc(t["clip_id"])}</title>
<style>body{{font:12px sans-serif}}table{{border-collapse:collapse}}
td,th{{border:1px solid #999;padding:2px 4px;vertical-align:top}}.h{{font:10px monospace}}</style>
</head><body><h1>Chain of custody: clip {esc(t["clip_id"])}</h1>
<p>Hash chain: <b>{verdict}</b>. Each row is one event of the clip's stream; the hash is
SHA-256 over the canonical bytes in docs/ledger.md, chained from the row before.</p>
<table><tr><th>v</th><th>at</th><th>event</th><th>actor</th><th>reason</th><th>details</th>
<th>position</th><th>leaf</th><th>hash</th><th>chain</th></tr>
{rows}
</table></body></html>
"""

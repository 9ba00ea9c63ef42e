"""`audit trail`: a clip's chain of custody, which is its own hash-chained stream.

Every event of the clip in order: what happened, when, by whom and why, with its chain hash,
global position and Merkle leaf, each link re-checked on the way. Refusals (AccessDenied)
are events of the stream like any other, so they are in the trail.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent

from archive import views
from archive.custody import report_pages as report
from archive.errors import InvalidInput, NotFound
from archive.services import Services
from domain.base import Context
from domain.clip import Clip
from ledger.chain import GENESIS, event_hash
from storage.db import Database
from storage.ledger_tables import rows as ledger_rows
from storage.readmodels import queries

# Fields worth showing besides who/why/when, when an event has them.
_DETAILS = (
    "case_id",
    "export_id",
    "recipient",
    "clip_ids",
    "user",
    "action",
    "detail",
    "kind",
    "sha256",
    "retain_until",
    "share_id",
    "view_only",
    "expires_at",
    "redacted_clip_id",
)


def trail(svc: Services, ctx: Context, clip_id: str) -> dict[str, Any]:
    """`saksi audit trail` (auditors and admins; members: archive/custody/member_trail.py)."""
    svc.guard.require(ctx, "audit", target=f"clip:{clip_id}")
    return build_trail(svc, clip_id)


def build_trail(svc: Services, clip_id: str) -> dict[str, Any]:
    """The trail itself; callers have checked who may see it."""
    try:
        oid = UUID(clip_id)
    except ValueError:
        raise InvalidInput(f"invalid clip id {clip_id!r}") from None
    rows = ledger_rows.stream_with_links(svc.db, oid)
    if not rows or not rows[0]["topic"].endswith(Clip.ClipIngested.__qualname__):
        raise NotFound(f"no clip {clip_id}")
    events, intact = decode(svc, oid, rows)
    return {
        "clip_id": clip_id,
        "clip": clip_metadata(svc.db, clip_id),
        "chain_intact": intact,
        "events": events,
    }


def clip_metadata(db: Database, clip_id: str) -> dict[str, Any] | None:
    """What the report shows about a clip: its read-model view and its camera."""
    row = queries.clip_row(db, clip_id)
    if row is None:
        return None
    meta = views.clip(row)
    camera = queries.camera_row(db, meta["camera_id"])
    if camera is not None:
        meta["camera"] = f"{camera['name']}, {camera['district']}"
    return meta


def decode(svc: Services, oid: UUID, rows: Sequence[dict[str, Any]]) -> tuple[list[Any], bool]:
    """A stream's rows (`ledger_rows.stream_with_links`) as trail events, each chain link
    re-checked; and whether the whole chain holds."""
    events, prev, intact = [], GENESIS, True
    for r in rows:
        e = entry(svc, oid, r, prev)
        intact = intact and e["chain_ok"]
        prev = bytes(r["h"]) if r["h"] is not None else prev
        events.append(e)
    return events, intact


def entry(svc: Services, oid: UUID, r: dict[str, Any], prev: bytes) -> dict[str, Any]:
    """One stored event as a trail event; `chain_ok`: its link follows `prev` and its bytes
    hash to its recorded hash."""
    state = bytes(r["state"])
    e: Any = svc.store.mapper.to_domain_event(StoredEvent(oid, r["v"], r["topic"], state))
    recorded = None if r["h"] is None else bytes(r["h"])
    ok = (
        recorded is not None
        and r["prev"] is not None
        and bytes(r["prev"]) == prev
        and event_hash(prev, oid, int(r["v"]), r["topic"], state) == recorded
    )
    return {
        "type": type(e).__name__,
        "at": e.timestamp.isoformat(),
        "actor": getattr(e, "actor", None),
        "reason": getattr(e, "reason", None),
        "channel": getattr(e, "channel", None),
        "client": getattr(e, "client", None),
        "details": {k: _plain(getattr(e, k)) for k in _DETAILS if hasattr(e, k)},
        "version": int(r["v"]),
        "position": int(r["pos"]),
        "leaf_index": None if r["leaf"] is None else int(r["leaf"]),
        "prev_hash": None if r["prev"] is None else bytes(r["prev"]).hex(),
        "hash": None if recorded is None else recorded.hex(),
        "chain_ok": ok,
    }


def _plain(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


def render_html(t: dict[str, Any]) -> str:
    """A printable custody report of one trail."""
    return report.trail_page(t)

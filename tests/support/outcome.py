"""What a fault scenario left behind, measured from the store itself (not from what the
servers said): clips recorded per request tag, content behind every event, the Merkle log."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from archive.audit import fixity
from archive.services import Services
from domain.clip import Clip
from storage.objects.port import verify_content
from tests.support.principals import HOST


@dataclass
class Ledger:
    events: int
    links: int
    leaves: int
    distinct_leaf_positions: int
    unsealed: int  # events with no leaf

    @property
    def one_leaf_per_event(self) -> bool:
        return self.events == self.links == self.leaves == self.distinct_leaf_positions and (
            self.unsealed == 0
        )


def ledger(svc: Services) -> Ledger:
    table = svc.db.events_table
    with svc.db.tx(write=False) as tx:
        row = tx.one(
            f"SELECT (SELECT count(*) FROM {table}) AS events, "
            "(SELECT count(*) FROM event_chain) AS links, "
            "(SELECT count(*) FROM ledger_leaves) AS leaves, "
            "(SELECT count(DISTINCT notification_id) FROM ledger_leaves) AS positions, "
            f"(SELECT count(*) FROM {table} e WHERE NOT EXISTS (SELECT 1 FROM ledger_leaves l "
            "WHERE l.notification_id = e.notification_id)) AS unsealed"
        )
    assert row is not None
    return Ledger(
        int(row["events"]), int(row["links"]), int(row["leaves"]), int(row["positions"]),
        int(row["unsealed"]),
    )  # fmt: skip


def ingested(svc: Services) -> list[dict[str, Any]]:
    """Every ClipIngested event, decoded from the stored JSON."""
    with svc.db.tx(write=False) as tx:
        rows = tx.all(
            f"SELECT originator_id, state FROM {svc.db.events_table} WHERE topic LIKE ?",
            ("%ClipIngested",),
        )
    return [
        {"clip_id": str(UUID(str(r["originator_id"]))), **json.loads(bytes(r["state"]))}
        for r in rows
    ]


@dataclass
class Outcome:
    acknowledged: int
    lost: list[str] = field(default_factory=list)  # acknowledged, but no event or no content
    duplicated: int = 0  # clips beyond the first recorded for one request
    recorded_unacknowledged: int = 0  # the client saw an error, yet the clip was recorded
    events_without_content: int = 0

    def figures(self) -> dict[str, Any]:
        return {
            "acknowledged": self.acknowledged,
            "lost": len(self.lost),
            "duplicated": self.duplicated,
            "recorded_despite_error": self.recorded_unacknowledged,
            "events_without_content": self.events_without_content,
        }


def reads_lost(svc: Services, acknowledged: dict[str, str]) -> list[str]:
    """`acknowledged`: reason -> clip id of each read answered 200/206 (load.Tally.tag_reads).
    A read is answered after its custody event (ClipViewed / ClipDownloaded) is saved: the
    reasons of those with no such event in the log."""
    with svc.db.tx(write=False) as tx:
        rows = tx.all(
            f"SELECT state FROM {svc.db.events_table} WHERE topic LIKE ? OR topic LIKE ?",
            ("%ClipViewed", "%ClipDownloaded"),
        )
    recorded = {json.loads(bytes(r["state"])).get("reason") for r in rows}
    return sorted(reason for reason in acknowledged if reason not in recorded)


def tag_of(reason: str) -> str:
    return reason.split(" ", 1)[1] if " " in reason else reason


def check_ingests(svc: Services, acknowledged: dict[str, dict[str, Any]]) -> Outcome:
    """`acknowledged`: request tag -> the 201 body. Every acknowledged clip must be recorded
    once, with its content in the store hashing as recorded; no event may lack content.
    Clips are told apart by the tag in their reason (`load TAG`, cluster.upload); clips made
    otherwise (seeded for a sweep, say) are not the clients' and are not counted."""
    svc.projector.catch_up()
    recorded = [e for e in ingested(svc) if e["reason"].startswith("load ")]
    per_tag = Counter(tag_of(e["reason"]) for e in recorded)
    out = Outcome(len(acknowledged))
    out.duplicated = sum(n - 1 for n in per_tag.values() if n > 1)
    out.recorded_unacknowledged = sum(1 for t in per_tag if t not in acknowledged)
    for tag, body in acknowledged.items():
        clip = svc.events.find(Clip, UUID(body["clip_id"]))
        if clip is None or clip.sha256 != body["sha256"] or per_tag[tag] == 0:
            out.lost.append(tag)
            continue
        verify_content(
            svc.objects, clip.storage["key"], clip.storage.get("version_id"), clip.sha256
        )
    out.events_without_content = len(fixity.check(svc, HOST))
    return out

"""What the auditor's overview shows about the ledger: its size, how much of it is sealed
into the Merkle log, the latest signed checkpoint, the key that verifies it, its witnesses."""

from __future__ import annotations

from typing import Any

from archive.errors import InvalidInput
from archive.sealing import seal as sealing
from archive.sealing import witnesses
from archive.services import Services
from domain.base import Context
from storage.readmodels import queries


def status(svc: Services, ctx: Context) -> dict[str, Any]:
    svc.guard.require(ctx, "audit", target="ledger")
    store = svc.merkle
    with svc.db.tx(write=False) as tx:
        sealed, _ = store.head(tx)
        latest = store.latest_checkpoint(tx)
        cosigners = witnesses.describe(svc.settings, tx, latest.id if latest else None)
    try:
        key: str | None = sealing.key_string(svc)
    except InvalidInput:  # no signing key yet (`saksi init` makes one)
        key = None
    return {
        "events": queries.event_count(svc.db),
        "sealed": sealed,
        "checkpoint": None
        if latest is None
        else {"size": latest.size, "sealed_at": latest.sealed_at, "note": latest.note},
        "key": key,
        "witnesses": cosigners,
    }

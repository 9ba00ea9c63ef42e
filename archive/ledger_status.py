"""What the auditor's overview shows about the ledger: its size and its latest seal."""

from __future__ import annotations

from typing import Any

from archive.bootstrap import Services
from domain.base import Context
from storage import queries


def status(svc: Services, ctx: Context) -> dict[str, Any]:
    svc.guard.require(ctx, "audit", target="ledger")
    return {"events": queries.event_count(svc.db)}

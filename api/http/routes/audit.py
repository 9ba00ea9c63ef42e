"""/api/audit: verify the ledger (auditors and admins)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends

from api.http.deps import Ctx, Run, throttle
from api.http.models import VerifyOut
from api.http.responses import responses
from archive import audit

router = APIRouter(prefix="/api/audit", tags=["audit"])


@router.get(
    "/verify",
    response_model=VerifyOut,
    responses=responses(401, 403, 429, 503),
    dependencies=[Depends(throttle("verify"))],
)
async def verify(ctx: Ctx, run: Run) -> dict[str, Any]:
    """Replay the event log against its hash chains; `ok` is false if anything was changed."""
    return await run(audit.verify, ctx, timeout_factor=10)

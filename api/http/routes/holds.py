"""/api/holds: legal holds on a clip or a whole case."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query

from api.http.deps import Ctx, Run
from api.http.models import HoldIn, HoldOut
from api.http.responses import WRITE, responses
from archive.errors import InvalidInput
from retention import holds

router = APIRouter(prefix="/api/holds", tags=["holds"])


@router.post("", status_code=201, response_model=HoldOut, responses=responses(*WRITE))
async def place_hold(body: HoldIn, ctx: Ctx, run: Run) -> dict[str, Any]:
    """Place a legal hold (investigators on their own cases, admins anywhere)."""
    if (body.clip_id is None) == (body.case_id is None):
        raise InvalidInput("give exactly one of clip_id or case_id")
    return await run(
        holds.set_hold, ctx, on=True, reason=body.reason, clip_id=body.clip_id, case_id=body.case_id
    )


@router.delete("/{hold_id:path}", response_model=HoldOut, responses=responses(*WRITE))
async def release_hold(
    hold_id: Annotated[str, Path(max_length=80, description="clip:ID or case:ID")],
    ctx: Ctx,
    run: Run,
    reason: Annotated[str, Query(min_length=1, max_length=500)],
) -> dict[str, Any]:
    """Release a legal hold (admins)."""
    clip_id, case_id = holds.parse_hold_id(hold_id)
    return await run(holds.set_hold, ctx, on=False, reason=reason, clip_id=clip_id, case_id=case_id)

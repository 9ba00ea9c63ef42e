"""Safe deletion over HTTP: restore a clip from its recovery window (admins).

What is pending and due is `GET /api/retention/due` (routes/retention.py)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter

from api.http.deps import Ctx, Run
from api.http.models import RestoreIn, RestoreOut
from api.http.responses import WRITE, responses
from retention import recovery

router = APIRouter(prefix="/api/clips", tags=["retention"])


@router.post("/{clip_id}/restore", response_model=RestoreOut, responses=responses(*WRITE))
async def restore(clip_id: UUID, body: RestoreIn, ctx: Ctx, run: Run) -> dict[str, Any]:
    """Take a clip out of its recovery window (admins, with a reason): its content is readable
    again and its retain-until moves one window past now. 409 when the clip is not pending
    deletion or its window is over."""
    return await run(recovery.restore, ctx, clip_id=str(clip_id), reason=body.reason)

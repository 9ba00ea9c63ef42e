"""/api/clips/{id}/redactions: make a redacted copy of a clip."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Depends

from api.http.deps import Ctx, Run, throttle
from api.http.redaction_models import RedactionIn, RedactionOut
from api.http.responses import WRITE, responses
from archive.redaction import redact as redactions
from domain.redaction import Box

router = APIRouter(prefix="/api/clips", tags=["clips"])


@router.post(
    "/{clip_id}/redactions",
    status_code=201,
    response_model=RedactionOut,
    responses=responses(*WRITE, 410, 429, 500),
    dependencies=[Depends(throttle("upload"))],
)
async def redact_clip(clip_id: UUID, body: RedactionIn, ctx: Ctx, run: Run) -> dict[str, Any]:
    """Make a redacted copy of the clip (members of a case holding it, operators and
    investigators): boxes blurred or blacked out, optionally over a time range, audio
    optionally left out. The copy is a new clip recording the original's SHA-256 and the
    exact ffmpeg command; the original is untouched."""
    boxes = [Box(b.x, b.y, b.w, b.h, b.start, b.end) for b in body.boxes]
    return await run(
        redactions.redact,
        ctx,
        clip_id=str(clip_id),
        boxes=boxes,
        reason=body.reason,
        mode=body.mode,
        mute=body.mute,
        timeout_factor=10,
    )

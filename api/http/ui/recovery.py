"""The clip page's restore: an admin takes a clip out of its recovery window (safe deletion).

The same use case as `POST /api/clips/{id}/restore` and `saksi retention restore`: admins
only, with a reason; others are refused and the refusal is recorded on the clip.
"""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import Response

from api.http.deps import Run
from api.http.ui.web import Form, SignedIn, UiRoute, redirect
from retention import recovery

router = APIRouter(route_class=UiRoute, include_in_schema=False)


@router.post("/clips/{clip_id}/restore")
async def restore_clip(
    request: Request, clip_id: UUID, viewer: SignedIn, run: Run, form: Form
) -> Response:
    await run(recovery.restore, viewer.ctx, clip_id=str(clip_id), reason=form.get("reason", ""))
    return redirect(f"/clips/{clip_id}")

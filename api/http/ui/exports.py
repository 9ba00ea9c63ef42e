"""The case page's export: the evidence package, downloaded by the browser.

The same use case as `POST /api/cases/{id}/export` and `saksi export`: members of the case
with a content-reading role only; a refusal is recorded on the case and its clips and shown
as the refusal page.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from api.http.deps import Run, Svc
from api.http.routes.exports import package_response
from api.http.ui.web import Form, SignedIn, UiRoute
from archive.export import export as export_uc

router = APIRouter(route_class=UiRoute, include_in_schema=False)


@router.post("/cases/{case_id:path}/export")
async def export_case(
    request: Request, case_id: str, viewer: SignedIn, run: Run, svc: Svc, form: Form
) -> Response:
    """Record the export, seal it into a checkpoint, then stream the zip as an attachment."""
    request.app.state.rate_limiter.take("content", viewer.ctx.actor)
    export = await run(
        export_uc.prepare_export,
        viewer.ctx,
        case_id=case_id,
        reason=form.get("reason", ""),
        recipient=form.get("recipient", ""),
    )
    return package_response(svc, export)

"""/api/cases/{id}/export (an evidence package, streamed) and /api/cases/{id}/pull."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from fastapi.responses import Response, StreamingResponse

from api.http.custody_models import ExportIn, PullIn, PullOut
from api.http.deps import Ctx, Run, Svc, throttle
from api.http.responses import WRITE, responses
from api.http.routes.cases import CasePath
from archive.export import export as export_uc
from archive.export.contents import Export
from archive.export.package import package_chunks
from archive.ingest import pull as pull_uc
from archive.ingest.segments import parse_offset
from archive.services import Services
from archive.timefmt import parse_time

router = APIRouter(prefix="/api/cases", tags=["cases"])

ZIP_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The evidence package (a zip; see its VERIFY.txt), streamed",
        "content": {"application/zip": {"schema": {"type": "string", "format": "binary"}}},
    }
}


@router.post(
    "/{case_id:path}/export",
    response_class=StreamingResponse,
    responses={**ZIP_RESPONSE, **responses(*WRITE, 410, 429, 500)},
    dependencies=[Depends(throttle("content"))],
)
async def export_case(case_id: CasePath, body: ExportIn, ctx: Ctx, run: Run, svc: Svc) -> Response:
    """Export every clip of the case as an evidence package (members of the case only).

    The export is recorded on each clip and on the case and sealed into a signed checkpoint
    before the first byte is sent; each original is verified as it is streamed."""
    export = await run(
        export_uc.prepare_export,
        ctx,
        case_id=case_id,
        reason=body.reason,
        recipient=body.recipient,
        redacted=body.redacted,
    )
    return package_response(svc, export)


def package_response(svc: Services, export: Export) -> StreamingResponse:
    """The package as a download, streamed (the API's answer and the web UI's)."""
    name = f"saksi-export-{export.export_id}.zip"
    return StreamingResponse(
        package_chunks(svc, export),
        media_type="application/zip",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "X-Export-ID": export.export_id,
            "Cache-Control": "private, no-store",
        },
    )


@router.post("/{case_id:path}/pull", response_model=PullOut, responses=responses(*WRITE))
async def pull_footage(case_id: CasePath, body: PullIn, ctx: Ctx, run: Run) -> dict[str, Any]:
    """Pull a time range from every camera in service within the radius into the case, each
    from its registered recording source (or, without one, from the server's SAKSI_PULL_ROOT,
    one folder per camera id); per camera: the clip with its source and coverage, or why not."""
    return await run(
        pull_uc.pull,
        ctx,
        case_id=case_id,
        near=(body.lat, body.lon),
        radius_m=body.radius_m,
        start=parse_time(body.start, "start"),
        end=parse_time(body.end, "end"),
        source_root=None,
        reason=body.reason,
        source_tz=parse_offset(body.source_tz),
        timeout_factor=10,
    )

"""/api/clips: find clips, read their metadata, stream their content, upload recordings."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.responses import Response, StreamingResponse
from pydantic import ValidationError
from starlette.background import BackgroundTask

from api.http.deps import Ctx, Run, Runner, throttle
from api.http.errors import describe
from api.http.models import (
    UPLOAD_SCHEMA,
    CameraId,
    CaseId,
    ClipOut,
    ClipPage,
    IngestedOut,
    IsoTime,
    Reason,
    Text,
    UploadForm,
)
from api.http.ranges import parse_range
from api.http.responses import READ, WRITE, responses
from api.http.uploads import receive_upload
from archive.custody import content, retrieval
from archive.errors import InvalidInput
from archive.ingest import uploads
from archive.timefmt import parse_time
from domain.base import Context

router = APIRouter(prefix="/api/clips", tags=["clips"])


@router.get("", response_model=ClipPage, responses=responses(*READ))
async def list_clips(
    ctx: Ctx,
    run: Run,
    camera: Annotated[CameraId | None, Query(description="Camera id")] = None,
    case: Annotated[CaseId | None, Query(description="Case id")] = None,
    district: Annotated[Text | None, Query(description="Cameras of this district")] = None,
    lat: Annotated[float | None, Query(ge=-90, le=90, description="With lon and radius_m")] = None,
    lon: Annotated[float | None, Query(ge=-180, le=180)] = None,
    radius_m: Annotated[float | None, Query(gt=0, le=100_000)] = None,
    since: Annotated[IsoTime | None, Query(description="Recordings ending at or after")] = None,
    until: Annotated[IsoTime | None, Query(description="Recordings starting by")] = None,
    status: Literal["active", "purging", "purged"] | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    after: Annotated[
        str | None, Query(max_length=300, description="The `next_after` of the previous page")
    ] = None,
    offset: Annotated[int, Query(ge=0, le=1_000_000_000)] = 0,
) -> dict[str, Any]:
    """Clips by camera, case, district, place (lat, lon, radius_m), time range and status,
    ordered by recording start. Page with `after` (cost independent of depth); `offset`
    still works but reads every clip before the page."""
    if (lat is None) != (lon is None) or (lat is None) != (radius_m is None):
        raise InvalidInput("give lat, lon and radius_m together")
    if after is not None and offset:
        raise InvalidInput("page with after or with offset, not both")
    rows = await run(
        retrieval.list_clips,
        ctx,
        camera_id=camera,
        case_id=case,
        district=district,
        near=(lat, lon) if lat is not None and lon is not None else None,
        radius_m=radius_m,
        since=parse_time(since, "since") if since is not None else None,
        until=parse_time(until, "until") if until is not None else None,
        status=status,
        limit=limit + 1,  # one more than asked tells whether another page follows
        offset=offset,
        after=after,
    )
    more = len(rows) > limit
    page = rows[:limit]
    return {
        "clips": page,
        "limit": limit,
        "offset": offset,
        "next_offset": offset + limit if more and after is None else None,
        "next_after": retrieval.next_cursor(page[-1]) if more else None,
    }


@router.get("/{clip_id}", response_model=ClipOut, responses=responses(*READ))
async def show_clip(clip_id: UUID, ctx: Ctx, run: Run) -> dict[str, Any]:
    """One clip's metadata (no content: that is case-scoped, see /content)."""
    return await run(retrieval.show_clip, ctx, str(clip_id))


CONTENT_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The whole original (recorded as a download)",
        "content": {"video/*": {"schema": {"type": "string", "format": "binary"}}},
    },
    206: {
        "description": "A byte range (a viewing session: one custody event per session)",
        "content": {"video/*": {"schema": {"type": "string", "format": "binary"}}},
    },
}


@router.get(
    "/{clip_id}/content",
    response_class=StreamingResponse,
    responses={**CONTENT_RESPONSES, **responses(*READ, 409, 410, 416, 429, 500)},
    dependencies=[Depends(throttle("content"))],
)
async def clip_content(
    clip_id: UUID,
    ctx: Ctx,
    run: Run,
    reason: Annotated[Reason, Query(description="Why the footage is needed (recorded)")],
    range_header: Annotated[str | None, Header(alias="range", max_length=1000)] = None,
    if_range: Annotated[str | None, Header(alias="if-range", max_length=200)] = None,
) -> Response:
    """Stream the original, with `Range` so a player can seek; members of its case only."""
    return await content_response(run, ctx, clip_id, reason, range_header, if_range)


async def content_response(
    run: Runner,
    ctx: Context,
    clip_id: UUID,
    reason: str,
    range_header: str | None,
    if_range: str | None,
) -> Response:
    """The content answer, shared by the API and the web UI's player (a cookie there)."""

    got = await run(
        content.read_content,
        ctx,
        clip_id=str(clip_id),
        reason=reason,
        ranges=parse_range(range_header),
        if_range=if_range,
    )
    return content_stream(got)


def content_stream(got: content.Content) -> Response:
    """An opened read of a clip as the response: 206 for a range, with its headers."""
    headers = {
        "Accept-Ranges": "bytes",
        "ETag": content.etag(got.sha256),
        "Content-Length": str(got.length),
        "Cache-Control": "private, no-store",
        "X-Content-SHA256": got.sha256,
        "Content-Disposition": f'inline; filename="{got.clip_id}"',
    }
    if got.partial:
        headers["Content-Range"] = f"bytes {got.first}-{got.last}/{got.size}"
    return StreamingResponse(
        got.chunks,
        status_code=206 if got.partial else 200,
        media_type=got.media_type,
        headers=headers,
        background=BackgroundTask(got.close),
    )


@router.post(
    "",
    status_code=201,
    response_model=IngestedOut,
    responses=responses(*WRITE, 413, 429),
    dependencies=[Depends(throttle("upload"))],
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"multipart/form-data": {"schema": UPLOAD_SCHEMA}},
        }
    },
)
async def upload_clip(request: Request, ctx: Ctx, run: Run) -> dict[str, Any]:
    """Upload a recording (multipart: `file` plus the fields); stored, then recorded as a clip."""
    return await ingest_from_request(request, ctx, run)


async def ingest_from_request(
    request: Request, ctx: Context, run: Runner, case_id: str | None = None
) -> dict[str, Any]:
    """A multipart upload streamed to disk and ingested; `case_id` (the web UI's case page)
    overrides the form's. Shared by the API and the browser upload, so the checks are one."""
    await run(uploads.authorize_upload, ctx)  # a role that may not ingest sends no body
    folder = Path(tempfile.mkdtemp(prefix="saksi-upload-"))
    try:
        got = await receive_upload(request, folder, request.app.state.limits)
        if case_id is not None:
            got.fields["case_id"] = case_id
        try:
            form = UploadForm.model_validate(got.fields)
        except ValidationError as e:
            raise InvalidInput(describe(e.errors())) from None
        start = (
            parse_time(form.source_start, "source_start") if form.source_start is not None else None
        )
        assert got.path is not None
        return await run(
            uploads.ingest_upload,
            ctx,
            path=got.path,
            received_sha256=got.sha256,
            expected_sha256=form.sha256,
            camera_id=form.camera_id,
            reason=form.reason,
            case_id=form.case_id,
            retention_class=form.retention_class,
            source_start=start,
            timeout_factor=10,
        )
    finally:
        shutil.rmtree(folder, ignore_errors=True)

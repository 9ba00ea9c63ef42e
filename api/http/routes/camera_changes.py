"""/api/cameras/...: edit, retire, recording source, and the registry as CSV or GeoJSON."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from pydantic import Field

from api.http.deps import Ctx, Run
from api.http.models import CameraId, CameraOut, Reason, Strict, Text
from api.http.responses import READ, WRITE, responses
from archive.cameras import bulk, changes
from archive.errors import TooLarge

router = APIRouter(prefix="/api/cameras", tags=["cameras"])
MAX_IMPORT_BYTES = 64 * 1024 * 1024  # ~100 bytes a camera: far more than a city's registry
MEDIA = {"csv": "text/csv; charset=utf-8", "geojson": "application/geo+json"}


class CameraEdit(Strict):
    name: Text | None = None
    district: Text | None = None
    rt: Annotated[str, Field(min_length=1, max_length=16)] | None = None
    lat: float | None = Field(None, ge=-90, le=90)
    lon: float | None = Field(None, ge=-180, le=180)
    reason: Reason


class Retire(Strict):
    reason: Reason


class SourceIn(Strict):
    kind: Literal["hikvision", "dahua", "rtsp-template", "hls-vod", "mediamtx", "onvif", "folder"]
    url: Annotated[str, Field(min_length=1, max_length=2000)]
    channel: int | None = Field(None, ge=1, le=512)
    path: Annotated[str, Field(max_length=200)] | None = None
    tz: Annotated[str, Field(pattern=r"^(Z|UTC|[+-]\d{2}:?\d{2})$")] = "Z"
    credential: Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")] | None = None
    reason: Reason | None = None


@router.get("/export", responses={200: {"content": {m: {} for m in MEDIA.values()}}})
async def export_cameras(
    ctx: Ctx, run: Run, format: Annotated[Literal["csv", "geojson"], Query()] = "csv"
) -> Response:
    """The cameras in service with their recording sources (no credential is in them)."""
    data = await run(bulk.export_cameras, ctx, format)
    name = f"cameras.{format}"
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    return Response(data, media_type=MEDIA[format], headers=headers)


@router.post("/import", responses=responses(*WRITE, 413))
async def import_cameras(
    request: Request,
    ctx: Ctx,
    run: Run,
    format: Annotated[Literal["csv", "geojson"], Query()] = "csv",
    reason: Annotated[Text | None, Query()] = None,
) -> dict[str, Any]:
    """Register, edit and source cameras from a CSV or GeoJSON body (the file as it is): every
    row is checked first, nothing is recorded unless all pass; unchanged rows record nothing."""
    data = bytearray()
    async for chunk in request.stream():
        data += chunk
        if len(data) > MAX_IMPORT_BYTES:
            raise TooLarge(f"a camera file is limited to {MAX_IMPORT_BYTES} bytes")
    return await run(
        bulk.import_cameras, ctx, f"upload.{format}", bytes(data), reason, timeout_factor=10
    )


@router.patch("/{camera_id}", response_model=CameraOut, responses=responses(*WRITE))
async def edit_camera(camera_id: CameraId, body: CameraEdit, ctx: Ctx, run: Run) -> dict[str, Any]:
    """Change a camera's name, district, RT or position (operators and admins)."""
    given = body.model_dump(exclude_unset=True, exclude={"reason"})
    return await run(changes.edit_camera, ctx, camera_id, given, body.reason)


@router.post("/{camera_id}/retire", response_model=CameraOut, responses=responses(*WRITE))
async def retire_camera(camera_id: CameraId, body: Retire, ctx: Ctx, run: Run) -> dict[str, Any]:
    """Retire a camera: kept with its history, no longer listed or pulled from."""
    return await run(changes.retire_camera, ctx, camera_id, body.reason)


@router.put("/{camera_id}/source", response_model=CameraOut, responses=responses(*READ, 409))
async def set_source(camera_id: CameraId, body: SourceIn, ctx: Ctx, run: Run) -> dict[str, Any]:
    """Where the camera's recordings are fetched from (docs/sources.md); a credential is
    named, never given."""
    return await run(changes.set_source, ctx, camera_id, **body.model_dump())

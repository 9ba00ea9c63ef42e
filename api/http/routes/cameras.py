"""/api/cameras: the camera registry."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from api.http.deps import Ctx, Run
from api.http.models import CameraIn, CameraList, CameraOut, Text
from api.http.responses import READ, WRITE, responses
from archive.cameras import registry as cameras
from archive.errors import InvalidInput

router = APIRouter(prefix="/api/cameras", tags=["cameras"])


@router.get("", response_model=CameraList, responses=responses(*READ))
async def list_cameras(
    ctx: Ctx,
    run: Run,
    district: Annotated[Text | None, Query()] = None,
    lat: Annotated[float | None, Query(ge=-90, le=90, description="With lon and radius_m")] = None,
    lon: Annotated[float | None, Query(ge=-180, le=180)] = None,
    radius_m: Annotated[float | None, Query(gt=0, le=100_000)] = None,
) -> dict[str, Any]:
    """Cameras by district, or within `radius_m` metres of (lat, lon), nearest first."""
    if (lat is None) != (lon is None):
        raise InvalidInput("give lat and lon together")
    near = (lat, lon) if lat is not None and lon is not None else None
    rows = await run(cameras.list_cameras, ctx, district=district, near=near, radius_m=radius_m)
    return {"cameras": rows}


@router.post("", status_code=201, response_model=CameraOut, responses=responses(*WRITE))
async def register_camera(body: CameraIn, ctx: Ctx, run: Run) -> dict[str, Any]:
    """Register a public or private camera (operators and admins)."""
    return await run(cameras.register_camera, ctx, **body.model_dump())

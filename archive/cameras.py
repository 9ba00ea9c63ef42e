"""The camera registry: public and private cameras by district, RT and position."""

from __future__ import annotations

from typing import Any

from archive import views
from archive.bootstrap import Services
from archive.errors import AlreadyExists, InvalidInput, NotFound
from domain.base import Context
from domain.camera import Camera
from storage import queries


def register_camera(
    svc: Services,
    ctx: Context,
    *,
    camera_id: str,
    name: str,
    owner: str,
    district: str,
    rt: str | None = None,
    lat: float | None = None,
    lon: float | None = None,
    owner_user: str | None = None,
) -> dict[str, Any]:
    svc.guard.require(ctx, "camera.register", target=f"camera:{camera_id}")
    camera = Camera.register(camera_id, name, owner, district, ctx, rt, lat, lon, owner_user)
    if svc.events.find(Camera, camera.id) is not None:
        raise AlreadyExists(f"camera {camera_id} is already registered")
    svc.events.save(camera)
    return camera_view(svc, camera_id)


def camera_view(svc: Services, camera_id: str) -> dict[str, Any]:
    row = queries.camera_row(svc.db, camera_id)
    if row is None:
        raise NotFound(f"no camera {camera_id}")
    return views.camera(row)


def list_cameras(
    svc: Services,
    *,
    district: str | None = None,
    near: tuple[float, float] | None = None,
    radius_m: float | None = None,
    ctx: Context | None = None,
) -> list[dict[str, Any]]:
    if ctx is not None:  # HTTP reads check their caller; CLI reads are local
        svc.guard.require(ctx, "metadata.search", target="cameras")
    if (near is None) != (radius_m is None):
        raise InvalidInput("give --near and --radius-m together")
    if radius_m is not None and radius_m <= 0:
        raise InvalidInput("--radius-m must be positive")
    return [
        views.camera(r)
        for r in queries.cameras(svc.db, district=district, near=near, radius_m=radius_m)
    ]

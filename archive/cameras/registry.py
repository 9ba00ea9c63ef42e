"""The camera registry: public and private cameras by district, RT and position."""

from __future__ import annotations

from typing import Any

from archive import views
from archive.errors import AlreadyExists, InvalidInput, NotFound
from archive.services import Services
from domain.base import Context
from domain.camera import Camera
from domain.user import User
from storage.db import Database
from storage.readmodels import queries


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
    if owner_user is not None:
        _check_owner_user(svc, owner_user)
    if svc.events.find(Camera, camera.id) is not None:
        raise AlreadyExists(f"camera {camera_id} is already registered")
    svc.events.save(camera)
    return camera_view(svc.db, camera_id)


def show_camera(svc: Services, ctx: Context, camera_id: str) -> dict[str, Any]:
    who = svc.guard.require(ctx, "camera.list", target=f"camera:{camera_id}")
    found = camera_view(svc.db, camera_id)
    if who.role == "owner" and found["owner_user"] != who.name:  # owners see only their own
        raise NotFound(f"no camera {camera_id}")
    return found


def camera_view(db: Database, camera_id: str) -> dict[str, Any]:
    row = queries.camera_row(db, camera_id)
    if row is None:
        raise NotFound(f"no camera {camera_id}")
    return views.camera(row)


def list_cameras(
    svc: Services,
    ctx: Context,
    *,
    district: str | None = None,
    near: tuple[float, float] | None = None,
    radius_m: float | None = None,
) -> list[dict[str, Any]]:
    who = svc.guard.require(ctx, "camera.list", target="cameras")
    mine = who.name if who.role == "owner" else None  # owners see only their own cameras
    if (near is None) != (radius_m is None):
        raise InvalidInput("give --near and --radius-m together")
    if radius_m is not None and radius_m <= 0:
        raise InvalidInput("--radius-m must be positive")
    return [
        views.camera(r)
        for r in queries.cameras(svc.db, district=district, near=near, radius_m=radius_m)
        if mine is None or r["owner_user"] == mine
    ]


def _check_owner_user(svc: Services, name: str) -> None:
    """A private camera's owner user must exist and have the owner role."""
    user = svc.events.find(User, User.create_id(name))
    if user is None:
        raise NotFound(f"no user {name}")
    if user.role != "owner":
        raise InvalidInput(
            f"user {name} has role {user.role}; a camera's owner user needs role owner"
        )

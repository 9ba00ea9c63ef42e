"""Changing registered cameras: edit, retire, and where their recordings are fetched from.

Each change is an event on the camera's own stream (domain/camera.py); a change that changes
nothing records nothing. Recording sources name a credential, never hold one
(domain/recording_source.py; archive/credentials.py keeps them).
"""

from __future__ import annotations

from typing import Any

from archive.cameras.registry import camera_view
from archive.errors import InvalidInput, NotFound
from archive.services import Services
from domain.base import Context
from domain.camera import Camera, check_camera_id
from domain.recording_source import RecordingSource


def edit_camera(
    svc: Services, ctx: Context, camera_id: str, changes: dict[str, Any], reason: str
) -> dict[str, Any]:
    """Change some of name, district, RT and position (`changes`: field -> new value)."""
    svc.guard.require(ctx, "camera.edit", target=f"camera:{camera_id}")
    if not changes:
        raise InvalidInput("nothing to change: give --name, --district, --rt or --lat/--lon")
    _load(svc, camera_id)
    svc.events.update(Camera, Camera.create_id(camera_id), lambda c: c.edit(changes, reason, ctx))
    return camera_view(svc.db, camera_id)


def retire_camera(svc: Services, ctx: Context, camera_id: str, reason: str) -> dict[str, Any]:
    """Take a camera out of the network: it keeps its history and clips, is no longer listed
    or pulled from, and cannot be changed again."""
    svc.guard.require(ctx, "camera.edit", target=f"camera:{camera_id}")
    _load(svc, camera_id)
    svc.events.update(Camera, Camera.create_id(camera_id), lambda c: c.retire(reason, ctx))
    return camera_view(svc.db, camera_id)


def set_source(
    svc: Services,
    ctx: Context,
    camera_id: str,
    *,
    kind: str,
    url: str,
    channel: int | None = None,
    path: str | None = None,
    tz: str | None = None,
    credential: str | None = None,
    reason: str | None = None,
) -> dict[str, Any]:
    """Register where the camera's recordings are fetched from (docs/sources.md)."""
    svc.guard.require(ctx, "camera.edit", target=f"camera:{camera_id}")
    source = RecordingSource.check(kind, url, channel, path, tz, credential)
    _load(svc, camera_id)
    svc.events.update(
        Camera, Camera.create_id(camera_id), lambda c: c.set_source(source, reason, ctx)
    )
    return camera_view(svc.db, camera_id)


def _load(svc: Services, camera_id: str) -> Camera:
    camera = svc.events.find(Camera, Camera.create_id(check_camera_id(camera_id)))
    if camera is None:
        raise NotFound(f"no camera {camera_id}")
    return camera

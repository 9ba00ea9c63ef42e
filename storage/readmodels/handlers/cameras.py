"""Read-model handler of the camera registry: rm_cameras."""

from __future__ import annotations

from domain.camera import Camera
from storage.db import Tx
from storage.readmodels.registry import on, stored_time


@on(Camera.CameraRegistered)
def _camera(tx: Tx, _pos: int, e: Camera.CameraRegistered) -> None:
    tx.run(
        "INSERT INTO rm_cameras (camera_id, name, owner, district, rt, lat, lon, owner_user, "
        "registered_at) VALUES (?,?,?,?,?,?,?,?,?) ON CONFLICT (camera_id) DO NOTHING",
        (
            e.camera_id,
            e.name,
            e.owner,
            e.district,
            e.rt,
            e.lat,
            e.lon,
            e.owner_user,
            stored_time(e.timestamp),
        ),
    )

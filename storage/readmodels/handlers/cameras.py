"""Read-model handlers of the camera registry: rm_cameras, rm_camera_sources, rm_camera_retired."""

from __future__ import annotations

from domain.camera import EDITABLE, Camera
from storage.db import Tx
from storage.readmodels.registry import name_of, on, stored_time


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


@on(Camera.CameraEdited)
def _edited(tx: Tx, _pos: int, e: Camera.CameraEdited) -> None:
    changes = {k: v for k, v in e.changes.items() if k in EDITABLE}  # column names: fixed set
    if changes:
        sets = ", ".join(f"{k}=?" for k in changes)
        tx.run(
            f"UPDATE rm_cameras SET {sets} WHERE camera_id=?",
            (*changes.values(), name_of(tx, e.originator_id)),
        )


@on(Camera.CameraRetired)
def _retired(tx: Tx, _pos: int, e: Camera.CameraRetired) -> None:
    tx.run(
        "INSERT INTO rm_camera_retired (camera_id, retired_at) VALUES (?,?) "
        "ON CONFLICT (camera_id) DO NOTHING",
        (name_of(tx, e.originator_id), stored_time(e.timestamp)),
    )


@on(Camera.RecordingSourceSet)
def _source(tx: Tx, _pos: int, e: Camera.RecordingSourceSet) -> None:
    s = e.source
    camera_id = name_of(tx, e.originator_id)
    tx.run("DELETE FROM rm_camera_sources WHERE camera_id=?", (camera_id,))
    tx.run(
        "INSERT INTO rm_camera_sources (camera_id, kind, url, channel, path, tz, credential, "
        "set_at) VALUES (?,?,?,?,?,?,?,?)",
        (
            camera_id,
            s["kind"],
            s["url"],
            s.get("channel"),
            s.get("path"),
            s.get("tz") or "Z",
            s.get("credential"),
            stored_time(e.timestamp),
        ),
    )

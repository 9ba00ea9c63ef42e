"""Cameras of the city network, public or privately owned, placed by district and RT."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.domain import event

from domain.base import Attributed, Context, RuleBroken, named_id

OWNERS = ("public", "private")


def check_camera_id(camera_id: str) -> str:
    ok = camera_id and len(camera_id) <= 64 and all(c.isalnum() or c in "-_." for c in camera_id)
    if not ok:
        raise RuleBroken(f"invalid camera id {camera_id!r}: use letters, digits, '.', '-' or '_'")
    return camera_id


class Camera(Attributed):
    class CameraRegistered(Attributed.Created):
        camera_id: str
        name: str
        owner: str
        district: str
        rt: str | None
        lat: float | None
        lon: float | None
        owner_user: str | None

    @staticmethod
    def create_id(camera_id: str, **_: Any) -> UUID:
        return named_id("camera", camera_id)

    @event(CameraRegistered)
    def __init__(
        self,
        camera_id: str,
        name: str,
        owner: str,
        district: str,
        rt: str | None,
        lat: float | None,
        lon: float | None,
        owner_user: str | None,
        actor: str,
        channel: str,
        client: str | None,
    ) -> None:
        self.camera_id = camera_id
        self.name = name
        self.owner = owner
        self.district = district
        self.rt = rt
        self.lat = lat
        self.lon = lon
        self.owner_user = owner_user

    @classmethod
    def register(
        cls,
        camera_id: str,
        name: str,
        owner: str,
        district: str,
        ctx: Context,
        rt: str | None = None,
        lat: float | None = None,
        lon: float | None = None,
        owner_user: str | None = None,
    ) -> Camera:
        if owner not in OWNERS:
            raise RuleBroken(f"invalid owner {owner!r}: expected public or private")
        if not name.strip() or not district.strip():
            raise RuleBroken("a camera needs a name and a district")
        if owner_user is not None and owner != "private":
            raise RuleBroken("only a private camera has an owner user (--owner private)")
        if (lat is None) != (lon is None):
            raise RuleBroken("give both --lat and --lon, or neither")
        if lat is not None and lon is not None and not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise RuleBroken(f"coordinates out of range: {lat},{lon}")
        return cls(
            camera_id=check_camera_id(camera_id),
            name=name.strip(),
            owner=owner,
            district=district.strip(),
            rt=rt,
            lat=lat,
            lon=lon,
            owner_user=owner_user,
            **ctx.fields(),
        )

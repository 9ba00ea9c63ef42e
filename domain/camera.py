"""Cameras of the city network, public or privately owned, placed by district and RT."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.domain import event

from domain.base import Attributed, Context, RuleBroken, named_id
from domain.ids import check_id
from domain.recording_source import RecordingSource

OWNERS = ("public", "private")
EDITABLE = ("name", "district", "rt", "lat", "lon")


def check_camera_id(camera_id: str) -> str:
    return check_id("camera id", camera_id)


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

    class CameraEdited(Attributed.Event):
        """Some of name, district, RT and position changed (`changes` holds the new values)."""

        changes: dict[str, Any]
        reason: str

        def apply(self, aggregate: Any) -> None:
            for key, value in self.changes.items():
                setattr(aggregate, key, value)

    class CameraRetired(Attributed.Event):
        reason: str

        def apply(self, aggregate: Any) -> None:
            aggregate.retired = True

    class RecordingSourceSet(Attributed.Event):
        """Where the camera's recordings are fetched from (RecordingSource.as_dict(): never a
        password, only the name of a credential kept outside the event store)."""

        source: dict[str, Any]
        reason: str | None

        def apply(self, aggregate: Any) -> None:
            aggregate.source = dict(self.source)

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
        self.retired = False
        self.source: dict[str, Any] | None = None

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
        check_fields(name, district, lat, lon)
        if owner_user is not None and owner != "private":
            raise RuleBroken("only a private camera has an owner user (--owner private)")
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

    def edit(self, changes: dict[str, Any], reason: str, ctx: Context) -> bool:
        """Record the fields that differ (False if none do)."""
        self._check_active()
        unknown = set(changes) - set(EDITABLE)
        if unknown:
            raise RuleBroken(f"cannot edit {', '.join(sorted(unknown))} of a camera")
        merged = {k: getattr(self, k) for k in EDITABLE} | changes
        check_fields(merged["name"], merged["district"], merged["lat"], merged["lon"])
        merged["name"], merged["district"] = merged["name"].strip(), merged["district"].strip()
        differ = {k: merged[k] for k in changes if merged[k] != getattr(self, k)}
        if not differ:
            return False
        self.trigger_event(
            self.CameraEdited, changes=differ, reason=_reason(reason), **ctx.fields()
        )
        return True

    def retire(self, reason: str, ctx: Context) -> None:
        self._check_active()
        self.trigger_event(self.CameraRetired, reason=_reason(reason), **ctx.fields())

    def set_source(self, source: RecordingSource, reason: str | None, ctx: Context) -> bool:
        """Record the camera's recording source (False if it is already this one)."""
        self._check_active()
        if self.source == source.as_dict():
            return False
        self.trigger_event(
            self.RecordingSourceSet, source=source.as_dict(), reason=reason, **ctx.fields()
        )
        return True

    def _check_active(self) -> None:
        if self.retired:
            raise RuleBroken(f"camera {self.camera_id} is retired")


def check_fields(name: str, district: str, lat: float | None, lon: float | None) -> None:
    if not name.strip() or not district.strip():
        raise RuleBroken("a camera needs a name and a district")
    if (lat is None) != (lon is None):
        raise RuleBroken("give both --lat and --lon, or neither")
    if lat is not None and lon is not None and not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise RuleBroken(f"coordinates out of range: {lat},{lon}")


def _reason(reason: str) -> str:
    if not reason.strip():
        raise RuleBroken("a reason is required")
    return reason.strip()

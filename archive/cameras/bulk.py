"""`saksi camera import` and `export`: the whole registry as one CSV or GeoJSON file.

An import checks every row first (ids, owners, positions, recording sources, duplicates,
retired cameras) and records nothing unless all pass, naming each bad row by its line (or
feature). It then records only what differs from the registry: new cameras, edits, sources.
Importing the same file again records nothing. Events are saved in batches of aggregates,
since one save per camera would take minutes for a city's 10,000.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from archive.cameras import files
from archive.errors import InvalidInput
from archive.services import Services
from archive.views import camera as camera_view
from domain.base import Context, RuleBroken
from domain.camera import EDITABLE, OWNERS, Camera, check_camera_id, check_fields
from domain.recording_source import RecordingSource
from storage.eventstore.batch_load import find_many
from storage.readmodels import queries

BATCH = 500  # aggregates per save: one transaction each
MAX_ERRORS = 20  # named in the refusal; more are counted


@dataclass
class _Planned:
    """One checked row: the camera as the file gives it."""

    where: str
    camera_id: str
    fields: dict[str, Any]  # name, owner, district, rt, lat, lon
    source: RecordingSource | None


@dataclass
class _Outcome:
    registered: list[str] = field(default_factory=list)
    edited: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    unchanged: int = 0


def import_cameras(
    svc: Services, ctx: Context, name: str, data: bytes, reason: str | None = None
) -> dict[str, Any]:
    """Register, edit and source the cameras of a CSV or GeoJSON file, all or nothing checked."""
    svc.guard.require(ctx, "camera.register", target="cameras")
    svc.guard.require(ctx, "camera.edit", target="cameras")
    why = (reason or "").strip() or f"import of {name}"
    svc.projector.catch_up()  # compare with everything recorded so far, by any process
    existing = {r["camera_id"]: r for r in queries.cameras(svc.db, retired=True)}
    planned = _check_all(name, files.read_rows(name, data), existing)
    out = _Outcome()
    new: list[Camera] = []
    changed: dict[str, _Planned] = {}
    for p in planned:
        row = existing.get(p.camera_id)
        if row is None:
            camera = Camera.register(p.camera_id, ctx=ctx, **p.fields)
            if p.source is not None:
                camera.set_source(p.source, why, ctx)
                out.sources.append(p.camera_id)
            new.append(camera)
            out.registered.append(p.camera_id)
        elif _differs(row, p):
            changed[p.camera_id] = p
        else:
            out.unchanged += 1
    loaded = find_many(svc.db, svc.store.mapper, Camera, [Camera.create_id(c) for c in changed])
    for camera in loaded:
        p = changed[camera.camera_id]
        if camera.edit({k: p.fields[k] for k in EDITABLE}, why, ctx):
            out.edited.append(p.camera_id)
        if p.source is not None and camera.set_source(p.source, why, ctx):
            out.sources.append(p.camera_id)
    aggregates = [*new, *loaded]
    events = sum(len(a.pending_events) for a in aggregates)
    for i in range(0, len(aggregates), BATCH):
        svc.events.save(*aggregates[i : i + BATCH])
    return {
        "file": name,
        "rows": len(planned),
        "registered": len(out.registered),
        "edited": len(out.edited),
        "sources_set": len(out.sources),
        "unchanged": out.unchanged,
        "events": events,
    }


def export_cameras(svc: Services, ctx: Context, fmt: str) -> bytes:
    """The registry's cameras in service (not retired) as CSV or GeoJSON, sources included."""
    svc.guard.require(ctx, "camera.export", target="cameras")
    if fmt not in files.FORMATS:
        raise InvalidInput(f"invalid --format {fmt!r}: expected csv or geojson")
    return files.write(fmt, [camera_view(r) for r in queries.cameras(svc.db)])


def _check_all(name: str, rows: list[files.Row], existing: dict[str, Any]) -> list[_Planned]:
    errors: list[str] = []
    planned: list[_Planned] = []
    seen: dict[str, str] = {}
    for row in rows:
        try:
            p = _check_row(row)
            if p.camera_id in seen:
                raise RuleBroken(f"camera {p.camera_id} is also on {seen[p.camera_id]}")
            seen[p.camera_id] = row.where
            known = existing.get(p.camera_id)
            if known is not None and known.get("retired_at") is not None:
                raise RuleBroken(f"camera {p.camera_id} is retired")
            if known is not None and known["owner"] != p.fields["owner"]:
                raise RuleBroken(
                    f"camera {p.camera_id} is {known['owner']}: its owner cannot change"
                )
            planned.append(p)
        except (RuleBroken, InvalidInput) as e:
            errors.append(f"{row.where}: {e}")
    if not rows:
        raise InvalidInput(f"{name} holds no cameras")
    if errors:
        more = f" (and {len(errors) - MAX_ERRORS} more)" if len(errors) > MAX_ERRORS else ""
        raise InvalidInput(
            f"{name}: nothing imported, {len(errors)} bad row(s): "
            + "; ".join(errors[:MAX_ERRORS])
            + more,
            errors=errors,
        )
    return planned


def _check_row(row: files.Row) -> _Planned:
    v = {k: (x.strip() if isinstance(x, str) else x) or None for k, x in row.values.items()}
    camera_id = check_camera_id(v.get("camera_id") or "")
    owner = v.get("owner") or ""
    if owner not in OWNERS:
        raise RuleBroken(f"invalid owner {owner!r}: expected public or private")
    lat, lon = _number(v.get("lat"), "lat"), _number(v.get("lon"), "lon")
    name, district = v.get("name") or "", v.get("district") or ""
    check_fields(name, district, lat, lon)
    fields = {
        "name": name,
        "owner": owner,
        "district": district,
        "rt": v.get("rt"),
        "lat": lat,
        "lon": lon,
    }
    source = None
    if v.get("source_kind"):
        source = RecordingSource.check(
            v["source_kind"] or "",
            v.get("source_url") or "",
            _channel(v.get("channel")),
            v.get("path"),
            v.get("tz"),
            v.get("credential"),
        )
    elif any(v.get(k) for k in files.SOURCE):
        raise RuleBroken("source columns given without source_kind")
    return _Planned(row.where, camera_id, fields, source)


def _differs(row: dict[str, Any], p: _Planned) -> bool:
    if any(row[k] != p.fields[k] for k in EDITABLE):
        return True
    if p.source is None:
        return False  # no source in the file: the registered one stays
    registered = {k: row[f"s_{k}"] for k in ("kind", "url", "channel", "path", "tz", "credential")}
    return registered != p.source.as_dict()


def _number(text: str | None, what: str) -> float | None:
    if text is None:
        return None
    try:
        return float(text)
    except ValueError:
        raise RuleBroken(f"invalid {what} {text!r}: expected a number") from None


def _channel(text: str | None) -> int | None:
    if text is None:
        return None
    if not text.isdigit():
        raise RuleBroken(f"invalid channel {text!r}: expected a number")
    return int(text)

"""The camera map: cameras on the city's own street tiles with Leaflet (SAKSI_MAP_TILES), or
plotted by their coordinates on a self-hosted SVG when no tile server is configured,
and a radius around a report's location that lists the footage recorded there and then."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from api.http.deps import Run, get_services
from api.http.ui import times
from api.http.ui.web import Form, SignedIn, UiRoute, redirect, render
from archive.cameras import registry as cameras
from archive.cases import cases
from archive.custody import retrieval
from archive.errors import InvalidInput
from archive.services import Services
from domain.base import Context

router = APIRouter(route_class=UiRoute, include_in_schema=False)
WIDTH, HEIGHT, MARGIN, LABEL = 800, 520, 40, 100  # LABEL: room for names right of a spot
METRES_PER_DEGREE = 111_320.0
MAX_CAMERAS, MAX_CLIPS = 40, 25  # per selection, per camera: a page stays readable


@dataclass(frozen=True)
class Projection:
    """Equirectangular around the cameras' mean latitude: fine at city scale."""

    west: float
    north: float
    scale: float  # pixels per degree of latitude
    kx: float  # cos(latitude): a degree of longitude is shorter

    def xy(self, lat: float, lon: float) -> tuple[float, float]:
        return (
            round(MARGIN + (lon - self.west) * self.kx * self.scale, 1),
            round(MARGIN + (self.north - lat) * self.scale, 1),
        )

    def pixels(self, metres: float) -> float:
        return round(metres / METRES_PER_DEGREE * self.scale, 1)


def projection(points: list[tuple[float, float]]) -> Projection:
    if not points:
        points = [(-6.99, 110.42)]  # Semarang, when no camera has a position yet
    lats, lons = [p[0] for p in points], [p[1] for p in points]
    kx = math.cos(math.radians(sum(lats) / len(lats)))
    span_lat = max(max(lats) - min(lats), 0.002)
    span_lon = max((max(lons) - min(lons)) * kx, 0.002)
    inner_w = WIDTH - 2 * MARGIN - LABEL
    scale = min(inner_w / span_lon, (HEIGHT - 2 * MARGIN) / span_lat)
    mid_lat, mid_lon = (max(lats) + min(lats)) / 2, (max(lons) + min(lons)) / 2
    # Centre the points in the drawing.
    west = mid_lon - inner_w / 2 / scale / kx
    north = mid_lat + (HEIGHT - 2 * MARGIN) / 2 / scale
    return Projection(west, north, scale, kx)


def selection(
    svc: Services,
    ctx: Context,
    near: tuple[float, float] | None,
    radius_m: float | None,
    since: datetime | None,
    until: datetime | None,
) -> dict[str, Any]:
    every = cameras.list_cameras(svc, ctx=ctx)
    in_range: list[dict[str, Any]] = []
    if near is not None and radius_m is not None:
        for cam in cameras.list_cameras(svc, near=near, radius_m=radius_m, ctx=ctx)[:MAX_CAMERAS]:
            clips = retrieval.list_clips(
                svc, ctx, camera_id=cam["camera_id"], since=since, until=until, limit=MAX_CLIPS
            )
            in_range.append({**cam, "clips": clips})
    mine = cases.list_cases(svc, ctx, mine=True)
    return {
        "cameras": every,
        "in_range": in_range,
        "my_cases": [c for c in mine if c["status"] == "open"],
    }


def tile_origin(template: str | None) -> str | None:
    """The scheme://host[:port] the page may load tiles from (its CSP names it alone)."""
    if not template:
        return None
    parts = urlsplit(template)
    return f"{parts.scheme}://{parts.netloc}"


@router.get("/map")
async def map_page(
    request: Request,
    viewer: SignedIn,
    run: Run,
    lat: Annotated[float | None, Query(ge=-90, le=90)] = None,
    lon: Annotated[float | None, Query(ge=-180, le=180)] = None,
    radius_m: Annotated[float | None, Query(gt=0, le=50_000)] = None,
    since: Annotated[str | None, Query(max_length=40)] = None,
    until: Annotated[str | None, Query(max_length=40)] = None,
    case: Annotated[str | None, Query(max_length=64)] = None,
) -> Response:
    if (lat is None) != (lon is None):
        raise InvalidInput("give both latitude and longitude")
    near = (lat, lon) if lat is not None and lon is not None else None
    radius = radius_m if near is not None else None
    start, end = times.parse_local(since, "start"), times.parse_local(until, "end")
    got = await run(selection, viewer.ctx, near, radius, start, end)
    placed = [c for c in got["cameras"] if c["lat"] is not None and c["lon"] is not None]
    extent = []
    if near is not None and radius is not None:  # the whole circle stays in view
        dlat = radius / METRES_PER_DEGREE
        dlon = dlat / max(math.cos(math.radians(near[0])), 1e-6)
        extent = [(near[0] - dlat, near[1] - dlon), (near[0] + dlat, near[1] + dlon)]
    proj = projection([(c["lat"], c["lon"]) for c in placed] + extent)
    points = [{**c, "xy": proj.xy(c["lat"], c["lon"])} for c in placed]
    circle = None
    if near is not None and radius is not None:
        circle = {"xy": proj.xy(*near), "r": proj.pixels(radius)}
    tiles = get_services(request).settings.map_tiles
    return render(
        request,
        "map.html",
        img_origin=tile_origin(tiles),
        tiles=tiles,
        markers=json.dumps(
            [
                {"id": c["camera_id"], "name": c["name"], "lat": c["lat"], "lon": c["lon"]}
                for c in placed
            ]
        ),
        points=points,
        unplaced=len(got["cameras"]) - len(placed),
        circle=circle,
        proj=proj,
        size=(WIDTH, HEIGHT, MARGIN),
        in_range=got["in_range"],
        my_cases=got["my_cases"],
        form={
            "lat": "" if lat is None else lat,
            "lon": "" if lon is None else lon,
            "radius_m": int(radius_m) if radius_m else 500,
            "since": times.as_input(start),
            "until": times.as_input(end),
            "case": case or "",
        },
        selected=near is not None,
    )


@router.post("/map/attach")
async def attach_selected(request: Request, viewer: SignedIn, run: Run, form: Form) -> Response:
    """Pull the chosen clips of the radius into one of the user's cases (each one recorded)."""
    form_data = await request.form()
    clip_ids = [str(v) for v in form_data.getlist("clip") if isinstance(v, str)]
    case_id, reason = form.get("case_id", "").strip(), form.get("reason", "").strip()
    if not clip_ids or not case_id or not reason:
        raise InvalidInput("choose clips, a case and give a reason")
    for clip_id in clip_ids[:200]:
        await run(cases.attach, viewer.ctx, case_id=case_id, clip_id=clip_id, reason=reason)
    return redirect(f"/cases/{case_id}")

"""The 112 flow's first steps: open a case (optionally at a map point, whose place and time
prefill the pull), and pull the footage around it from the cameras in range as a background
job (archive/ingest/pull_jobs.py: the same use case as `saksi case pull`), whose per-camera
progress the case page follows and whose outcome stays on the case."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response

from api.http.deps import Run
from api.http.ui import times
from api.http.ui.web import Form, SignedIn, UiRoute, redirect, render
from archive.cases import cases
from archive.errors import InvalidInput
from archive.ingest import pull_jobs
from domain.case import KINDS

router = APIRouter(route_class=UiRoute, include_in_schema=False)
PLACE_FIELDS = ("lat", "lon", "radius_m", "since", "until")
Text = Annotated[str, Query(max_length=40)]


@router.get("/cases/new")
async def new_case_page(
    request: Request,
    viewer: SignedIn,
    lat: Text = "",
    lon: Text = "",
    radius_m: Text = "",
    since: Text = "",
    until: Text = "",
) -> Response:
    place = {"lat": lat, "lon": lon, "radius_m": radius_m, "since": since, "until": until}
    return render(request, "case_new.html", kinds=KINDS, place=place)


@router.post("/cases/new")
async def open_case(request: Request, viewer: SignedIn, run: Run, form: Form) -> Response:
    case_id = form.get("case_id", "").strip()
    kind, title = form.get("kind", ""), form.get("title", "").strip()
    if not case_id or not title:
        raise InvalidInput("give the case a number and a title")
    await run(cases.open_case, viewer.ctx, case_id=case_id, kind=kind, title=title, members=[])
    place = {k: form[k] for k in PLACE_FIELDS if form.get(k, "").strip()}
    if "lat" in place and "lon" in place:  # opened at a map point: on to the pull
        return redirect("/map?" + urlencode({**place, "case": case_id}) + "#range-h")
    return redirect(f"/cases/{case_id}")


@router.post("/map/pull")
async def start_pull(request: Request, viewer: SignedIn, run: Run, form: Form) -> Response:
    case_id = form.get("case_id", "").strip()
    if not case_id:
        raise InvalidInput("choose the case to pull into")
    try:
        lat, lon = float(form.get("lat", "")), float(form.get("lon", ""))
        radius_m = float(form.get("radius_m", ""))
    except ValueError:
        raise InvalidInput("give the point (latitude, longitude) and the radius") from None
    start, end = times.required_range(form.get("since"), form.get("until"))
    near, reason = (lat, lon), form.get("reason", "")
    await run(pull_jobs.start_pull, viewer.ctx, case_id=case_id, near=near, radius_m=radius_m,
              start=start, end=end, reason=reason)  # fmt: skip
    return redirect(f"/cases/{case_id}#pulls-h")


@router.get("/cases/{case_id:path}/pulls.json")
async def pulls_state(request: Request, case_id: str, viewer: SignedIn, run: Run) -> Response:
    """What the case page polls while a pull runs."""
    pulls: list[dict[str, Any]] = await run(pull_jobs.case_pulls, viewer.ctx, case_id)
    return JSONResponse({"pulls": pulls}, headers={"Cache-Control": "no-store"})

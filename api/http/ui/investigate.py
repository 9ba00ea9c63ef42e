"""Investigator pages: clip search, the clip page with its player, cases."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import Response

from api.http.deps import Run, Runner
from api.http.models import Reason
from api.http.routes.clips import content_response
from api.http.ui import times
from api.http.ui.web import Form, SignedIn, UiRoute, redirect, render
from archive.accounts.sessions import Viewer
from archive.cameras import registry as cameras
from archive.cases import cases
from archive.custody import retrieval
from archive.errors import InvalidInput
from archive.footage_requests import requests as footage
from archive.ingest import pull_jobs
from archive.redaction import redact as redactions
from archive.services import Services
from archive.sharing import shares
from domain.base import Context

router = APIRouter(route_class=UiRoute, include_in_schema=False)
Text = Annotated[str | None, Query(max_length=200)]
PAGE = 50
CONTENT_ROLES = ("operator", "investigator")  # the access table: footage is theirs only


def search(svc: Services, ctx: Context, filters: dict[str, Any], offset: int) -> dict[str, Any]:
    """The clips matching the form, one page, and the choices the form offers."""
    rows = retrieval.list_clips(svc, ctx, **filters, limit=PAGE + 1, offset=offset)
    known = cameras.list_cameras(svc, ctx=ctx)
    return {
        "clips": rows[:PAGE],
        "more": len(rows) > PAGE,
        "cameras": known,
        "districts": sorted({c["district"] for c in known}),
    }


@router.get("/clips")
async def clips_page(
    request: Request,
    viewer: SignedIn,
    run: Run,
    camera: Text = None,
    district: Text = None,
    case: Text = None,
    since: Text = None,
    until: Text = None,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> Response:
    start, end = times.parse_local(since, "start"), times.parse_local(until, "end")
    if start and end and end < start:
        raise InvalidInput("the end of the time range is before its start")
    filters = {
        "camera_id": camera or None,
        "district": district or None,
        "case_id": case or None,
        "since": start,
        "until": end,
    }
    found = await run(search, viewer.ctx, filters, offset)
    form = {
        "camera": camera or "",
        "district": district or "",
        "case": case or "",
        "since": times.as_input(start),
        "until": times.as_input(end),
    }
    return render(request, "clips.html", form=form, offset=offset, page=PAGE, **found)


def clip_details(svc: Services, ctx: Context, clip_id: str, viewing: bool) -> dict[str, Any]:
    clip = retrieval.show_clip(svc, ctx, clip_id)
    camera = cameras.show_camera(svc, ctx, clip["camera_id"])
    # About to play: check content access now, so a refusal is a page (recorded). A clip in
    # its recovery window shows its notice instead of a player that would answer 409.
    if viewing and clip["pending_deletion"] is None:
        retrieval.authorize_content(svc, ctx, clip_id, "clip.view")
    lineage = redactions.lineage(svc, ctx, clip_id, clip["derived_from"])
    return {"clip": clip, "camera": camera, "lineage": lineage}


@router.get("/clips/{clip_id}")
async def clip_page(
    request: Request,
    clip_id: UUID,
    viewer: SignedIn,
    run: Run,
    reason: Annotated[str | None, Query(max_length=500)] = None,
) -> Response:
    reason = (reason or "").strip() or None
    got = await run(clip_details, viewer.ctx, str(clip_id), reason is not None)
    return render(
        request,
        "clip.html",
        reason=reason,
        may_view=viewer.role in CONTENT_ROLES,
        **got,
    )


@router.get("/clips/{clip_id}/content")
async def clip_content(
    request: Request,
    clip_id: UUID,
    viewer: SignedIn,
    run: Run,
    reason: Annotated[Reason, Query()],
    range_header: Annotated[str | None, Header(alias="range", max_length=1000)] = None,
    if_range: Annotated[str | None, Header(alias="if-range", max_length=200)] = None,
) -> Response:
    """The player's source: the API's content answer, authorized by the session cookie."""
    request.app.state.rate_limiter.take("content", viewer.ctx.actor)
    return await content_response(run, viewer.ctx, clip_id, reason, range_header, if_range)


@router.get("/cases")
async def cases_page(request: Request, viewer: SignedIn, run: Run, mine: bool = True) -> Response:
    rows = await run(cases.list_cases, viewer.ctx, mine=mine)
    return render(request, "cases.html", cases=rows, mine=mine)


def case_details(svc: Services, ctx: Context, case_id: str) -> dict[str, Any]:
    case = cases.show_case(svc, ctx, case_id)
    clips = retrieval.list_clips(svc, ctx, case_id=case_id, limit=500)
    listed = shares.list_shares(svc, ctx, case_id=case_id)  # theirs and their cases' only
    pulls = pull_jobs.case_pulls(svc, ctx, case_id)
    asked = footage.list_requests(svc, ctx, case_id=case_id)
    every = cameras.list_cameras(svc, ctx=ctx)
    private = [c for c in every if c["owner"] == "private"]
    return {
        "case": case,
        "clips": clips,
        "shares": listed,
        "pulls": pulls,
        "requests": asked,
        "private_cameras": private,
        "all_cameras": every,
    }


@router.get("/cases/{case_id:path}")
async def case_page(request: Request, case_id: str, viewer: SignedIn, run: Run) -> Response:
    return await show_case_page(request, case_id, viewer, run)


async def show_case_page(
    request: Request, case_id: str, viewer: Viewer, run: Runner, created: Any = None
) -> Response:
    """The case page; `created`: a share just made, whose link is shown this once."""
    got = await run(case_details, viewer.ctx, case_id)
    member = viewer.ctx.actor in got["case"]["members"]
    content_member = member and viewer.role in CONTENT_ROLES  # who may export and share
    may_export = content_member and bool(got["clips"])
    return render(
        request,
        "case.html",
        may_export=may_export,
        content_member=content_member,
        created=created,
        **got,
    )


@router.post("/cases/{case_id:path}/members")
async def add_member(
    request: Request, case_id: str, viewer: SignedIn, run: Run, form: Form
) -> Response:
    user = form.get("user", "").strip()
    if not user:
        raise InvalidInput("name the user to add")
    await run(cases.assign, viewer.ctx, case_id=case_id, user=user)
    return redirect(f"/cases/{case_id}")

"""Footage requests to private camera owners, in the browser. An investigator (or operator) of
a case sends one from the case page; the camera's owner sees the requests sent to them,
approves or declines, and uploads the recording through the one-time link with a progress bar.
Owners' pages and the link's page speak Indonesian unless the owner chose otherwise."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from api.http.deps import Run
from api.http.ui import times
from api.http.ui.web import Form, SignedIn, UiRoute, redirect, render
from archive.footage_requests import requests as footage

router = APIRouter(route_class=UiRoute, include_in_schema=False)
Token = Annotated[str, Query(min_length=1, max_length=256)]


def indonesian_first(request: Request) -> None:
    """Owners are shopkeepers and residents: Indonesian unless their language cookie says."""
    request.state.default_lang = "id"


@router.post("/cases/{case_id:path}/requests")
async def send_request(
    request: Request, case_id: str, viewer: SignedIn, run: Run, form: Form
) -> Response:
    start, end = times.required_range(form.get("since"), form.get("until"))
    await run(
        footage.send_request,
        viewer.ctx,
        camera_id=form.get("camera_id", ""),
        start=start,
        end=end,
        case_id=case_id,
        reason=form.get("reason", ""),
    )
    return redirect(f"/cases/{case_id}#requests-h")


@router.get("/requests")
async def requests_page(request: Request, viewer: SignedIn, run: Run) -> Response:
    if viewer.role == "owner":
        indonesian_first(request)
    rows = await run(footage.list_requests, viewer.ctx)
    return render(request, "requests.html", requests=rows)


@router.get("/requests/{request_id}")
async def request_page(request: Request, request_id: UUID, viewer: SignedIn, run: Run) -> Response:
    return await _request_page(request, str(request_id), viewer.ctx, viewer.role, run)


async def _request_page(
    request: Request, request_id: str, ctx: Any, role: str, run: Run, upload: Any = None
) -> Response:
    if role == "owner":
        indonesian_first(request)
    got = await run(footage.show_request, ctx, request_id)
    return render(request, "request.html", req=got, upload=upload, owner=role == "owner")


@router.post("/requests/{request_id}/approve")
async def approve(
    request: Request, request_id: UUID, viewer: SignedIn, run: Run, form: Form
) -> Response:
    """The owner's yes: a one-time upload link, shown on this page once, with its form."""
    answer = await run(footage.approve, viewer.ctx, request_id=str(request_id))
    upload = answer.get("upload")
    return await _request_page(request, str(request_id), viewer.ctx, viewer.role, run, upload)


@router.post("/requests/{request_id}/decline")
async def decline(
    request: Request, request_id: UUID, viewer: SignedIn, run: Run, form: Form
) -> Response:
    await run(
        footage.decline, viewer.ctx, request_id=str(request_id), reason=form.get("reason", "")
    )
    return redirect(f"/requests/{request_id}")


@router.get("/upload/requests/{request_id}")
async def link_page(request: Request, request_id: UUID, token: Token) -> Response:
    """The one-time link opened in a browser: a form whose file goes to the same URL (POST);
    the link is checked when the upload arrives, so this page reveals nothing of the request."""
    indonesian_first(request)
    action = f"/upload/requests/{request_id}"
    return render(request, "upload_link.html", action=action, token=token)

"""Uploading a recording into a case from the browser: the page's script streams the file
(multipart, with a progress bar) to this endpoint, which runs the API's own upload path
(api.http.routes.clips.ingest_from_request: same size limit, probe, hash and custody checks).
Answers are JSON, as the API's are, for the script to show."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from api.http.deps import Run
from api.http.routes.clips import ingest_from_request
from api.http.ui.web import checked_header, current_viewer
from archive.errors import Unauthenticated

router = APIRouter(include_in_schema=False)


@router.post("/cases/{case_id:path}/upload")
async def upload_into_case(request: Request, case_id: str, run: Run) -> JSONResponse:
    viewer = await current_viewer(request)
    if viewer is None:
        raise Unauthenticated("sign in first")
    await checked_header(request)
    request.app.state.rate_limiter.take("upload", viewer.ctx.actor)
    clip: dict[str, Any] = await ingest_from_request(request, viewer.ctx, run, case_id=case_id)
    return JSONResponse(clip, status_code=201)

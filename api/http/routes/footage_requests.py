"""/api/requests: footage requests to private camera owners (send, list, show, answer)."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query

from api.http.deps import Ctx, Run
from api.http.models import CaseId
from api.http.request_models import (
    ApprovedOut,
    DeclineIn,
    RequestDetail,
    RequestIn,
    RequestList,
    RequestOut,
    Status,
)
from api.http.responses import READ, WRITE, responses
from archive.footage_requests import requests as footage_requests
from archive.timefmt import parse_time

router = APIRouter(prefix="/api/requests", tags=["requests"])


@router.post("", status_code=201, response_model=RequestOut, responses=responses(*WRITE))
async def send_request(body: RequestIn, ctx: Ctx, run: Run) -> dict[str, Any]:
    """Ask a private camera's owner for a time range of its recording (members of the case)."""
    return await run(
        footage_requests.send_request,
        ctx,
        camera_id=body.camera_id,
        start=parse_time(body.start, "start"),
        end=parse_time(body.end, "end"),
        case_id=body.case_id,
        reason=body.reason,
    )


@router.get("", response_model=RequestList, responses=responses(*READ))
async def list_requests(
    ctx: Ctx,
    run: Run,
    status: Annotated[Status | None, Query()] = None,
    case: Annotated[CaseId | None, Query(description="Only this case's requests")] = None,
) -> dict[str, Any]:
    """The requests the caller may see: an owner those sent to them, operators and
    investigators those of their cases, auditors and admins all."""
    found = await run(footage_requests.list_requests, ctx, status=status, case_id=case)
    return {"requests": found}


@router.get("/{request_id}", response_model=RequestDetail, responses=responses(*READ))
async def show_request(request_id: UUID, ctx: Ctx, run: Run) -> dict[str, Any]:
    """A request and its events."""
    return await run(footage_requests.show_request, ctx, str(request_id))


@router.post("/{request_id}/approve", response_model=ApprovedOut, responses=responses(*WRITE))
async def approve(request_id: UUID, ctx: Ctx, run: Run) -> dict[str, Any]:
    """The owner approves: the answer carries a one-time upload link (its token shown once)."""
    return await run(footage_requests.approve, ctx, request_id=str(request_id))


@router.post("/{request_id}/decline", response_model=RequestOut, responses=responses(*WRITE))
async def decline(request_id: UUID, body: DeclineIn, ctx: Ctx, run: Run) -> dict[str, Any]:
    """The owner declines, with a reason."""
    return await run(footage_requests.decline, ctx, request_id=str(request_id), reason=body.reason)

"""/api/cases: open cases, add members, attach clips, show a case."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path

from api.http.deps import Ctx, Run
from api.http.models import AttachIn, CaseIn, CaseOut, MemberIn
from api.http.responses import READ, WRITE, responses
from archive.cases import cases

router = APIRouter(prefix="/api/cases", tags=["cases"])

# Case ids may hold '/', so the id is a path parameter that may span segments.
CasePath = Annotated[str, Path(pattern=r"^[A-Za-z0-9._/-]{1,64}$", description="Case id")]


@router.post("", status_code=201, response_model=CaseOut, responses=responses(*WRITE))
async def open_case(body: CaseIn, ctx: Ctx, run: Run) -> dict[str, Any]:
    """Open a case; the caller becomes its lead."""
    return await run(
        cases.open_case,
        ctx,
        case_id=body.case_id,
        kind=body.kind,
        title=body.title,
        members=body.members,
    )


@router.get("/{case_id:path}", response_model=CaseOut, responses=responses(*READ))
async def show_case(case_id: CasePath, ctx: Ctx, run: Run) -> dict[str, Any]:
    """A case, its members and its clips."""
    return await run(cases.show_case, ctx, case_id)


@router.post("/{case_id:path}/clips", response_model=CaseOut, responses=responses(*WRITE))
async def attach_clip(case_id: CasePath, body: AttachIn, ctx: Ctx, run: Run) -> dict[str, Any]:
    """Attach a clip to the case (members with access to the clip)."""
    return await run(cases.attach, ctx, case_id=case_id, clip_id=body.clip_id, reason=body.reason)


@router.post("/{case_id:path}/members", response_model=CaseOut, responses=responses(*WRITE))
async def add_member(case_id: CasePath, body: MemberIn, ctx: Ctx, run: Run) -> dict[str, Any]:
    """Add a member to the case (its members, or an admin)."""
    return await run(cases.assign, ctx, case_id=case_id, user=body.user)

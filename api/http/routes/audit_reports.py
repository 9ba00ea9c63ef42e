"""/api/audit/report: a clip's, a case's or a user's events from the ledger (auditors, admins)."""

from __future__ import annotations

from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Query
from fastapi.responses import Response

from api.http.deps import Ctx, Run
from api.http.models import CaseId, Name
from api.http.responses import READ, responses
from archive.audit import reports as audit_report

router = APIRouter(prefix="/api/audit", tags=["audit"])

REPORT_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The report: CSV (one row an event) or a printable HTML page",
        "content": {
            "text/csv": {"schema": {"type": "string"}},
            "text/html": {"schema": {"type": "string"}},
        },
    }
}


@router.get("/report", response_class=Response, responses={**REPORT_RESPONSE, **responses(*READ)})
async def report(
    ctx: Ctx,
    run: Run,
    format: Annotated[Literal["csv", "html"], Query(description="csv, or printable html")],
    clip: Annotated[UUID | None, Query(description="Every event of this clip")] = None,
    case: Annotated[CaseId | None, Query(description="The case, its clips, its shares")] = None,
    user: Annotated[Name | None, Query(description="Everything this user did")] = None,
) -> Response:
    """An audit report from the ledger; give exactly one of clip, case or user. Its
    generation is recorded (who, what, the report's SHA-256: `X-Report-SHA256`)."""
    made = await run(
        audit_report.generate,
        ctx,
        format=format,
        clip_id=str(clip) if clip else None,
        case_id=case,
        user=user,
        timeout_factor=10,
    )
    name = f"saksi-audit-{made.subject_kind}-{made.report_id}.{made.format}"
    return Response(
        made.content,
        media_type=made.media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "X-Report-ID": made.report_id,
            "X-Report-SHA256": made.sha256,
            "X-Report-Rows": str(len(made.rows)),
            "X-Report-Checkpoint-Size": str(made.checkpoint_size),
            "Cache-Control": "private, no-store",
        },
    )

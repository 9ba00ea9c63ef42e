"""/api/shares: create, list and revoke links for recipients outside the archive."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query

from api.http.deps import Ctx, Run
from api.http.models import CaseId, Reason
from api.http.responses import READ, WRITE, responses
from api.http.share_models import ShareCreatedOut, ShareIn, ShareList, ShareOut
from archive.sharing import shares

router = APIRouter(prefix="/api/shares", tags=["shares"])


@router.post("", status_code=201, response_model=ShareCreatedOut, responses=responses(*WRITE, 410))
async def create_share(body: ShareIn, ctx: Ctx, run: Run) -> dict[str, Any]:
    """Share a case's clips (or chosen clips) by a link; members of their case only. The
    link and its token are in this answer only; its address is SAKSI_PUBLIC_URL's (without
    that setting no link is made: 422)."""
    return await run(
        shares.create_share,
        ctx,
        recipient=body.recipient,
        expires=shares.lifetime(body.expires),
        view_only=body.view_only,
        case_id=body.case_id,
        clip_ids=[str(c) for c in body.clip_ids],
        reason=body.reason,
    )


@router.get("", response_model=ShareList, responses=responses(*READ))
async def list_shares(
    ctx: Ctx,
    run: Run,
    case: Annotated[CaseId | None, Query(description="Only the shares of this case")] = None,
) -> dict[str, Any]:
    """Shares, newest first (auditors and admins: all; others: theirs and their cases')."""
    return {"shares": await run(shares.list_shares, ctx, case_id=case)}


@router.delete("/{share_id}", response_model=ShareOut, responses=responses(*WRITE))
async def revoke_share(
    share_id: UUID,
    ctx: Ctx,
    run: Run,
    reason: Annotated[Reason, Query(description="Why the link is withdrawn (recorded)")],
) -> dict[str, Any]:
    """Revoke a share (its creator, an admin or a member of its case): the link stops at once."""
    return await run(shares.revoke_share, ctx, share_id=str(share_id), reason=reason)

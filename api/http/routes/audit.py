"""/api/audit: verify the ledger, custody trails, checkpoints and proofs (auditors and admins)."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Query

from api.http.deps import Ctx, Run, throttle
from api.http.models import (
    CheckpointOut,
    ConsistencyOut,
    InclusionOut,
    TrailOut,
    VerifyOut,
)
from api.http.responses import READ, responses
from archive.audit import proofs
from archive.audit import verify as audit
from archive.custody import trail
from archive.sealing import seal as sealing

router = APIRouter(prefix="/api/audit", tags=["audit"])


@router.get(
    "/verify",
    response_model=VerifyOut,
    responses=responses(401, 403, 429, 503),
    dependencies=[Depends(throttle("verify"))],
)
async def verify(ctx: Ctx, run: Run) -> dict[str, Any]:
    """Replay the event log and the Merkle log; `ok` is false if anything was changed."""
    return await run(audit.verify, ctx, timeout_factor=10)


@router.get("/trail/{clip_id}", response_model=TrailOut, responses=responses(*READ))
async def clip_trail(clip_id: UUID, ctx: Ctx, run: Run) -> dict[str, Any]:
    """Every custody event of a clip, in order, with chain hashes and global positions."""
    return await run(trail.trail, ctx, str(clip_id))


@router.get("/checkpoint", response_model=CheckpointOut, responses=responses(*READ))
async def latest_checkpoint(ctx: Ctx, run: Run) -> dict[str, Any]:
    """The newest signed checkpoint (signed-note text) and the archive's verifier key."""
    return await run(sealing.latest, ctx)


@router.post(
    "/checkpoint",
    response_model=CheckpointOut,
    responses=responses(401, 403, 429, 503),
    dependencies=[Depends(throttle("verify"))],
)
async def seal_checkpoint(ctx: Ctx, run: Run) -> dict[str, Any]:
    """Seal the log now and sign its head."""
    return await run(sealing.sealed, ctx, timeout_factor=10)


@router.get("/proof", response_model=InclusionOut, responses=responses(*READ))
async def inclusion_proof(
    ctx: Ctx,
    run: Run,
    index: Annotated[int, Query(ge=0, le=2**62, description="Leaf index")],
    size: Annotated[int | None, Query(ge=1, le=2**62, description="Tree size")] = None,
) -> dict[str, Any]:
    """Inclusion proof of leaf `index` in the tree of `size` leaves (RFC 9162 §2.1.3)."""
    return await run(proofs.inclusion, ctx, index, size)


@router.get("/consistency", response_model=ConsistencyOut, responses=responses(*READ))
async def consistency_proof(
    ctx: Ctx,
    run: Run,
    old: Annotated[int, Query(alias="from", ge=0, le=2**62)],
    new: Annotated[int, Query(alias="to", ge=0, le=2**62)],
) -> dict[str, Any]:
    """Proof that the tree of `from` leaves is a prefix of the tree of `to` (RFC 9162 §2.1.4)."""
    return await run(proofs.consistency, ctx, old, new)

"""/api/retention: policies per class and what is due for purge (admins)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query

from api.http.deps import Ctx, Run
from api.http.models import DueOut, PoliciesOut, PolicyIn, PolicyOut
from api.http.responses import READ, WRITE, responses
from archive.timefmt import parse_duration
from retention import policies

router = APIRouter(prefix="/api/retention", tags=["retention"])

ClassPath = Annotated[str, Path(pattern=r"^(report|incident|investigation)$")]


@router.get("/policies", response_model=PoliciesOut, responses=responses(*READ))
async def list_policies(ctx: Ctx, run: Run) -> dict[str, Any]:
    """The retention period of each class."""
    return await run(policies.list_policies, ctx)


@router.get("/policies/{retention_class}", response_model=PolicyOut, responses=responses(*READ))
async def get_policy(retention_class: ClassPath, ctx: Ctx, run: Run) -> dict[str, Any]:
    listed = await run(policies.list_policies, ctx)
    return dict(next(p for p in listed["policies"] if p["retention_class"] == retention_class))


@router.put("/policies/{retention_class}", response_model=PolicyOut, responses=responses(*WRITE))
async def set_policy(
    retention_class: ClassPath, body: PolicyIn, ctx: Ctx, run: Run
) -> dict[str, Any]:
    """Change a class's period (admins); affected clips are recomputed at once."""
    keep = parse_duration(body.keep, "keep")
    return await run(
        policies.set_policy,
        ctx,
        retention_class=retention_class,
        keep=keep,
        reason=body.reason,
        timeout_factor=10,
    )


@router.get("/due", response_model=DueOut, responses=responses(*READ))
async def due(
    ctx: Ctx,
    run: Run,
    within: Annotated[str, Query(max_length=40, description="ISO 8601 duration")] = "P7D",
) -> dict[str, Any]:
    """Clips falling due before now + `within`, and every clip pending deletion with its
    `delete_after` (auditors and admins): what the sweep will purge, and when."""
    return await run(policies.due, ctx, parse_duration(within, "within"))

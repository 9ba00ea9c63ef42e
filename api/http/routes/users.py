"""/api/users: admins add users (the token is shown once) and revoke tokens."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query

from api.http.deps import Ctx, Run
from api.http.models import Name, Reason, RevokedOut, UserIn, UserOut
from api.http.responses import WRITE, responses
from archive.accounts import users
from archive.timefmt import now, parse_duration

router = APIRouter(prefix="/api/users", tags=["users"])


@router.post("", status_code=201, response_model=UserOut, responses=responses(*WRITE))
async def add_user(body: UserIn, ctx: Ctx, run: Run) -> dict[str, Any]:
    """Add a user and return its bearer token, once; only its hash is kept."""
    until = now() + parse_duration(body.expires, "expires") if body.expires else None
    return await run(users.add_user, ctx, body.name, body.role, until)


@router.delete("/{name}/token", response_model=RevokedOut, responses=responses(*WRITE))
async def revoke_token(
    name: Annotated[Name, Path(description="User name")],
    ctx: Ctx,
    run: Run,
    reason: Annotated[Reason | None, Query()] = None,
) -> dict[str, Any]:
    """Revoke a user's token: it stops working at once."""
    return await run(users.revoke_token, ctx, name, reason or "revoked over HTTP")

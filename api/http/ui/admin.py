"""Admin pages: users and roles, tokens."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Request
from fastapi.responses import Response

from api.http.deps import Run
from api.http.ui.web import Form, SignedIn, UiRoute, redirect, render
from archive import users
from archive.errors import InvalidInput
from archive.timefmt import now, parse_duration

router = APIRouter(route_class=UiRoute, include_in_schema=False)


def _expiry(text: str) -> datetime | None:
    return now() + parse_duration(text, "expires") if text.strip() else None


@router.get("/admin/users")
async def users_page(request: Request, viewer: SignedIn, run: Run) -> Response:
    rows = await run(users.list_users, viewer.ctx)
    return render(request, "users.html", users=rows, issued=None)


@router.post("/admin/users")
async def add_user(request: Request, viewer: SignedIn, run: Run, form: Form) -> Response:
    name, role = form.get("name", "").strip(), form.get("role", "")
    if not name:
        raise InvalidInput("a user needs a name")
    issued = await run(users.add_user, viewer.ctx, name, role, _expiry(form.get("expires", "")))
    rows = await run(users.list_users, viewer.ctx)
    return render(request, "users.html", users=rows, issued=issued)  # the token, shown once


@router.post("/admin/users/{name}/token")
async def new_token(
    request: Request, name: str, viewer: SignedIn, run: Run, form: Form
) -> Response:
    issued = await run(users.issue_token, viewer.ctx, name, _expiry(form.get("expires", "")))
    rows = await run(users.list_users, viewer.ctx)
    return render(request, "users.html", users=rows, issued=issued)


@router.post("/admin/users/{name}/revoke")
async def revoke(request: Request, name: str, viewer: SignedIn, run: Run, form: Form) -> Response:
    reason = form.get("reason", "").strip() or "revoked in the web UI"
    await run(users.revoke_token, viewer.ctx, name, reason)
    return redirect("/admin/users")

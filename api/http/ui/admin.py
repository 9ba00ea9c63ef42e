"""Admin pages: users and tokens, retention policies and what they purge, holds, runs."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from api.http.deps import Run, Runner
from api.http.ui.web import Form, SignedIn, UiRoute, local_path, redirect, render
from archive.accounts import users
from archive.errors import InvalidInput
from archive.timefmt import now, parse_duration
from domain.base import Context
from retention import holds, overview, policies

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


@router.get("/admin/retention")
async def retention_page(
    request: Request,
    viewer: SignedIn,
    run: Run,
    within: Annotated[str, Query(max_length=20, pattern=r"^P[0-9A-Z.]*$")] = "P7D",
) -> Response:
    return await _retention(request, viewer.ctx, run, within)


async def _retention(
    request: Request, ctx: Context, run: Runner, within: str, **extra: Any
) -> Response:
    listed = await run(overview.list_policies, ctx)
    due = await run(overview.due, ctx, parse_duration(within, "within"))
    return render(
        request,
        "retention.html",
        policies=listed["policies"],
        due=due,
        within=within,
        **{"preview": None, "changed": None, **extra},
    )


@router.post("/admin/retention/{retention_class}")
async def change_policy(
    request: Request, retention_class: str, viewer: SignedIn, run: Run, form: Form
) -> Response:
    """Preview what a new period would purge, or apply it (recorded, with its reason)."""
    keep = parse_duration(form.get("keep", ""), "keep")
    if form.get("action") == "apply":
        changed = await run(
            policies.set_policy,
            viewer.ctx,
            retention_class=retention_class,
            keep=keep,
            reason=form.get("reason") or None,
        )
        return await _retention(request, viewer.ctx, run, "P0D", changed=changed)
    preview = await run(overview.preview, viewer.ctx, retention_class=retention_class, keep=keep)
    return await _retention(request, viewer.ctx, run, "P7D", preview=preview)


@router.get("/admin/holds")
async def holds_page(request: Request, viewer: SignedIn, run: Run) -> Response:
    return render(request, "holds.html", holds=await run(overview.holds, viewer.ctx))


@router.post("/holds")
async def change_hold(request: Request, viewer: SignedIn, run: Run, form: Form) -> Response:
    """Place or release a hold on a clip or a case (admins; investigators on their cases)."""
    target, value = form.get("target", ""), form.get("id", "").strip()
    if target not in ("clip", "case") or not value:
        raise InvalidInput("choose a clip or a case and give its id")
    await run(
        holds.set_hold,
        viewer.ctx,
        on=form.get("action") != "release",
        reason=form.get("reason", ""),
        clip_id=value if target == "clip" else None,
        case_id=value if target == "case" else None,
    )
    return redirect(local_path(form.get("back"), "/admin/holds"))


@router.get("/admin/runs")
async def runs_page(request: Request, viewer: SignedIn, run: Run) -> Response:
    return render(request, "runs.html", runs=await run(overview.recent_runs, viewer.ctx))

"""Signing in and out, and the language switch."""

from __future__ import annotations

from typing import Annotated

import anyio
from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from api.http.deps import get_services
from api.http.ui import i18n
from api.http.ui.web import (
    LANG_COOKIE,
    SESSION_COOKIE,
    Form,
    UiRoute,
    checked_form,
    client_of,
    current_viewer,
    local_path,
    redirect,
    render,
    set_cookie,
)
from archive.accounts import sessions
from archive.errors import Unauthenticated

router = APIRouter(route_class=UiRoute, include_in_schema=False)
Next = Annotated[str | None, Query(max_length=500)]


def single_sign_on(request: Request) -> bool:
    return get_services(request).settings.oidc_issuer is not None


@router.get("/")
async def home(request: Request) -> Response:
    viewer = await current_viewer(request)
    if viewer is None:
        return redirect("/signin")
    if viewer.role == "owner":
        return redirect("/requests")
    return redirect("/audit" if viewer.role == "auditor" else "/clips")


@router.get("/signin")
async def signin_page(request: Request, next: Next = None, out: bool = False) -> Response:
    await current_viewer(request)
    return render(
        request, "signin.html", next=local_path(next), failed=False, signed_out=out,
        sso=single_sign_on(request),
    )  # fmt: skip


@router.post("/signin")
async def signin(request: Request, form: Form) -> Response:
    svc = get_services(request)
    try:
        session = await anyio.to_thread.run_sync(
            sessions.start, svc, form.get("token", ""), client_of(request)
        )
    except Unauthenticated:  # recorded by the use case, like a failed API sign-in
        return render(
            request,
            "signin.html",
            401,
            next=local_path(form.get("next")),
            failed=True,
            signed_out=False,
            sso=single_sign_on(request),
        )
    response = redirect(local_path(form.get("next")))
    set_session_cookie(request, response, session.session_id)
    return response


def set_session_cookie(request: Request, response: Response, session_id: str) -> None:
    max_age = int(sessions.LIFETIME.total_seconds())
    set_cookie(request, response, SESSION_COOKIE, session_id, max_age=max_age)


@router.post("/signout")
async def signout(request: Request) -> Response:
    if await current_viewer(request) is not None:  # a live session: only its own forms end it
        await checked_form(request)
        session_id = request.cookies.get(SESSION_COOKIE, "")
        await anyio.to_thread.run_sync(
            sessions.end, get_services(request), session_id, client_of(request)
        )
    response = redirect("/signin?out=true")
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.post("/lang")
async def switch_language(request: Request, form: Form) -> Response:
    response = redirect(local_path(form.get("next")))
    lang = form.get("lang", "")
    if lang in i18n.LANGUAGES:
        set_cookie(request, response, LANG_COOKIE, lang, max_age=365 * 86400)
    return response

"""Single sign-on pages: off to the identity provider, and back (archive/accounts/oidc.py)."""

from __future__ import annotations

from typing import Annotated

import anyio
from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from api.http.deps import get_services
from api.http.ui.signin import set_session_cookie
from api.http.ui.web import (
    UiRoute,
    client_of,
    local_path,
    render,
    set_cookie,
)
from archive.accounts import oidc
from archive.errors import Unauthenticated

router = APIRouter(route_class=UiRoute, include_in_schema=False)
BROWSER_COOKIE = "saksi_oidc"  # binds a sign-in under way to this browser
Text = Annotated[str, Query(max_length=2000)]


@router.get("/signin/oidc")
async def sso_begin(
    request: Request, next: Annotated[str | None, Query(max_length=500)] = None
) -> Response:
    svc = get_services(request)
    url, browser = await anyio.to_thread.run_sync(oidc.begin, svc, local_path(next))
    response = Response(status_code=303, headers={"Location": url, "Cache-Control": "no-store"})
    # Lax, not Strict: it must come back on the provider's top-level redirect to the callback.
    set_cookie(request, response, BROWSER_COOKIE, browser, max_age=600, samesite="lax")
    return response


@router.get("/signin/oidc/callback")
async def sso_callback(
    request: Request,
    state: Text = "",
    code: Text = "",
    error: Text = "",
    error_description: Text = "",
    iss: Text = "",
    session_state: Text = "",
) -> Response:
    svc = get_services(request)
    browser = request.cookies.get(BROWSER_COOKIE, "")
    try:
        session, next_path = await anyio.to_thread.run_sync(
            oidc.finish, svc, state, code, browser, client_of(request)
        )
    except Unauthenticated:  # recorded by the use case
        response = render(
            request,
            "signin.html",
            401,
            next="/",
            failed=False,
            sso_failed=True,
            signed_out=False,
            sso=True,
        )
        response.delete_cookie(BROWSER_COOKIE, path="/")
        return response
    # A page, not a redirect: after the provider's cross-site redirect, the browser sends the
    # SameSite=Strict session cookie only on a navigation this site starts itself.
    response = render(request, "signed_in.html", next=local_path(next_path))
    response.delete_cookie(BROWSER_COOKIE, path="/")
    set_session_cookie(request, response, session.session_id)
    return response

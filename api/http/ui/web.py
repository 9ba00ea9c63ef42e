"""What every UI page shares: the signed-in viewer, CSRF, rendering, and errors as pages.

The session cookie holds a random session id (HttpOnly, SameSite=Strict); the server keeps
only its hash (archive.accounts.sessions). Forms carry a CSRF token derived from the session id,
which
a page of another site can neither read nor guess; before sign-in, a random cookie value is
submitted twice (cookie and form field) instead.
"""

from __future__ import annotations

import hashlib
import logging
import os
import secrets
from pathlib import Path
from typing import Annotated, Any, Literal, NoReturn
from urllib.parse import quote

import anyio
import jinja2
from fastapi import Depends, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException

from api.http.deps import get_services
from api.http.ui import i18n, times
from archive.accounts import sessions
from archive.accounts.sessions import Viewer
from archive.errors import InvalidInput, Refused, classify
from domain.base import Context

log = logging.getLogger("saksi.ui")
SESSION_COOKIE = "saksi_session"
CSRF_COOKIE = "saksi_csrf"
LANG_COOKIE = "saksi_lang"
HERE = Path(__file__).parent
_env = jinja2.Environment(
    loader=jinja2.FileSystemLoader(HERE / "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,  # a missing value is a bug, not an empty cell
)
# Dates, numbers and sizes as the page's language writes them (the `lang` each page renders).
_env.filters["when"] = jinja2.pass_context(lambda page, v: i18n.when(v, page["lang"]))
_env.filters["number"] = jinja2.pass_context(lambda page, v: i18n.number(v, page["lang"]))
_env.filters["bytes"] = jinja2.pass_context(lambda page, v: i18n.size(v, page["lang"]))
_env.filters["clock"] = times.clock
_env.globals["zone_label"] = times.zone_label


def content_policy(img_origin: str | None = None) -> str:
    """Everything is self-hosted: no CDN, no inline script; images from the city's own tile
    server only on the map page, and only when one is configured (SAKSI_MAP_TILES)."""
    images = "'self' data:" + (f" {img_origin}" if img_origin else "")
    return (
        f"default-src 'self'; script-src 'self'; style-src 'self'; img-src {images}; "
        "media-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
        "frame-ancestors 'none'"
    )


SECURITY_HEADERS = {
    "Content-Security-Policy": content_policy(),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}


class SignInRequired(Exception):
    """The page needs a signed-in user: the browser is sent to the sign-in page."""


def secure_cookies(request: Request) -> bool:
    """Secure cookies over TLS (or when told to, behind a TLS-terminating proxy)."""
    return request.url.scheme == "https" or os.environ.get("SAKSI_UI_SECURE_COOKIES") == "1"


def set_cookie(
    request: Request,
    response: Response,
    name: str,
    value: str,
    samesite: Literal["strict", "lax"] = "strict",
    **kw: Any,
) -> None:
    response.set_cookie(
        name,
        value,
        httponly=True,
        samesite=samesite,
        secure=secure_cookies(request),
        path="/",
        **kw,
    )


def client_of(request: Request) -> str | None:
    return request.client.host if request.client else None


async def current_viewer(request: Request) -> Viewer | None:
    if hasattr(request.state, "saksi_viewer"):
        known: Viewer | None = request.state.saksi_viewer
        return known
    session_id = request.cookies.get(SESSION_COOKIE, "")
    viewer = None
    if session_id:
        viewer = await anyio.to_thread.run_sync(
            sessions.resolve, get_services(request), session_id, client_of(request)
        )
    request.state.saksi_viewer = viewer
    return viewer


async def signed_in(request: Request) -> Viewer:
    viewer = await current_viewer(request)
    if viewer is None:
        raise SignInRequired()
    return viewer


SignedIn = Annotated[Viewer, Depends(signed_in)]


def _expected_csrf(request: Request) -> str:
    """Signed in: derived from the session id. Before: the browser's random CSRF cookie."""
    if getattr(request.state, "saksi_viewer", None) is not None:
        session_id = request.cookies.get(SESSION_COOKIE, "")
        return hashlib.sha256(f"saksi-csrf:{session_id}".encode()).hexdigest()
    return request.cookies.get(CSRF_COOKIE, "")


def csrf_token(request: Request) -> str:
    """The token for this page's forms (a new CSRF cookie goes out with the page if needed)."""
    token = _expected_csrf(request) or getattr(request.state, "new_csrf", "")
    if not token:
        token = secrets.token_urlsafe(24)
        request.state.new_csrf = token
    return token


async def checked_form(request: Request) -> dict[str, str]:
    """A POSTed form whose CSRF token matches this browser's; 403 (a page) otherwise."""
    viewer = await current_viewer(request)
    origin = request.headers.get("origin")
    if origin and origin != f"{request.url.scheme}://{request.url.netloc}":
        await _refuse_form(request, viewer, "the form was sent from another site")
    form = await request.form()
    fields = {k: v for k, v in form.items() if isinstance(v, str)}
    expected = _expected_csrf(request)
    given = fields.pop("csrf", "")
    if not expected or not secrets.compare_digest(given.encode(), expected.encode()):
        await _refuse_form(request, viewer, "the form's security token is missing or out of date")
    if viewer is not None:  # a signed-in form is a write: the API's write limit holds (429)
        request.app.state.rate_limiter.take("write", viewer.ctx.actor)
    return fields


async def _refuse_form(request: Request, viewer: Viewer | None, problem: str) -> NoReturn:
    """A forged or stale form is a refused request: recorded as AccessDenied (action
    `ui.form`, throttled like every refusal), then answered 403."""
    who = viewer.ctx if viewer is not None else Context("anonymous", "http", client_of(request))
    target = f"http:POST {request.url.path[:200]}"
    guard = get_services(request).guard
    await anyio.to_thread.run_sync(guard.record_refusal, who, "ui.form", problem, target)
    raise CsrfFailed(problem)


Form = Annotated[dict[str, str], Depends(checked_form)]


async def checked_header(request: Request) -> None:
    """For a script's POST whose body is a file: the CSRF token in X-CSRF-Token, checked
    before a byte of the body is read."""
    await current_viewer(request)
    origin = request.headers.get("origin")
    if origin and origin != f"{request.url.scheme}://{request.url.netloc}":
        raise Refused("the request was sent from another site")
    expected, given = _expected_csrf(request), request.headers.get("x-csrf-token", "")
    if not expected or not secrets.compare_digest(given.encode(), expected.encode()):
        raise Refused("the security token is missing or out of date")


class CsrfFailed(Exception):
    pass


def lang_of(request: Request) -> str:
    chosen = request.cookies.get(LANG_COOKIE)
    if chosen in i18n.LANGUAGES:
        return chosen
    if getattr(request.state, "default_lang", None) in i18n.LANGUAGES:
        return str(request.state.default_lang)  # a page whose readers want it (owners)
    accept = request.headers.get("accept-language", "").lower()
    first = accept.split(",")[0].strip()[:2]
    return first if first in i18n.LANGUAGES else i18n.DEFAULT


def render(
    request: Request,
    template: str,
    status_code: int = 200,
    img_origin: str | None = None,
    **data: Any,
) -> HTMLResponse:
    lang = lang_of(request)
    viewer = getattr(request.state, "saksi_viewer", None)
    html = _env.get_template(template).render(
        t=i18n.translator(lang),
        lang=lang,
        viewer=viewer,
        csrf=csrf_token(request),
        path=request.url.path,
        here=request.url.path + (f"?{request.url.query}" if request.url.query else ""),
        **data,
    )
    headers = {**SECURITY_HEADERS, "Content-Security-Policy": content_policy(img_origin)}
    response = HTMLResponse(html, status_code=status_code, headers=headers)
    new = getattr(request.state, "new_csrf", None)
    if new:
        set_cookie(request, response, CSRF_COOKIE, new)
    return response


def local_path(target: str | None, default: str = "/") -> str:
    """Where to send the browser next: a path on this site only (no open redirect)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    return target


def redirect(target: str) -> RedirectResponse:
    return RedirectResponse(target, status_code=303, headers={"Cache-Control": "no-store"})


def error_page(request: Request, exc: BaseException) -> Response:
    if isinstance(exc, SignInRequired):
        return redirect("/signin?next=" + quote(request.url.path, safe="/"))
    if isinstance(exc, CsrfFailed):
        log.warning("csrf check failed: %s", exc, extra={"path": request.url.path})
        return render(request, "error.html", 403, code=403, title="csrf_title", message=str(exc))
    if isinstance(exc, RequestValidationError):
        exc = InvalidInput(f"invalid input: {exc.errors()[0].get('msg', 'invalid')}")
    if isinstance(exc, HTTPException):
        return render(
            request,
            "error.html",
            exc.status_code,
            code=exc.status_code,
            title=f"error_{exc.status_code}",
            message=str(exc.detail),
        )
    known = classify(exc)
    if known is None:
        log.error("internal error on a page", exc_info=exc)
        return render(request, "error.html", 500, code=500, title="error_500", message="")
    code = known.http_status
    title = f"error_{code}" if f"error_{code}" in i18n.CATALOGUE["en"] else "error_other"
    page = render(
        request,
        "error.html",
        code,
        code=code,
        title=title,
        message=known.message,
        refused=isinstance(known, Refused),
    )
    if "retry_after" in known.details:  # a throttled form (the write limit)
        page.headers["Retry-After"] = str(known.details["retry_after"])
    return page


class UiRoute(APIRoute):
    """A page route: errors become HTML pages (403 says so; the use case has recorded it)."""

    def get_route_handler(self) -> Any:
        handler = super().get_route_handler()

        async def page(request: Request) -> Response:
            try:
                response: Response = await handler(request)
            except Exception as exc:
                return error_page(request, exc)
            for key, value in SECURITY_HEADERS.items():
                response.headers.setdefault(key, value)
            return response

        return page

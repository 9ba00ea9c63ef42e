"""/share/{token}: what a share's recipient opens - no account, the link is the credential.

The page lists the shared clips with a player and, unless the share is view-only, a button
for the evidence package. JSON: `/info`; the footage: `/clips/{id}/content` (Range requests
only); the package: `POST /package`. Refusals answer 404 (unknown link), 410 (expired or
revoked), 403 (view-only, or a download of loose footage): JSON, or a page for the page.
Requests are rate-limited per client address. Tokens never reach the logs (api/http/logs.py).
"""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Header, Path, Request
from fastapi.responses import HTMLResponse, Response, StreamingResponse

from api.http.deps import Run, Svc
from api.http.ranges import parse_range
from api.http.responses import responses
from api.http.routes.clips import CONTENT_RESPONSES, content_stream
from api.http.routes.exports import ZIP_RESPONSE, package_response
from api.http.share_models import ShareLinkOut, ShareToken
from api.http.ui.web import client_of, render
from archive.errors import classify
from archive.sharing import links as share_links

router = APIRouter(prefix="/share", tags=["share links"])
LINK_ERRORS = (403, 404, 410, 422, 429, 503)
Token = Annotated[ShareToken, Path(description="The link's token (its last path segment)")]


def limit_client(request: Request) -> None:
    """No token to count by: each client address gets the content requests' budget."""
    request.app.state.rate_limiter.take("content", f"share-link:{client_of(request)}")


Limited = [Depends(limit_client)]


@router.get("/{token}", response_class=HTMLResponse, include_in_schema=False, dependencies=Limited)
async def share_page(token: str, request: Request, run: Run) -> Response:
    """The recipient's page: the shared clips, a player for each, the package button."""
    try:
        doc = await run(share_links.describe, token, client_of(request))
    except Exception as exc:
        known = classify(exc)
        if known is None:
            raise
        page = render(
            request, "share.html", known.http_status, share=None, error=known.message, base=""
        )
    else:
        page = render(request, "share.html", share=doc, error=None, base=f"/share/{token}")
    page.headers["Referrer-Policy"] = "no-referrer"
    return page


@router.get(
    "/{token}/info",
    response_model=ShareLinkOut,
    responses=responses(*LINK_ERRORS),
    dependencies=Limited,
)
async def share_info(token: Token, request: Request, run: Run) -> Any:
    """What the link shares: the share and each clip's metadata, with where to stream it."""
    doc = await run(share_links.describe, token, client_of(request))
    return ShareLinkOut.of(doc, f"/share/{token}")


@router.get(
    "/{token}/clips/{clip_id}/content",
    response_class=StreamingResponse,
    responses={**CONTENT_RESPONSES, **responses(*LINK_ERRORS, 416, 500)},
    dependencies=Limited,
)
async def share_content(
    token: Token,
    clip_id: UUID,
    request: Request,
    run: Run,
    range_header: Annotated[str | None, Header(alias="range", max_length=1000)] = None,
) -> Response:
    """Stream a shared clip to a player (`Range` requests; one custody event per session).
    An original never changes, so If-Range needs no check."""
    ranges = parse_range(range_header)
    got = await run(share_links.view, token, client_of(request), str(clip_id), ranges)
    return content_stream(got)


@router.post(
    "/{token}/package",
    response_class=StreamingResponse,
    responses={**ZIP_RESPONSE, **responses(*LINK_ERRORS, 500)},
    dependencies=Limited,
)
async def share_package(token: Token, request: Request, run: Run, svc: Svc) -> Response:
    """The evidence package of what is shared (as `saksi export` writes it, checked by
    `saksi verify`); recorded as an export to the recipient. View-only shares refuse it."""
    export = await run(share_links.package, token, client_of(request))
    return package_response(svc, export)

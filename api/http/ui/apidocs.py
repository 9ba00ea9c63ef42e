"""The API's reference at /docs: Swagger UI served from Saksi's own files (vendored from npm,
see web/vendor.sh), under the same Content-Security-Policy as every page: no CDN, no inline
script, so it works on a police network without internet."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from api.http.ui.web import UiRoute, render

router = APIRouter(route_class=UiRoute, include_in_schema=False)


@router.get("/docs")
async def api_docs(request: Request) -> Response:
    return render(request, "apidocs.html")

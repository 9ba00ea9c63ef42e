"""/metrics for Prometheus (text exposition format); its own bearer token, see api/http/metrics."""

from __future__ import annotations

import time

from fastapi import APIRouter, Request
from fastapi.responses import Response

from api.http.deps import Run
from api.http.metrics import CONTENT_TYPE, authorized
from archive.errors import NotFound, Unauthenticated
from archive.ops import metrics

router = APIRouter(tags=["health"])
CACHE_S = 5.0  # archive-wide figures are shared by all replicas: no need to query every scrape


@router.get("/metrics", include_in_schema=False)
async def prometheus(request: Request, run: Run) -> Response:
    state = request.app.state
    if state.metrics_token is None:
        raise NotFound("metrics are off: set SAKSI_METRICS_TOKEN (docs/deployment.md)")
    if not authorized(request.headers.get("authorization"), state.metrics_token):
        raise Unauthenticated("/metrics needs Authorization: Bearer $SAKSI_METRICS_TOKEN")
    cached = getattr(state, "metrics_cache", None)
    if cached is None or time.monotonic() - cached[0] > CACHE_S:
        cached = (time.monotonic(), await run(metrics.collect))
        state.metrics_cache = cached
    return Response(state.counters.exposition(cached[1]), media_type=CONTENT_TYPE)

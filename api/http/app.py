"""The FastAPI application: `create_app(services)` wires routers, errors and middleware."""

from __future__ import annotations

from importlib.metadata import version
from typing import Any

from fastapi import Depends, FastAPI
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from api.http import errors
from api.http.deps import reject_unknown_query
from api.http.draining import RefuseWhenCut
from api.http.limits import HttpLimits, RateLimiter
from api.http.metrics import CountRequests, ProcessCounters, metrics_token
from api.http.middleware import Authenticate, BodyLimit, RequestContext
from api.http.responses import DESCRIPTIONS
from api.http.routes import (
    audit,
    audit_reports,
    camera_changes,
    cameras,
    cases,
    clips,
    exports,
    footage_requests,
    health,
    holds,
    log,
    metrics,
    recovery,
    redactions,
    retention,
    share_links,
    shares,
    upload_links,
    users,
)
from api.http.ui import install as install_ui
from archive.services import Services

DESCRIPTION = """Saksi's HTTP API. Everything under `/api/` needs `Authorization: Bearer TOKEN`.

Errors are JSON `{"error": "..."}`: 401 without a valid token, 403 when the role or case
membership forbids (recorded as AccessDenied), 404 unknown id, 410 purged content, 422
invalid input, 429 too many expensive requests or writes with one token (see Retry-After)."""


def create_app(services: Services, limits: HttpLimits | None = None) -> FastAPI:
    limits = limits or HttpLimits.from_env()
    app = FastAPI(
        title="Saksi",
        version=version("saksi"),
        description=DESCRIPTION,
        docs_url=None,  # served by the UI from vendored files (api/http/ui/apidocs.py)
        redoc_url=None,
        dependencies=[Depends(reject_unknown_query)],
    )
    app.state.services = services
    app.state.limits = limits
    app.state.rate_limiter = RateLimiter(limits.rates)
    app.state.counters = ProcessCounters(lambda: services.events.conflicts)
    app.state.metrics_token = metrics_token()
    for module in (health, metrics, clips, cases, exports, users, cameras, audit, retention, holds):
        app.include_router(module.router)
    app.include_router(camera_changes.router)
    for module in (shares, share_links, audit_reports):
        app.include_router(module.router)
    for module in (footage_requests, upload_links):  # requests to private camera owners
        app.include_router(module.router)
    app.include_router(redactions.router)
    app.include_router(log.router)  # the tiled log for auditors' mirrors (C2SP tlog-tiles)
    for module in (recovery,):  # safe deletion: restore
        app.include_router(module.router)
    _document_write_limits(app)
    install_ui(app)  # the web UI's pages under / (the JSON API stays under /api/)
    errors.install(app)
    # Added innermost first: RequestContext ends up outermost.
    app.add_middleware(Authenticate, services=services, limiter=app.state.rate_limiter)
    settings = services.settings
    app.add_middleware(
        BodyLimit,
        limits=limits,
        min_rate=float(settings.http_body_min_bytes_per_s),
        grace=settings.http_body_grace.total_seconds(),
    )
    app.add_middleware(RequestContext)
    app.add_middleware(CountRequests, counters=app.state.counters)
    app.add_middleware(RefuseWhenCut)
    if settings.trusted_proxies:  # their X-Forwarded-For names the client; nobody else's does
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=list(settings.trusted_proxies))
    return app


def _document_write_limits(app: FastAPI) -> None:
    """Every write under /api/ may be throttled (429) or have its body cut (408, 413) by the
    middleware, whatever the route itself answers: its OpenAPI entry says so."""
    made = app.openapi
    error = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}}

    def openapi() -> dict[str, Any]:
        schema = made()  # built once and kept by FastAPI: this runs its additions once
        for path, operations in schema["paths"].items():
            for method, operation in operations.items():
                if path.startswith("/api/") and method in ("post", "put", "patch", "delete"):
                    for code in (408, 413, 429):
                        answer = {"description": DESCRIPTIONS[code], "content": error}
                        operation["responses"].setdefault(str(code), answer)
        return schema

    app.openapi = openapi  # type: ignore[method-assign]

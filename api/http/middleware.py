"""ASGI middleware, outermost first: request context and access log, body limit, sign-in.

They run before FastAPI parses anything, so an unauthenticated or oversized request is turned
away before its body is read, and every response - errors included - has the same JSON shape.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from typing import Any

import anyio
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.http.errors import error_response
from api.http.limits import HttpLimits, RateLimiter
from api.http.logs import one_line, request_id
from archive.accounts import sign_in as auth
from archive.errors import InvalidInput, Throttled, TooLarge, Unauthenticated
from archive.services import Services

log = logging.getLogger("saksi.http")
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
UPLOAD_PATHS = frozenset({"/api/clips", "/api/cameras/import"})  # large POST bodies
SELF_LIMITED = ("/upload/",)  # upload links: each enforces (and records) its own size limit
CONTEXT_KEY = "saksi_context"
_READS = frozenset({"GET", "HEAD", "OPTIONS"})


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return str(value.decode("latin-1"))
    return None


async def _send_error(send: Send, exc: BaseException, rid: str | None = None) -> None:
    response = error_response(exc)
    if rid:
        response.headers["X-Request-ID"] = rid
    await response({"type": "http"}, _no_receive, send)


async def _no_receive() -> Message:
    return {"type": "http.disconnect"}


class RequestContext:
    """Request id (taken from X-Request-ID when sane), one JSON access-log line, and the last
    word on errors: nothing escapes as a traceback."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = _header(scope, b"x-request-id")
        rid = given if given and _REQUEST_ID.match(given) else uuid.uuid4().hex
        token = request_id.set(rid)
        started, state = time.perf_counter(), {"status": 0, "bytes": 0}

        async def tracked(message: Message) -> None:
            if message["type"] == "http.response.start":
                state["status"] = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-request-id", rid.encode())]
            elif message["type"] == "http.response.body":
                state["bytes"] += len(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, receive, tracked)
        except Exception as exc:
            if state["status"]:  # the body was under way: cut the connection short, say why
                state["aborted"] = 1
                cause = exc.__cause__ or exc  # Starlette wraps errors raised mid-response
                log.error("response aborted", exc_info=cause, extra={"path": scope["path"]})
            else:
                await _send_error(tracked, exc)
        finally:
            self._access(scope, state, started)
            request_id.reset(token)

    @staticmethod
    def _access(scope: Scope, state: dict[str, int], started: float) -> None:
        ctx = scope.get("state", {}).get(CONTEXT_KEY)
        client = scope.get("client")
        log.info(
            "%s %s %s",
            scope["method"],
            scope["path"],
            state["status"],
            extra={
                "method": scope["method"],
                "path": scope["path"],
                "status": state["status"],
                "bytes": state["bytes"],
                "ms": round((time.perf_counter() - started) * 1000, 1),
                "client": client[0] if client else None,
                "aborted": bool(state.get("aborted")),
                "user": ctx.actor if ctx is not None else None,
            },
        )


class BodyLimit:
    """Refuses bodies over their limit: by Content-Length up front, by counting otherwise."""

    def __init__(self, app: ASGIApp, limits: HttpLimits) -> None:
        self.app, self.limits = app, limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(SELF_LIMITED):
            await self.app(scope, receive, send)
            return
        upload = scope["method"] == "POST" and scope["path"] in UPLOAD_PATHS
        limit = self.limits.max_upload_bytes if upload else self.limits.max_json_bytes
        declared = _header(scope, b"content-length")
        if declared is not None:
            if not declared.isdigit():
                await _send_error(send, InvalidInput("invalid Content-Length"))
                return
            if int(declared) > limit:
                await _send_error(send, TooLarge(f"the request body is over {limit} bytes"))
                return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise TooLarge(f"the request body is over {limit} bytes")
            return message

        await self.app(scope, counted, send)


def _needs_token(path: str) -> bool:
    """Everything under /api/, and the tiled log under /log/ but its hash tiles (public)."""
    if path.startswith("/api/"):
        return True
    return path.startswith("/log/") and not (
        path.startswith("/log/tile/") and path[len("/log/tile/") : len("/log/tile/") + 1].isdigit()
    )


class Authenticate:
    """Turns `Authorization: Bearer TOKEN` into the caller's Context for everything under /api/
    and /log/ (but the public hash tiles).

    Authorization stays in the use cases; this only says who is asking, from where. Writes
    (every method but GET/HEAD/OPTIONS) take one request from the caller's "write" bucket:
    nobody, refused or not, writes faster than that (429 with Retry-After)."""

    def __init__(self, app: ASGIApp, services: Services, limiter: RateLimiter) -> None:
        self.app, self.services, self.limiter = app, services, limiter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not _needs_token(scope["path"]):
            await self.app(scope, receive, send)
            return
        header = _header(scope, b"authorization") or ""
        scheme, _, token = header.partition(" ")
        client = scope.get("client")
        target = f"http:{scope['method']} {scope['path'][:200]}"
        try:
            if header and scheme.lower() != "bearer":
                raise Unauthenticated("use Authorization: Bearer TOKEN")
            ctx = await anyio.to_thread.run_sync(
                auth.sign_in, self.services, token.strip(), client[0] if client else None, target
            )
            if scope["method"] not in _READS:
                self.limiter.take("write", ctx.actor)
        except Exception as exc:
            if not isinstance(exc, (Unauthenticated, Throttled)):
                log.warning("sign-in failed: %s", one_line(exc))
            await _send_error(send, exc)
            return
        state: dict[str, Any] = scope.setdefault("state", {})
        state[CONTEXT_KEY] = ctx
        await self.app(scope, receive, send)

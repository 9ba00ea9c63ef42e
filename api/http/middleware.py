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
from archive.errors import (
    InvalidInput,
    SaksiError,
    Throttled,
    TooLarge,
    TooSlow,
    Unauthenticated,
)
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


async def _send_error(
    send: Send, exc: BaseException, rid: str | None = None, *, close: bool = False
) -> None:
    """`close`: the request's body was cut short, so the connection cannot carry another."""
    response = error_response(exc)
    if rid:
        response.headers["X-Request-ID"] = rid
    if close:
        response.headers["Connection"] = "close"
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
            else:  # a body cut short (too large, too slow) leaves the connection unusable
                await _send_error(tracked, exc, close=isinstance(exc, (TooLarge, TooSlow)))
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
    """Refuses bodies over their limit (by Content-Length up front, by counting otherwise) and
    bodies that come in too slowly: once `grace` has passed, a body must have averaged
    `min_rate` bytes a second, or it is cut (408) - a trickling upload cannot hold a worker
    for ever (issue 18, finding 14). Whatever the app answers to a body cut that way (a
    framework may report a body it could not read as 400 or 422), the client gets the 413 or
    408 that says why."""

    def __init__(
        self, app: ASGIApp, limits: HttpLimits, min_rate: float = 8192.0, grace: float = 30.0
    ) -> None:
        self.app, self.limits = app, limits
        self.min_rate, self.grace = min_rate, grace

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        self_limited = scope["path"].startswith(SELF_LIMITED)
        path = scope["path"]
        upload = scope["method"] == "POST" and (
            path in UPLOAD_PATHS
            or path == "/cameras/import"
            or (path.startswith("/cases/") and path.endswith("/upload"))
        )  # the API's uploads, and the web UI's: into a case, a camera file
        limit = self.limits.max_upload_bytes if upload else self.limits.max_json_bytes
        declared = _header(scope, b"content-length")
        if declared is not None and not self_limited:
            if not declared.isdigit():
                await _send_error(send, InvalidInput("invalid Content-Length"))
                return
            if int(declared) > limit:
                await _send_error(send, TooLarge(f"the request body is over {limit} bytes"))
                return
        seen, started, whole = 0, time.monotonic(), False
        cut: list[SaksiError] = []

        async def counted() -> Message:
            nonlocal seen, whole
            if whole:  # the body is in: later receives wait for a disconnect, unbounded
                return await receive()
            wait = started + self.grace + seen / self.min_rate - time.monotonic()
            with anyio.move_on_after(max(wait, 0.0)) as late:
                message = await receive()
            if late.cancelled_caught:
                rate = self.min_rate / 1024
                cut.append(TooSlow(f"the request body came slower than {rate:.0f} KiB/s"))
                raise cut[-1]
            if message["type"] == "http.request":
                whole = not message.get("more_body", False)
                seen += len(message.get("body", b""))
                if seen > limit and not self_limited:
                    cut.append(TooLarge(f"the request body is over {limit} bytes"))
                    raise cut[-1]
            return message

        replaced = False

        async def answer(message: Message) -> None:
            nonlocal replaced
            if cut and message["type"] == "http.response.start" and not replaced:
                replaced = True
                await _send_error(send, cut[-1], close=True)
            elif not replaced:
                await send(message)

        await self.app(scope, counted, answer)


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

"""The end of a graceful shutdown: requests still running when SAKSI_SHUTDOWN_GRACE runs out
are cancelled by uvicorn, which would answer a bare-text 500. This middleware answers them
with the API's own 503 (`Retry-After`, `Connection: close`) instead: the request was refused,
not failed, and sending it again to another replica is safe (a cancelled upload records
nothing; api/cli/serve.py says why)."""

from __future__ import annotations

import asyncio
import logging

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.http.errors import error_response
from archive.errors import Unavailable

log = logging.getLogger("saksi.http")


class RefuseWhenCut:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracked(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracked)
        except asyncio.CancelledError:
            if started:  # half a response: closing the connection is all that is left
                raise
            log.warning("%s %s cut short by the shutdown", scope["method"], scope["path"])
            response = error_response(
                Unavailable("the server is shutting down; send the request again")
            )
            response.headers["Retry-After"] = "1"
            response.headers["Connection"] = "close"
            await response(scope, receive, send)

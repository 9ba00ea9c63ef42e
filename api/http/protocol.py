"""The HTTP/1.1 connection handling of `saksi serve`: uvicorn's h11 protocol with deadlines.

One client must not stall or lock out the server (issue 18, finding 14), so:
- h11, not httptools: h11 enforces the header size limit (`h11_max_incomplete_event_size`,
  16 KiB; more is answered 400 and the connection closed), where httptools ignores it and its
  cost grows with the square of a huge header;
- a header deadline: the request line and headers must arrive within `header_timeout` of the
  connection opening or of the last response; a socket that sends nothing, or trickles its
  headers, is closed then (uvicorn alone times out only idle keep-alive connections, so silent
  sockets held its connection limit for ever);
- a slow request body is the app's to cut (api/http/middleware.py, BodyDeadline).
"""

from __future__ import annotations

import asyncio
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol


def with_header_timeout(seconds: float) -> type[asyncio.Protocol]:
    """The protocol class uvicorn's Config takes as `http`, with this header deadline."""

    class Protocol(HeaderDeadline):
        header_timeout = seconds

    return Protocol


class HeaderDeadline(H11Protocol):
    header_timeout = 10.0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self.conn.their_state is not h11.IDLE:  # a whole request head has arrived
            self._disarm()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing() and self.conn.their_state is h11.IDLE:
            self._arm()  # the next request's head, on this kept-alive connection

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _arm(self) -> None:
        self._disarm()
        self._deadline = self.loop.call_later(self.header_timeout, self._expired)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _expired(self) -> None:
        self._deadline = None
        if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
            self.transport.close()

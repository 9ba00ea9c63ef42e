"""archive.errors mapped once to HTTP: a status and a JSON body `{"error": ...}` for everything.

FastAPI's validation errors become 422, unknown routes 404, wrong methods 405, all in the
same shape; anything unexpected is a 500 naming only the request id (details go to the log).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from starlette.exceptions import HTTPException

from api.http.logs import request_id
from archive.errors import SaksiError, classify

log = logging.getLogger("saksi.http")

_HTTP_MESSAGES = {404: "no such route", 405: "method not allowed for this route"}


def error_response(exc: BaseException) -> JSONResponse:
    """The response for an error raised anywhere in a request."""
    known = classify(exc)
    if known is None:
        log.error("internal error", exc_info=exc)
        return JSONResponse(
            {"error": f"internal error; quote request id {request_id.get() or '-'}"},
            status_code=500,
        )
    body: dict[str, Any] = {"error": known.message}
    headers: dict[str, str] = {}
    if "purge" in known.details:
        body["purge"] = known.details["purge"]
    if "pending_deletion" in known.details:
        body["pending_deletion"] = known.details["pending_deletion"]
    if "retry_after" in known.details:
        headers["Retry-After"] = str(known.details["retry_after"])
    if "size" in known.details and known.http_status == 416:
        headers["Content-Range"] = f"bytes */{known.details['size']}"
    if known.http_status == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="saksi"'
    if known.http_status >= 500:
        log.error("request failed: %s", known.message)
    return JSONResponse(body, status_code=known.http_status, headers=headers)


def describe(errors: Sequence[Any]) -> str:
    """Pydantic's errors as one readable line, without echoing the input (it may be secret)."""
    parts = []
    for e in errors[:5]:
        loc = ".".join(str(p) for p in e.get("loc", ()) if p not in ("body", "query", "path"))
        parts.append(f"{loc or 'request'}: {e.get('msg', 'invalid')}")
    more = f" (and {len(errors) - 5} more)" if len(errors) > 5 else ""
    return "invalid input: " + "; ".join(parts) + more


def install(app: FastAPI) -> None:
    async def saksi_error(_: Request, exc: Exception) -> JSONResponse:
        return error_response(exc)

    async def validation(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, (RequestValidationError, ValidationError))
        return JSONResponse({"error": describe(exc.errors())}, status_code=422)

    async def http_error(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, HTTPException)
        if exc.status_code == 400:  # FastAPI could not parse the body: invalid input to us
            return JSONResponse({"error": "the request body could not be parsed"}, 422)
        message = _HTTP_MESSAGES.get(exc.status_code) or str(exc.detail)
        return JSONResponse(
            {"error": message}, status_code=exc.status_code, headers=exc.headers or None
        )

    app.add_exception_handler(SaksiError, saksi_error)
    app.add_exception_handler(RequestValidationError, validation)
    app.add_exception_handler(ValidationError, validation)
    app.add_exception_handler(HTTPException, http_error)

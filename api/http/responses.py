"""The error responses each route documents (all with the body `{"error": ...}`)."""

from __future__ import annotations

from typing import Any

from api.http.models import ErrorOut

DESCRIPTIONS = {
    401: "No valid bearer token",
    403: "The role or case membership forbids it (recorded as AccessDenied)",
    404: "Unknown id",
    408: "The request body came slower than the server's minimum rate",
    409: "Already exists, a concurrent change was recorded first, or the clip's state forbids "
    "it (content pending deletion: the body carries the pending record)",
    410: "The clip was purged; the body carries the purge record",
    413: "The request body is over its limit",
    416: "The byte range lies outside the content",
    422: "Invalid input",
    429: "Too many requests of this kind (or writes) with this token; see Retry-After",
    500: "Stored content does not match its recorded hash (the stream is cut short)",
    503: "A required service is unavailable, or the archive did not answer in time",
}
READ = (401, 403, 404, 422, 503)
WRITE = (401, 403, 404, 409, 422, 503)


def responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    return {code: {"model": ErrorOut, "description": DESCRIPTIONS[code]} for code in codes}

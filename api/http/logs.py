"""Structured logs: one JSON object a line, carrying the request id of the request being served.

Nothing here logs headers, bodies or query strings, so bearer tokens never reach a log.
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import sys
from datetime import UTC, datetime
from typing import Any, TextIO

# A share link's token is in its path (/share/TOKEN): the credential never reaches a log line.
_SHARE_TOKEN = re.compile(r"shr_[A-Za-z0-9_-]+")
request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)

# LogRecord attributes that are not extra fields given by the caller.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
    "color_message",  # uvicorn's ANSI-coloured copy of the message
}


class JsonFormatter(logging.Formatter):
    def __init__(self, debug: bool = False) -> None:
        super().__init__()
        self.debug = debug  # `saksi --debug serve`: tracebacks too, for a developer's eyes

    def format(self, record: logging.LogRecord) -> str:
        doc: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        rid = request_id.get()
        if rid is not None:
            doc["request_id"] = rid
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                doc[key] = value
        if record.exc_info and record.exc_info[1] is not None:
            # The exception's type and first line only: tracebacks stay out of the logs.
            doc["error"] = one_line(record.exc_info[1])
            if self.debug:
                doc["traceback"] = self.formatException(record.exc_info)
        return _SHARE_TOKEN.sub("shr_[redacted]", json.dumps(doc, default=str))


def one_line(exc: BaseException) -> str:
    text = str(exc).strip()
    first = text.splitlines()[0][:300] if text else ""
    return f"{type(exc).__name__}: {first}" if first else type(exc).__name__


def configure(
    stream: TextIO | None = None, level: int = logging.INFO, debug: bool = False
) -> logging.Handler:
    """Send saksi's and uvicorn's logs to `stream` as JSON lines; returns the handler."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter(debug))
    for name in ("saksi", "uvicorn", "uvicorn.error"):
        logger = logging.getLogger(name)
        logger.handlers = [handler]
        logger.setLevel(level)
        logger.propagate = False
    logging.getLogger("uvicorn.access").disabled = True  # our access log replaces it
    return handler


# uvicorn's own dictConfig, kept minimal: `configure` installs the real handlers.
UVICORN_LOG_CONFIG: dict[str, Any] = {"version": 1, "disable_existing_loggers": False}

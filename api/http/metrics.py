"""/metrics in Prometheus' text exposition format: this process's counters (requests, uploads,
refusals, write conflicts) and the archive-wide figures of archive/ops/metrics.py.

Access: a scraper presents `Authorization: Bearer $SAKSI_METRICS_TOKEN` (or the token in the
file SAKSI_METRICS_TOKEN_FILE names). Without that variable /metrics answers 404: figures about
an evidence archive (clip counts, refusals) are not for everyone, and a scraper should not
hold a user's token (it would be a person's credential, and every scrape would sign in). A
scrape reads no evidence, so it is not a custody event.
"""

from __future__ import annotations

import hmac
import os
import threading
import time
from collections import Counter
from collections.abc import Mapping

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from archive.ops.metrics import Family
from archive.settings import secret

REFUSALS = {
    401: "unauthenticated",
    403: "forbidden",
    413: "too_large",
    422: "invalid",
    429: "throttled",
    503: "unavailable",
}
UPLOAD = ("POST", "/api/clips")


def metrics_token(env: Mapping[str, str] | None = None) -> str | None:
    return secret(os.environ if env is None else env, "SAKSI_METRICS_TOKEN")


def authorized(header: str | None, token: str) -> bool:
    scheme, _, given = (header or "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(given.strip(), token)


class ProcessCounters:
    """Counters of this server process (Prometheus sums them over replicas)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.requests: Counter[tuple[str, str, str]] = Counter()
        self.in_flight = 0
        self.uploads_in_flight = 0
        self.ingests: Counter[str] = Counter()
        self.ingest_bytes = 0
        self.started = time.time()

    def families(self, conflicts: int) -> list[Family]:
        with self.lock:
            requests = Family("saksi_http_requests_total", "counter", "HTTP requests answered.")
            refusals = Family(
                "saksi_refusals_total", "counter", "Requests refused, by status and reason."
            )
            refused: Counter[str] = Counter()
            for (method, route, status), n in sorted(self.requests.items()):
                requests.add(n, method=method, route=route, status=status)
                if status.isdigit() and int(status) in REFUSALS:
                    refused[status] += n
            for status, n in sorted(refused.items()):
                refusals.add(n, status=status, reason=REFUSALS[int(status)])
            ingests = Family("saksi_ingests_total", "counter", "Uploads by outcome.")
            for outcome in ("acknowledged", "refused"):
                ingests.add(self.ingests[outcome], outcome=outcome)
            return [
                requests,
                refusals,
                ingests,
                Family("saksi_ingest_bytes_total", "counter", "Bytes of acknowledged uploads.").add(
                    self.ingest_bytes
                ),
                Family("saksi_http_requests_in_flight", "gauge", "Requests under way.").add(
                    self.in_flight
                ),
                Family("saksi_http_uploads_in_flight", "gauge", "Uploads under way.").add(
                    self.uploads_in_flight
                ),
                Family(
                    "saksi_write_conflicts_total",
                    "counter",
                    "Optimistic-concurrency conflicts retried (another writer saved first).",
                ).add(conflicts),
                Family(
                    "saksi_process_start_time_seconds", "gauge", "When this process started."
                ).add(self.started),
            ]


class CountRequests:
    """ASGI middleware: counts every answer by method, route template and status."""

    def __init__(self, app: ASGIApp, counters: ProcessCounters) -> None:
        self.app, self.counters = app, counters

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        c = self.counters
        upload = (scope["method"], scope["path"]) == UPLOAD
        state = {"status": 0, "received": 0}

        async def counted_receive() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                state["received"] += len(message.get("body", b""))
            return message

        async def counted_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                state["status"] = message["status"]
            await send(message)

        with c.lock:
            c.in_flight += 1
            c.uploads_in_flight += upload
        try:
            await self.app(scope, counted_receive if upload else receive, counted_send)
        finally:
            route = getattr(scope.get("route"), "path", None) or "unmatched"
            status = str(state["status"] or "aborted")
            with c.lock:
                c.in_flight -= 1
                c.uploads_in_flight -= upload
                c.requests[(scope["method"], route, status)] += 1
                if upload and state["status"] == 201:
                    c.ingests["acknowledged"] += 1
                    c.ingest_bytes += state["received"]
                elif upload:
                    c.ingests["refused"] += 1


def render(families: list[Family]) -> str:
    """The text exposition format, version 0.0.4."""
    lines: list[str] = []
    for f in families:
        lines += [f"# HELP {f.name} {f.help}", f"# TYPE {f.name} {f.kind}"]
        for labels, value in f.samples:
            shown = ",".join(f'{k}="{_escape(v)}"' for k, v in labels.items())
            lines.append(
                f"{f.name}{{{shown}}} {_number(value)}" if shown else f"{f.name} {_number(value)}"
            )
    return "\n".join(lines) + "\n"


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _number(value: float) -> str:
    return str(int(value)) if value == int(value) and abs(value) < 1e15 else repr(value)

"""/metrics with `prometheus-client`: this process's request, ingest and refusal metrics,
Python's process metrics, and the archive-wide figures of archive/ops/metrics.py.

Access: a scraper presents `Authorization: Bearer $SAKSI_METRICS_TOKEN` (or the token in the
file SAKSI_METRICS_TOKEN_FILE names). Without that variable /metrics answers 404: figures about
an evidence archive (clip counts, refusals) are not for everyone, and a scraper should not
hold a user's token (it would be a person's credential, and every scrape would sign in). A
scrape reads no evidence, so it is not a custody event.

Each application has a registry of its own (tests run several in one process); requests are
labelled by their route template (`/api/clips/{clip_id}`), never the raw path, so the number
of series stays bounded whatever clients ask for.
"""

from __future__ import annotations

import hmac
import os
import time
from collections.abc import Callable, Iterator, Mapping

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.gc_collector import GCCollector
from prometheus_client.platform_collector import PlatformCollector
from prometheus_client.process_collector import ProcessCollector
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from archive.ops.metrics import Family
from archive.settings import secret

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
REFUSALS = {
    401: "unauthenticated",
    403: "forbidden",
    413: "too_large",
    422: "invalid",
    429: "throttled",
    503: "unavailable",
}
UPLOAD = ("POST", "/api/clips")
# Uploads take from a second to most of an hour (a 2 GiB recording over a slow link).
INGEST_BUCKETS = (0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900, 1800, 3600)


def metrics_token(env: Mapping[str, str] | None = None) -> str | None:
    return secret(os.environ if env is None else env, "SAKSI_METRICS_TOKEN")


def authorized(header: str | None, token: str) -> bool:
    """Compared as bytes: `compare_digest` refuses non-ASCII text with a TypeError (a 500)."""
    scheme, _, given = (header or "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(
        given.strip().encode("utf-8", "surrogateescape"), token.encode("utf-8", "surrogateescape")
    )


class ProcessCounters:
    """The metrics of this server process (Prometheus sums them over replicas)."""

    def __init__(self, conflicts: Callable[[], int] = lambda: 0) -> None:
        r = self.registry = CollectorRegistry(auto_describe=True)
        ProcessCollector(registry=r)
        PlatformCollector(registry=r)
        GCCollector(registry=r)
        self.requests = Counter(
            "saksi_http_requests",
            "HTTP requests answered, by route template.",
            ["method", "route", "status"],
            registry=r,
        )
        self.latency = Histogram(
            "saksi_http_request_duration_seconds",
            "Time from a request's arrival to the end of its answer, by route template.",
            ["method", "route"],
            registry=r,
        )
        self.refusals = Counter(
            "saksi_refusals", "Requests refused, by status and reason.", ["status", "reason"],
            registry=r,
        )  # fmt: skip
        self.ingests = Counter("saksi_ingests", "Uploads by outcome.", ["outcome"], registry=r)
        for outcome in ("acknowledged", "refused"):
            self.ingests.labels(outcome)
        self.ingest_bytes = Counter(
            "saksi_ingest_bytes", "Bytes of acknowledged uploads.", registry=r
        )
        self.ingest_duration = Histogram(
            "saksi_ingest_duration_seconds",
            "Time an upload took, received, hashed, stored and recorded, by outcome.",
            ["outcome"],
            buckets=INGEST_BUCKETS,
            registry=r,
        )
        self.in_flight = Gauge("saksi_http_requests_in_flight", "Requests under way.", registry=r)
        self.uploads_in_flight = Gauge(
            "saksi_http_uploads_in_flight", "Uploads under way.", registry=r
        )
        r.register(_Conflicts(conflicts))

    def answered(self, method: str, route: str, status: int, seconds: float) -> None:
        shown = str(status or "aborted")
        self.requests.labels(method, route, shown).inc()
        self.latency.labels(method, route).observe(seconds)
        if status in REFUSALS:
            self.refusals.labels(str(status), REFUSALS[status]).inc()

    def uploaded(self, status: int, received: int, seconds: float) -> None:
        outcome = "acknowledged" if status == 201 else "refused"
        self.ingests.labels(outcome).inc()
        self.ingest_duration.labels(outcome).observe(seconds)
        if outcome == "acknowledged":
            self.ingest_bytes.inc(received)

    def exposition(self, archive: list[Family]) -> bytes:
        """This process's metrics, then the archive-wide ones (one text document)."""
        return generate_latest(self.registry) + generate_latest(_ArchiveFigures(archive))


class _Conflicts:
    """saksi_write_conflicts_total, read from the event store's own count at each scrape."""

    def __init__(self, count: Callable[[], int]) -> None:
        self.count = count

    def collect(self) -> Iterator[Metric]:
        family = CounterMetricFamily(
            "saksi_write_conflicts",
            "Optimistic-concurrency conflicts retried (another writer saved first).",
        )
        family.add_metric([], self.count())
        yield family


class _ArchiveFigures:
    """Gauges of the archive as a whole (archive/ops/metrics.py), already read."""

    def __init__(self, families: list[Family]) -> None:
        self.families = families

    def collect(self) -> Iterator[Metric]:
        for f in self.families:
            labels = sorted({k for sample_labels, _ in f.samples for k in sample_labels})
            family = GaugeMetricFamily(f.name, f.help, labels=labels)
            for sample_labels, value in f.samples:
                family.add_metric([sample_labels.get(k, "") for k in labels], value)
            yield family


class CountRequests:
    """ASGI middleware: times and counts every answer by method, route template and status."""

    def __init__(self, app: ASGIApp, counters: ProcessCounters) -> None:
        self.app, self.counters = app, counters

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        c = self.counters
        upload = (scope["method"], scope["path"]) == UPLOAD
        state = {"status": 0, "received": 0}
        started = time.perf_counter()

        async def counted_receive() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                state["received"] += len(message.get("body", b""))
            return message

        async def counted_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                state["status"] = message["status"]
            await send(message)

        c.in_flight.inc()
        if upload:
            c.uploads_in_flight.inc()
        try:
            await self.app(scope, counted_receive if upload else receive, counted_send)
        finally:
            seconds = time.perf_counter() - started
            route = getattr(scope.get("route"), "path", None) or "unmatched"
            c.in_flight.dec()
            c.answered(scope["method"], route, state["status"], seconds)
            if upload:
                c.uploads_in_flight.dec()
                c.uploaded(state["status"], state["received"], seconds)

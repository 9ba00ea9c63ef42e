"""The custody feed: every recorded event, in log order, to the SIEM (syslog and/or webhook).

At least once: each sink has a stored position (storage/feed_rows.py), the notification id
of the last event it acknowledged; a run reads the events after it in batches, delivers each
batch and moves the position only once the receiver acknowledged it. A restart or an outage
of the receiver resends from there: nothing is skipped, and a resent event carries the same
`event.id` (its chain hash). One shipper leads across processes (a leader lock), so batches
never interleave; the sinks advance independently, so one receiver's outage does not hold
back the other. Runs as the scheduled job `custody-feed` (not recorded as a JobRun: a run
every few seconds would fill the log it ships).
"""

from __future__ import annotations

import logging
from typing import Any

from archive.errors import InvalidInput
from archive.ops import feed_ecs
from archive.ops.feed_sinks import Record, Sink, SinkUnavailable, SyslogSink, WebhookSink
from archive.services import Services
from archive.settings import Settings
from domain.base import Context
from storage import feed_rows
from storage.eventstore.locks import leader

JOB = "custody-feed"
log = logging.getLogger("saksi.feed")


def sinks(settings: Settings) -> dict[str, Sink]:
    """The configured sinks by name; a malformed URL is refused at start, naming its variable."""
    timeout = settings.feed_timeout.total_seconds()
    out: dict[str, Sink] = {}
    try:
        if settings.feed_syslog:
            out["syslog"] = SyslogSink(settings.feed_syslog, timeout, settings.feed_ca)
    except ValueError as e:
        raise InvalidInput(f"SAKSI_FEED_SYSLOG: {e}") from None
    try:
        if settings.feed_webhook:
            out["webhook"] = WebhookSink(
                settings.feed_webhook, timeout, settings.feed_ca, settings.feed_webhook_token
            )
    except ValueError as e:
        raise InvalidInput(f"SAKSI_FEED_WEBHOOK: {e}") from None
    return out


def ship(svc: Services, ctx: Context) -> dict[str, Any]:
    """Deliver everything recorded since each sink's position; {sink: {delivered, position,
    error?}}. A receiver that is down is reported and retried at the next run."""
    svc.guard.require(ctx, "feed.ship", target=f"job:{JOB}")
    configured = sinks(svc.settings)
    if not configured:
        return {"configured": False}
    with leader(svc.store.url, JOB) as leading:
        if not leading:
            return {"leader": False}
        return {name: _drain(svc, name, sink) for name, sink in configured.items()}


def _drain(svc: Services, name: str, sink: Sink) -> dict[str, Any]:
    delivered = 0
    position = feed_rows.position(svc.db, name)
    while True:
        batch = feed_rows.events_after(svc.db, svc.store.mapper, position, svc.settings.feed_batch)
        if not batch:
            return {"delivered": delivered, "position": position}
        records = []
        for e in batch:
            doc = feed_ecs.document(e, svc.settings.origin)
            records.append(Record(doc, feed_ecs.dumps(doc)))
        try:
            sink.deliver(records)
        except SinkUnavailable as e:
            log.warning("%s: %s; %d events wait after position %d", JOB, e, len(batch), position)
            return {"delivered": delivered, "position": position, "error": str(e)}
        position = batch[-1].position
        feed_rows.advance(svc.db, name, position)
        delivered += len(batch)

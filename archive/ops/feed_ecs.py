"""One recorded event as one JSON document with Elastic Common Schema field names.

Follows ecs-logging's conventions: nested objects (not dotted keys), `@timestamp` in UTC with
milliseconds, `message` and `ecs.version` present; fields ECS has no name for go under
`saksi.*`. The document carries the event's chain hash as `event.id` (the same id on every
resend, so a SIEM can drop duplicates) and its log position as `event.sequence`.
Credential hashes (a user's token hash) never leave the archive, not even hashed.
"""

from __future__ import annotations

import ipaddress
import json
from datetime import UTC, datetime
from typing import Any

from storage.feed_rows import FeedEvent

ECS_VERSION = "8.11.0"
COMMON = {"originator_id", "originator_version", "timestamp", "actor", "channel", "client"}
# ECS categories where one clearly applies; other events carry none.
CATEGORIES = {"User": ["iam"], "Clip": ["file"], "Share": ["file"], "JobRun": ["process"]}
SIGN_INS = {"SignedIn", "SignedOut", "IdentityLinked"}


def document(e: FeedEvent, origin: str) -> dict[str, Any]:
    event = e.event
    aggregate, _, action = e.topic.rpartition(":")[2].rpartition(".")
    actor = str(getattr(event, "actor", "") or "")
    refused = action.endswith("Denied") or action.endswith("Refused")
    details = {
        k: v
        for k, v in vars(event).items()
        if k not in COMMON and k != "reason" and "token" not in k
    }
    signing_in = action in SIGN_INS or getattr(event, "action", None) == "auth"
    category = ["authentication"] if signing_in else CATEGORIES.get(aggregate)
    ecs_event: dict[str, Any] = {
        "id": e.hash or f"{e.originator_id}:{e.version}",
        "kind": "event",
        "action": action,
        "outcome": "failure" if refused else "success",
        "sequence": e.position,
        "dataset": "saksi.custody",
        "module": "saksi",
        "created": _timestamp(event.timestamp),
    }
    if category:
        ecs_event["category"] = category
    if getattr(event, "reason", None):
        ecs_event["reason"] = str(event.reason)
    doc: dict[str, Any] = {
        "@timestamp": _timestamp(event.timestamp),
        "message": f"{aggregate}.{action} by {actor or 'unknown'}",
        "ecs": {"version": ECS_VERSION},
        "event": ecs_event,
        "service": {"name": "saksi", "type": "evidence-archive"},
        "labels": {"origin": origin, "channel": str(getattr(event, "channel", "") or "")},
        "saksi": {
            "stream": str(e.originator_id),
            "version": e.version,
            "aggregate": aggregate,
            "topic": e.topic,
            "details": details,
        },
    }
    if actor:
        doc["user"] = {"name": actor}
    client = getattr(event, "client", None)
    if client:
        doc["source"] = {"address": client, **({"ip": client} if _is_ip(client) else {})}
    return doc


def dumps(doc: dict[str, Any]) -> str:
    """Compact, ASCII-only JSON (non-ASCII text escaped): one line whatever the event holds."""
    return json.dumps(doc, separators=(",", ":"), default=str)


def _timestamp(t: datetime) -> str:
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True

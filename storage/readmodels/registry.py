"""How read-model handlers register, and the helpers they share.

Handlers live in storage/readmodels/handlers/, one module per subject; importing that package
registers them all with `on`. The projector applies them in notification order.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from storage.db import Tx

Handler = Callable[[Tx, int, Any], None]
HANDLERS: dict[type, Handler] = {}


def on(*event_types: type) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        for t in event_types:
            HANDLERS[t] = fn
        return fn

    return register


def stored_time(t: datetime | None) -> str | None:
    """Times in read models: UTC ISO 8601 with a fixed width, so text order is time order."""
    if t is None:
        return None
    return t.astimezone(UTC).isoformat(timespec="microseconds")


def name_of(tx: Tx, originator_id: UUID) -> str:
    """The name (user, case id, retention class) behind a named aggregate id."""
    row = tx.one("SELECT name FROM rm_names WHERE oid=?", (str(originator_id),))
    if row is None:  # the created event registers the name first: this is a broken log
        raise LookupError(f"no name recorded for stream {originator_id}")
    return str(row["name"])

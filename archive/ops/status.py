"""Liveness and readiness: can this process reach its event store and its object store?"""

from __future__ import annotations

import logging

from archive.errors import classify
from archive.services import Services

log = logging.getLogger("saksi.status")


def readiness(svc: Services) -> dict[str, bool]:
    """One flag per dependency; the reasons go to the log, not to the (unauthenticated) caller."""
    checks = {"event_store": True, "object_store": True}
    try:
        svc.db.ping()
    except Exception as e:
        checks["event_store"] = False
        log.error("event store not ready: %s", _why(e))
    try:
        svc.objects.check()
    except Exception as e:
        checks["object_store"] = False
        log.error("object store not ready: %s", _why(e))
    return checks


def _why(e: Exception) -> str:
    known = classify(e)
    return known.message if known is not None else type(e).__name__

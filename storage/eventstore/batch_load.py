"""Many aggregates in one query: the library's repository reads one stream per query, which
dominates a sweep over thousands of clips."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.application import project_aggregate
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import Mapper, StoredEvent

from storage.db import Database

A = TypeVar("A", bound=Aggregate)


def decode(mapper: Mapper[UUID], row: dict[str, Any]) -> Any:
    """The domain event of a stored-events row (originator_id, originator_version, topic,
    state), whichever way the database returned the id."""
    oid = row["originator_id"]
    oid = oid if isinstance(oid, UUID) else UUID(str(oid))
    stored = StoredEvent(oid, int(row["originator_version"]), row["topic"], bytes(row["state"]))
    return mapper.to_domain_event(stored)


def find_many(db: Database, mapper: Mapper[UUID], cls: type[A], ids: Sequence[UUID]) -> list[A]:
    """The aggregates of these ids that exist and are of `cls`, in the order given."""
    if not ids:
        return []
    marks = ",".join("?" * len(ids))
    with db.tx(write=False) as tx:
        rows = tx.all(
            f"SELECT originator_id, originator_version, topic, state FROM {db.events_table} "
            f"WHERE originator_id IN ({marks}) ORDER BY originator_id, originator_version",
            [db.oid(i) for i in ids],
        )
    streams: dict[UUID, list[Any]] = {}
    for r in rows:
        oid = (
            r["originator_id"] if isinstance(r["originator_id"], UUID) else UUID(r["originator_id"])
        )
        stored = StoredEvent(oid, r["originator_version"], r["topic"], bytes(r["state"]))
        streams.setdefault(oid, []).append(mapper.to_domain_event(stored))
    found: list[A] = []
    for i in ids:
        aggregate = project_aggregate(None, streams.get(i, []))
        if isinstance(aggregate, cls):
            found.append(aggregate)
    return found

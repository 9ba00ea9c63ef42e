"""Saving many changed aggregates: one transaction when nobody interferes, one by one when
a concurrent writer (a hold, an attachment, a view) changed one of them first."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TypeVar
from uuid import UUID

from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError

from archive.services import Services
from storage.eventstore.batch_load import find_many

A = TypeVar("A", bound=Aggregate)


def chunks(items: Sequence[str], size: int) -> Iterator[Sequence[str]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def load(svc: Services, cls: type[A], ids: Iterable[str]) -> list[A]:
    """The aggregates of these ids, read in one query."""
    return find_many(svc.db, svc.store.mapper, cls, [UUID(i) for i in ids])


def save_batch(svc: Services, changed: Sequence[A], redo: Callable[[A], bool]) -> list[A]:
    """Save the aggregates that have pending events together. If the transaction is refused
    (the events of a changed aggregate were popped but not stored), `redo` reapplies the
    change to a fresh copy of each one, when it still applies (returns False otherwise).
    Returns the aggregates whose change was stored."""
    todo = [a for a in changed if a.pending_events]
    if not todo:
        return []
    try:
        svc.events.save(*todo)
        return todo
    except IntegrityError:
        pass
    saved: list[A] = []
    for stale in todo:
        fresh = _redo_one(svc, type(stale), stale.id, redo)
        if fresh is not None:
            saved.append(fresh)
    return saved


def _redo_one(
    svc: Services, cls: type[A], aggregate_id: UUID, redo: Callable[[A], bool]
) -> A | None:
    def once() -> tuple[list[A], A | None]:
        fresh = svc.events.find(cls, aggregate_id)
        if fresh is None or not redo(fresh):
            return [], None  # gone, or the change no longer applies: nothing to save
        return [fresh], fresh

    return svc.events.save_retrying(once)

"""The event store: an eventsourcing Application on SQLite or PostgreSQL with chained recorders."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any, ClassVar, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import Aggregate, MutableOrImmutableAggregate
from eventsourcing.persistence import IntegrityError, Mapper

from domain.case import Case
from domain.clip import Clip
from storage.connection import EventStoreUrl

A = TypeVar("A", bound=Aggregate)
R = TypeVar("R")
S = TypeVar("S")


class EventStore(Application[UUID]):
    """Saksi's events: aggregates are loaded with `repository.get` and stored with `save`.

    Streams that grow with the archive's use get the library's snapshots every 100 events
    (table saksi_snapshots): a case holding thousands of clips, or a clip viewed thousands of
    times, then loads from its last snapshot plus at most 99 events instead of its whole
    stream (docs/performance.md, "Long streams"). Snapshots are a cache outside the ledger:
    `audit verify` never reads them, and deleting them only makes loading slower. When one
    of these classes changes what its state holds, give it a `class_version` and upcasters
    (eventsourcing's snapshot versioning), or delete its snapshots.
    """

    name = "saksi"
    snapshotting_intervals: ClassVar[dict[type[MutableOrImmutableAggregate[Any]], int]] = {
        Case: 100,
        Clip: 100,
    }

    def __init__(self, url: EventStoreUrl) -> None:
        self.url = url
        super().__init__(env=url.library_env())


class Events:
    """Loading and saving aggregates; every save brings the read models up to date."""

    def __init__(self, app: EventStore, after_save: Callable[[], object]) -> None:
        self.app = app
        self._after_save = after_save
        self.conflicts = 0  # optimistic-concurrency conflicts retried by this process
        self._lock = threading.Lock()

    def note_conflict(self) -> None:
        with self._lock:
            self.conflicts += 1

    def find(self, cls: type[A], aggregate_id: UUID) -> A | None:
        try:
            aggregate: object = self.app.repository.get(aggregate_id)
        except AggregateNotFoundError:
            return None
        return aggregate if isinstance(aggregate, cls) else None

    def save(self, *aggregates: Aggregate) -> None:
        self.app.save(*aggregates)
        self._after_save()

    def save_retrying(self, change: Callable[[], tuple[Sequence[Aggregate], R]]) -> R:
        """Run `change` (load, change, and give what to save and what to return), save in one
        transaction, and return its result; if another writer won, run it again."""
        for last in attempts():
            aggregates, result = change()
            if not aggregates:  # nothing to record (the change no longer applies)
                return result
            try:
                self.save(*aggregates)
                return result
            except IntegrityError:
                self.note_conflict()
                if last:
                    raise
        raise AssertionError("unreachable")

    def save_reloading(
        self,
        loaded: S,
        reload: Callable[[], S],
        change: Callable[[S], tuple[Sequence[Aggregate], R]],
    ) -> R:
        """`save_retrying` for aggregates the caller has already loaded: the first attempt
        changes them as they are (no replay); after a lost race, `reload` gives fresh ones (a
        failed save took the pending events of the ones before)."""
        first: list[S] = [loaded]

        def once() -> tuple[Sequence[Aggregate], R]:
            return change(first.pop() if first else reload())

        return self.save_retrying(once)

    def change(self, aggregate: A, change: Callable[[A], None]) -> A:
        """Change one aggregate the caller has just loaded and save it; if another writer won,
        reload it and change it again. One replay when nobody interferes."""

        def reload() -> A:
            fresh = self.find(type(aggregate), aggregate.id)
            if fresh is None:
                raise LookupError(f"no {type(aggregate).__name__} {aggregate.id}")
            return fresh

        def apply(target: A) -> tuple[list[A], A]:
            change(target)
            return [target], target

        return self.save_reloading(aggregate, reload, apply)

    def update(self, cls: type[A], aggregate_id: UUID, change: Callable[[A], object]) -> A:
        """Load, change and save one aggregate; retry if another writer won."""

        def once() -> tuple[list[A], A]:
            aggregate = self.find(cls, aggregate_id)
            if aggregate is None:
                raise LookupError(f"no {cls.__name__} {aggregate_id}")
            change(aggregate)
            return [aggregate], aggregate

        return self.save_retrying(once)


PATIENCE_S = 15.0  # how long a write keeps retrying a hot stream (a busy case) before 409
MIN_ATTEMPTS = 8


def attempts() -> Iterator[bool]:
    """One item per attempt at a write that can lose a race, True on the last; the backoff
    between attempts happens here. Bounded by time as well as count: on a stream every writer
    wants (a case taking in clips from many ingests), a fixed few attempts ran out under load."""
    deadline = time.monotonic() + PATIENCE_S  # read per call: tests shorten it
    attempt = 0
    while True:
        last = attempt + 1 >= MIN_ATTEMPTS and time.monotonic() >= deadline
        yield last
        if last:
            return
        _backoff(attempt)
        attempt += 1


def _backoff(attempt: int) -> None:
    """Before retrying a conflict: growing and jittered, so that writers racing for one stream
    (every reader of a clip recording its view) spread out instead of colliding again."""
    time.sleep(random.uniform(0.001, 0.005 * 2 ** min(attempt, 6)))


def offline_mapper() -> Mapper[UUID]:
    """The event store's mapper without a database: decodes stored events found elsewhere (a
    mirror's), exactly as the archive's own recorder would."""
    return Application[UUID](env={"PERSISTENCE_MODULE": "eventsourcing.popo"}).mapper

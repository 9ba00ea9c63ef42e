"""What every use case works with: the event store, read models, object store and guard."""

from __future__ import annotations

from dataclasses import dataclass, field

from archive.guard import Guard
from archive.settings import Settings
from archive.throttle import Throttles
from storage.db import Database
from storage.eventstore.store import Events, EventStore
from storage.objects.port import ObjectStore
from storage.readmodels.projector import Projector


@dataclass
class Services:
    settings: Settings
    store: EventStore
    db: Database
    projector: Projector
    events: Events
    objects: ObjectStore
    guard: Guard
    throttles: Throttles = field(default_factory=Throttles)  # per process: refusal records

    def close(self) -> None:
        self.store.close()
        self.db.close()

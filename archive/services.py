"""What every use case works with, built once by the composition root (archive/bootstrap.py):
the event store, read models, object store, the guard, the ledger's stores and the signing key.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from archive.guard import Guard
from archive.session_key import SessionKey
from archive.settings import Settings
from archive.signing_key import SigningKey
from archive.throttle import Throttles
from storage.db import Database
from storage.eventstore.store import Events, EventStore
from storage.ledger_tables.merkle_store import MerkleStore
from storage.ledger_tables.sealer import Sealer
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
    merkle: MerkleStore
    sealer: Sealer
    signing: SigningKey
    session_key: SessionKey  # binds web UI sessions (a secret file, not the database)
    throttles: Throttles = field(default_factory=Throttles)  # per process: refusal records

    def close(self) -> None:
        self.store.close()
        self.db.close()

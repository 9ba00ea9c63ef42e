"""The composition root: wires event store, read models, object store and guard from Settings."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from archive.access import Guard
from archive.errors import InvalidInput
from archive.settings import Settings
from storage.db import Database, open_database
from storage.errors import StoreUnavailable
from storage.eventstore import Events, EventStore, EventStoreUrl, prepare_postgres
from storage.filestore import FileObjectStore
from storage.merkle_store import MerkleStore
from storage.objects import ObjectStore
from storage.projector import Projector


@dataclass
class Services:
    settings: Settings
    store: EventStore
    db: Database
    projector: Projector
    events: Events
    objects: ObjectStore
    guard: Guard
    extras: dict[str, Any] = field(default_factory=dict)

    def close(self) -> None:
        self.store.close()
        self.db.close()


def open_object_store(url: str) -> ObjectStore:
    if url.startswith("file://"):
        return FileObjectStore(Path(url[len("file://") :]))
    if url.startswith("s3://"):
        try:
            from storage.s3store import S3ObjectStore
        except ImportError:
            raise InvalidInput("S3 object storage is not available in this build") from None
        return S3ObjectStore.from_url(url)
    raise InvalidInput(
        f"unsupported object store {url.split('://')[0]!r}: use file:///PATH or s3://..."
    )


def bootstrap(settings: Settings, *, create_database: bool = False) -> Services:
    try:
        url = EventStoreUrl.parse(settings.event_store)
    except ValueError as e:
        raise InvalidInput(f"SAKSI_EVENT_STORE: {e}") from None
    if url.dialect == "sqlite":
        assert url.path is not None
        url.path.parent.mkdir(parents=True, exist_ok=True)
    else:
        prepare_postgres(url, create_database=create_database)
    try:
        store = EventStore(url)
    except Exception as e:  # the library wraps connection failures in several ways
        raise StoreUnavailable(f"event store is unavailable: {_first_line(e)}") from None
    db = open_database(url)
    db.events_table = store.recorder.events_table_name  # type: ignore[attr-defined]
    MerkleStore(db).create()
    projector = Projector(db, store.mapper)
    projector.create()
    projector.catch_up()
    events = Events(store, projector.catch_up)
    objects = open_object_store(settings.object_store)
    return Services(settings, store, db, projector, events, objects, Guard(events))


def _first_line(e: BaseException) -> str:
    text = str(e).strip()
    return text.splitlines()[0] if text else type(e).__name__

"""The composition root: wires event store, read models, object store and guard from Settings,
and lists the scheduled jobs. Interfaces (api/) start here; tests call it with other Settings."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from apscheduler.schedulers.background import BackgroundScheduler

from archive.audit import fixity
from archive.errors import InvalidInput
from archive.guard import Guard
from archive.jobs import scheduler
from archive.jobs.registry import Job
from archive.sealing import seal
from archive.sealing.witness_client import read_witnesses
from archive.services import Services
from archive.settings import Settings
from archive.signing_key import SigningKey
from archive.throttle import Throttles
from retention import recovery, sweep
from storage import sessions as ui_sessions
from storage.connection import EventStoreUrl, prepare_postgres
from storage.db import open_database
from storage.errors import StoreUnavailable
from storage.eventstore.store import Events, EventStore
from storage.ledger_tables.merkle_store import MerkleStore
from storage.ledger_tables.sealer import Sealer
from storage.objects.files import FileObjectStore
from storage.objects.port import ObjectStore
from storage.readmodels.projector import Projector


def open_object_store(url: str, ca_file: Path | None = None) -> ObjectStore:
    if url.startswith("file://"):
        return FileObjectStore(Path(url[len("file://") :]))
    if url.startswith("s3://"):
        try:
            from storage.objects.s3 import S3ObjectStore
        except ImportError:
            raise InvalidInput("S3 object storage is not available in this build") from None
        return S3ObjectStore.from_url(url, ca_file)
    raise InvalidInput(
        f"unsupported object store {url.split('://')[0]!r}: use file:///PATH or s3://..."
    )


def bootstrap(settings: Settings, *, create_database: bool = False) -> Services:
    read_witnesses(settings.witnesses)  # a bad SAKSI_WITNESSES file fails here, not at a seal
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
    merkle = MerkleStore(db)
    merkle.create()
    ui_sessions.create(db)
    projector = Projector(db, store.mapper)
    projector.create()
    projector.catch_up()
    events = Events(store, projector.catch_up)
    objects = open_object_store(settings.object_store, settings.s3_ca_file)
    throttles = Throttles()
    return Services(
        settings,
        store,
        db,
        projector,
        events,
        objects,
        Guard(events, throttles.refusals),
        merkle,
        Sealer(db, merkle),
        SigningKey(settings.signing_key, settings.origin),
        throttles,
    )


def _first_line(e: BaseException) -> str:
    text = str(e).strip()
    return text.splitlines()[0] if text else type(e).__name__


def scheduled_jobs() -> list[Job]:
    """Every scheduled job, once; each one's interval is Settings.job_intervals[name]."""
    return [
        Job(sweep.JOB, sweep.run_sweep, sweep.summary),
        Job(recovery.NOTICE_JOB, recovery.notice, recovery.notice_summary),
        Job("checkpoint", seal.seal_checkpoint),
        Job("fixity-audit", fixity.check),
    ]


def start_scheduler(settings: Settings, jobs: Sequence[Job] | None = None) -> BackgroundScheduler:
    """The scheduled jobs in background threads of this process (`saksi serve`)."""
    return scheduler.start_scheduler(
        settings, scheduled_jobs() if jobs is None else jobs, bootstrap
    )


def run_scheduler(settings: Settings) -> None:
    """`saksi scheduler`: the scheduled jobs alone, until SIGTERM or SIGINT."""
    scheduler.run_scheduler(settings, scheduled_jobs(), bootstrap)

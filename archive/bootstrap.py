"""The composition root: wires event store, read models, object store and guard from Settings,
and lists the scheduled jobs. Interfaces (api/) start here; tests call it with other Settings."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from archive.accounts import oidc_client
from archive.audit import fixity, ledger_check
from archive.errors import InvalidInput
from archive.guard import Guard
from archive.jobs.registry import Job
from archive.ops import feed
from archive.sealing import seal
from archive.sealing.witness_client import read_witnesses
from archive.services import Services
from archive.session_key import SessionKey
from archive.settings import Settings
from archive.signing_key import SigningKey
from archive.throttle import Throttles
from retention import recovery, sweep
from storage import feed_rows, oidc_rows
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

if TYPE_CHECKING:
    from apscheduler.schedulers.background import BackgroundScheduler


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
    feed.sinks(settings)  # so does a bad SAKSI_FEED_SYSLOG or SAKSI_FEED_WEBHOOK
    oidc_client.Config.of(settings)  # and half a single sign-on configuration
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
    feed_rows.create(db)
    oidc_rows.create(db)
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
        SessionKey(settings.session_key_file),
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
        Job(feed.JOB, feed.ship, recorded=False),
        Job(ledger_check.JOB, ledger_check.run_check, ledger_check.summary),
    ]


def jobs_to_run(settings: Settings) -> list[Job]:
    """The scheduled jobs this configuration needs: the custody feed only with a sink."""
    return [j for j in scheduled_jobs() if j.name != feed.JOB or feed.sinks(settings)]


def start_scheduler(settings: Settings, jobs: Sequence[Job] | None = None) -> BackgroundScheduler:
    """The scheduled jobs in background threads of this process (`saksi serve`)."""
    from archive.jobs import scheduler  # APScheduler is loaded by the processes that run jobs

    return scheduler.start_scheduler(
        settings, jobs_to_run(settings) if jobs is None else jobs, bootstrap
    )


def run_scheduler(settings: Settings) -> None:
    """`saksi scheduler`: the scheduled jobs alone, until SIGTERM or SIGINT."""
    from archive.jobs import scheduler

    scheduler.run_scheduler(settings, jobs_to_run(settings), bootstrap)

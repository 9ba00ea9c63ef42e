"""The event store: an eventsourcing Application on SQLite or PostgreSQL with chained recorders."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar
from urllib.parse import parse_qs, unquote, urlparse
from uuid import UUID

import psycopg
from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError

from storage.errors import StoreUnavailable


@dataclass(frozen=True)
class EventStoreUrl:
    """A parsed SAKSI_EVENT_STORE value."""

    dialect: str  # "sqlite" | "postgres"
    path: Path | None = None
    host: str = "127.0.0.1"
    port: int = 5432
    user: str = "postgres"
    password: str = ""
    dbname: str = "saksi"
    schema: str = "public"

    @classmethod
    def parse(cls, url: str) -> EventStoreUrl:
        if url.startswith("sqlite:///"):
            path = url[len("sqlite:///") :]
            if not path:
                raise ValueError("sqlite URL needs a path: sqlite:///PATH")
            return cls(dialect="sqlite", path=Path(path))
        if url.startswith(("postgresql://", "postgres://")):
            u = urlparse(url)
            schema = parse_qs(u.query).get("schema", ["public"])[0]
            if not schema.replace("_", "").isalnum():
                raise ValueError(f"invalid schema name {schema!r}")
            return cls(
                dialect="postgres",
                host=u.hostname or "127.0.0.1",
                port=u.port or 5432,
                user=unquote(u.username or "postgres"),
                password=unquote(u.password or ""),
                dbname=(u.path or "/saksi").lstrip("/") or "saksi",
                schema=schema,
            )
        raise ValueError(
            f"unsupported event store {url.split('://')[0]!r}: "
            "use sqlite:///PATH or postgresql://USER@HOST:PORT/DB"
        )

    def conninfo(self) -> str:
        return psycopg.conninfo.make_conninfo(
            host=self.host,
            port=self.port,
            user=self.user,
            password=self.password,
            dbname=self.dbname,
        )

    def library_env(self) -> dict[str, str]:
        """The eventsourcing library's settings for this store."""
        if self.dialect == "sqlite":
            assert self.path is not None
            return {
                "PERSISTENCE_MODULE": "eventsourcing.sqlite",
                "SQLITE_DBNAME": str(self.path),
                "SQLITE_LOCK_TIMEOUT": "30",
                "APPLICATION_RECORDER_TOPIC": "storage.chained_sqlite:ChainedSQLiteRecorder",
            }
        return {
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "POSTGRES_DBNAME": self.dbname,
            "POSTGRES_HOST": self.host,
            "POSTGRES_PORT": str(self.port),
            "POSTGRES_USER": self.user,
            "POSTGRES_PASSWORD": self.password,
            "POSTGRES_SCHEMA": self.schema,
            "POSTGRES_LOCK_TIMEOUT": "10",
            "POSTGRES_POOL_SIZE": "4",
            "POSTGRES_MAX_OVERFLOW": "8",
            "POSTGRES_CONNECT_TIMEOUT": "5",
            "POSTGRES_PRE_PING": "y",
            "APPLICATION_RECORDER_TOPIC": "storage.chained_postgres:ChainedPostgresRecorder",
        }


def prepare_postgres(url: EventStoreUrl, *, create_database: bool) -> None:
    """Make sure the database (if asked) and the schema exist before the library connects."""
    try:
        if create_database:
            admin = psycopg.conninfo.make_conninfo(url.conninfo(), dbname="postgres")
            with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
                exists = conn.execute(
                    "SELECT 1 FROM pg_database WHERE datname = %s", (url.dbname,)
                ).fetchone()
                if not exists:
                    conn.execute(
                        psycopg.sql.SQL("CREATE DATABASE {}").format(
                            psycopg.sql.Identifier(url.dbname)
                        )
                    )
        with psycopg.connect(url.conninfo(), autocommit=True, connect_timeout=5) as conn:
            conn.execute(
                psycopg.sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(
                    psycopg.sql.Identifier(url.schema)
                )
            )
    except psycopg.OperationalError as e:
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise StoreUnavailable(
            f"PostgreSQL at {url.host}:{url.port}/{url.dbname} is unavailable: {first}"
        ) from None


A = TypeVar("A", bound=Aggregate)
R = TypeVar("R")


class EventStore(Application[UUID]):
    """Saksi's events: aggregates are loaded with `repository.get` and stored with `save`."""

    name = "saksi"

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
            try:
                self.save(*aggregates)
                return result
            except IntegrityError:
                self.note_conflict()
                if last:
                    raise
        raise AssertionError("unreachable")

    def update(self, cls: type[A], aggregate_id: UUID, change: Callable[[A], None]) -> A:
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

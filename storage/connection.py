"""Where the event store lives: a parsed SAKSI_EVENT_STORE, and a PostgreSQL made ready for it.

Shared by the event store, the SQL helper (storage/db.py) and the advisory locks.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

import psycopg

from storage.errors import StoreUnavailable

# The recorders that write each event's chain link in its own transaction (storage/eventstore/).
SQLITE_RECORDER = "storage.eventstore.sqlite_recorder:ChainedSQLiteRecorder"
POSTGRES_RECORDER = "storage.eventstore.postgres_recorder:ChainedPostgresRecorder"


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
                "APPLICATION_RECORDER_TOPIC": SQLITE_RECORDER,
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
            "APPLICATION_RECORDER_TOPIC": POSTGRES_RECORDER,
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

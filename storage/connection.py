"""Where the event store lives: a parsed SAKSI_EVENT_STORE, and a PostgreSQL made ready for it.

Shared by the event store, the SQL helper (storage/db.py) and the advisory locks.

PostgreSQL may be a list of hosts, a primary and its standbys
(`postgresql://USER@HOST1:PORT1,HOST2:PORT2/DB?target_session_attrs=read-write`): every
connection libpq makes tries them in order and keeps the first that takes writes, so after a
failover the pools reconnect to the promoted standby on their own (docs/deployment.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import psycopg

from storage.errors import StoreUnavailable

# The recorders that write each event's chain link in its own transaction (storage/eventstore/).
SQLITE_RECORDER = "storage.eventstore.sqlite_recorder:ChainedSQLiteRecorder"
POSTGRES_RECORDER = "storage.eventstore.postgres_recorder:ChainedPostgresRecorder"
# eventsourcing's PostgreSQL factory, given the connection options it has no setting for.
POSTGRES_FACTORY = "storage.eventstore.factory:FailoverPostgresFactory"

# libpq's values (PostgreSQL 14+): which server of a host list a connection may settle on.
SESSION_ATTRS = ("any", "read-write", "read-only", "primary", "standby", "prefer-standby")
# A server that vanishes without closing its connections (power, network) is noticed within
# ~25 s by TCP keepalives instead of the system's two hours; a host that does not answer is
# skipped for the next after 5 s.
CONNECT_TIMEOUT_S = 5
KEEPALIVES = {"keepalives_idle": 10, "keepalives_interval": 5, "keepalives_count": 3}
# A pool that cannot connect tries again after 1, 2, 4, 8... s (psycopg_pool); a database back
# after 30 s would then wait up to 30 s more. Giving up a round of attempts after this long
# lets the next request start a fresh one at once, so pools reconnect within ~2 s of a return.
RECONNECT_ROUND_S = 3.0


@dataclass(frozen=True)
class EventStoreUrl:
    """A parsed SAKSI_EVENT_STORE value."""

    dialect: str  # "sqlite" | "postgres"
    path: Path | None = None
    hosts: tuple[tuple[str, int], ...] = (("127.0.0.1", 5432),)  # tried in this order
    user: str = "postgres"
    password: str = ""
    dbname: str = "saksi"
    schema: str = "public"
    # None: libpq's default ("any") for one host, "read-write" for a list of them (a standby
    # that answers first must never take the archive's connections).
    target_session_attrs: str | None = None

    @classmethod
    def parse(cls, url: str) -> EventStoreUrl:
        if url.startswith("sqlite:///"):
            path = url[len("sqlite:///") :]
            if not path:
                raise ValueError("sqlite URL needs a path: sqlite:///PATH")
            return cls(dialect="sqlite", path=Path(path))
        if url.startswith(("postgresql://", "postgres://")):
            return cls._parse_postgres(url)
        raise ValueError(
            f"unsupported event store {url.split('://')[0]!r}: "
            "use sqlite:///PATH or postgresql://USER@HOST[:PORT][,HOST2[:PORT2]...]/DB"
        )

    @classmethod
    def _parse_postgres(cls, url: str) -> EventStoreUrl:
        # urllib reads one host:port only; a list of them is split here.
        u = urlsplit(url)
        userinfo, at, hostlist = u.netloc.rpartition("@")
        user, _, password = userinfo.partition(":") if at else ("", "", "")
        query = parse_qs(u.query)
        schema = query.get("schema", ["public"])[0]
        if not schema.replace("_", "").isalnum():
            raise ValueError(f"invalid schema name {schema!r}")
        hosts = _parse_hosts(hostlist)
        attrs = query.get("target_session_attrs", [None])[0]
        if attrs is not None and attrs not in SESSION_ATTRS:
            raise ValueError(
                f"invalid target_session_attrs {attrs!r}: one of {', '.join(SESSION_ATTRS)}"
            )
        if attrs is None and len(hosts) > 1:
            attrs = "read-write"
        return cls(
            dialect="postgres",
            hosts=hosts,
            user=unquote(user) or "postgres",
            password=unquote(password),
            dbname=unquote(u.path.lstrip("/")) or "saksi",
            schema=schema,
            target_session_attrs=attrs,
        )

    @property
    def host(self) -> str:
        """libpq's host list: `HOST1,HOST2`."""
        return ",".join(h for h, _ in self.hosts)

    @property
    def port(self) -> str:
        """libpq's port list, one per host: `PORT1,PORT2`."""
        return ",".join(str(p) for _, p in self.hosts)

    @property
    def where(self) -> str:
        """The servers and database, for messages (never the password)."""
        shown = (f"[{h}]:{p}" if ":" in h else f"{h}:{p}" for h, p in self.hosts)
        return ",".join(shown) + f"/{self.dbname}"

    def connect_options(self) -> dict[str, Any]:
        """What every connection to this store is made with besides where and who."""
        options: dict[str, Any] = {"connect_timeout": CONNECT_TIMEOUT_S, **KEEPALIVES}
        if self.target_session_attrs:
            options["target_session_attrs"] = self.target_session_attrs
        return options

    def conninfo(self) -> str:
        return psycopg.conninfo.make_conninfo(
            host=self.host,
            port=self.port,
            user=self.user,
            password=self.password,
            dbname=self.dbname,
            **self.connect_options(),
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
        env = {
            "PERSISTENCE_MODULE": POSTGRES_FACTORY,
            "POSTGRES_DBNAME": self.dbname,
            "POSTGRES_HOST": self.host,  # libpq takes the lists as they are
            "POSTGRES_PORT": self.port,
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
        if self.target_session_attrs:
            env["POSTGRES_TARGET_SESSION_ATTRS"] = self.target_session_attrs
        return env


def _parse_hosts(hostlist: str) -> tuple[tuple[str, int], ...]:
    """`HOST[:PORT][,HOST[:PORT]]...` (an IPv6 address in brackets) to (host, port) pairs."""
    if not hostlist:
        return (("127.0.0.1", 5432),)
    hosts: list[tuple[str, int]] = []
    for item in hostlist.split(","):
        if item.startswith("["):
            host, _, rest = item[1:].partition("]")
            port_text = rest.removeprefix(":")
        else:
            host, _, port_text = item.partition(":")
        if not host:
            raise ValueError(f"empty host in {hostlist!r}")
        if port_text and not (port_text.isdigit() and 0 < int(port_text) < 65536):
            raise ValueError(f"invalid port {port_text!r} in {hostlist!r}")
        hosts.append((unquote(host), int(port_text) if port_text else 5432))
    return tuple(hosts)


def prepare_postgres(url: EventStoreUrl, *, create_database: bool) -> None:
    """Make sure the database (if asked) and the schema exist before the library connects."""
    try:
        if create_database:
            admin = psycopg.conninfo.make_conninfo(url.conninfo(), dbname="postgres")
            with psycopg.connect(admin, autocommit=True) as conn:
                exists = conn.execute(
                    "SELECT 1 FROM pg_database WHERE datname = %s", (url.dbname,)
                ).fetchone()
                if not exists:
                    conn.execute(
                        psycopg.sql.SQL("CREATE DATABASE {}").format(
                            psycopg.sql.Identifier(url.dbname)
                        )
                    )
        with psycopg.connect(url.conninfo(), autocommit=True) as conn:
            conn.execute(
                psycopg.sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(
                    psycopg.sql.Identifier(url.schema)
                )
            )
    except psycopg.OperationalError as e:
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise StoreUnavailable(f"PostgreSQL at {url.where} is unavailable: {first}") from None

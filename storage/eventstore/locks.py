"""One leader across processes for singleton work (the retention sweep).

PostgreSQL: a session advisory lock on a connection of its own, keyed by database, schema
and name. SQLite: an exclusive `flock` on a file next to the database. Both are released by
the operating system or the server when the holder dies, even by SIGKILL.

A PostgreSQL lock lives as long as its session: when the primary dies and a standby is
promoted, the lock is gone with it and another process may take it on the new primary, while
the old leader's pooled connections reconnect there on their own. So the leader confirms its
session between steps (`Leadership.confirm`) and stops once it is lost.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import psycopg

from storage.connection import EventStoreUrl
from storage.errors import StoreUnavailable

POLL_S = 0.1


def lock_key(url: EventStoreUrl, name: str) -> int:
    """A signed 64-bit advisory-lock key; tests run many schemas in one database."""
    digest = hashlib.sha256(f"saksi:{url.dbname}:{url.schema}:{name}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


class Leadership:
    """True while this process leads (false: another did for the whole wait)."""

    def __init__(self, name: str, held: bool, alive: Callable[[], bool]) -> None:
        self.name, self.held, self._alive = name, held, alive

    def __bool__(self) -> bool:
        return self.held

    def confirm(self) -> None:
        """Raise StoreUnavailable if the lock was lost with its database session."""
        if self.held and not self._alive():
            raise StoreUnavailable(
                f"the {self.name} lock was lost with its database session (failover or "
                "restart): another process may lead now, so this one stops"
            )


@contextmanager
def leader(url: EventStoreUrl, name: str, *, wait_s: float = 0) -> Iterator[Leadership]:
    """Yields a true Leadership while this process holds the lock, a false one if another
    did for `wait_s`."""
    if url.dialect == "sqlite":
        with _file_lock(url, name, wait_s) as got:
            yield got
    else:
        with _advisory_lock(url, name, wait_s) as got:
            yield got


def _deadline_poll(wait_s: float, attempt: Callable[[], bool]) -> bool:
    deadline = time.monotonic() + wait_s
    while True:
        if attempt():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(POLL_S)


@contextmanager
def _file_lock(url: EventStoreUrl, name: str, wait_s: float) -> Iterator[Leadership]:
    assert url.path is not None
    path = url.path.with_name(f"{url.path.name}.{name}.lock")
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)

    def attempt() -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            return False

    try:
        got = _deadline_poll(wait_s, attempt)
        try:
            yield Leadership(name, got, lambda: True)  # held until this process unlocks
        finally:
            if got:
                fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


@contextmanager
def _advisory_lock(url: EventStoreUrl, name: str, wait_s: float) -> Iterator[Leadership]:
    key = lock_key(url, name)
    try:
        conn = psycopg.connect(url.conninfo(), autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as e:
        raise StoreUnavailable(f"PostgreSQL is unavailable: {str(e).strip()[:200]}") from None
    with conn:

        def attempt() -> bool:
            row = conn.execute("SELECT pg_try_advisory_lock(%s)", (key,)).fetchone()
            return bool(row and row[0])

        def alive() -> bool:
            try:
                conn.execute("SELECT 1")
                return True
            except psycopg.Error:
                return False

        got = _deadline_poll(wait_s, attempt)
        try:
            yield Leadership(name, got, alive)
        finally:
            if got and not conn.closed:
                with contextlib.suppress(psycopg.OperationalError):  # gone with the session
                    conn.execute("SELECT pg_advisory_unlock(%s)", (key,))

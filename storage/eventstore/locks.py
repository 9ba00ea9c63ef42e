"""One leader across processes for singleton work (the retention sweep).

PostgreSQL: a session advisory lock on a connection of its own, keyed by database, schema
and name. SQLite: an exclusive `flock` on a file next to the database. Both are released by
the operating system or the server when the holder dies, even by SIGKILL.
"""

from __future__ import annotations

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


@contextmanager
def leader(url: EventStoreUrl, name: str, *, wait_s: float = 0) -> Iterator[bool]:
    """Yields True while this process holds the lock, False if another did for `wait_s`."""
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
def _file_lock(url: EventStoreUrl, name: str, wait_s: float) -> Iterator[bool]:
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
            yield got
        finally:
            if got:
                fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


@contextmanager
def _advisory_lock(url: EventStoreUrl, name: str, wait_s: float) -> Iterator[bool]:
    key = lock_key(url, name)
    try:
        conn = psycopg.connect(url.conninfo(), autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as e:
        raise StoreUnavailable(f"PostgreSQL is unavailable: {str(e).strip()[:200]}") from None
    with conn:

        def attempt() -> bool:
            row = conn.execute("SELECT pg_try_advisory_lock(%s)", (key,)).fetchone()
            return bool(row and row[0])

        got = _deadline_poll(wait_s, attempt)
        try:
            yield got
        finally:
            if got and not conn.closed:
                conn.execute("SELECT pg_advisory_unlock(%s)", (key,))

"""A large, valid event log written fast: rows and chain links in bulk, then sealed.

Streams look like clips (an ingest, then custody events) interleaved in notification order,
with states of realistic size. Chain hashes are computed exactly as the recorders do, so
`audit verify` finds nothing wrong.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import psycopg

from ledger.chain import GENESIS, event_hash

TOPICS = ("domain.clip:Clip.ClipIngested", "domain.clip:Clip.ClipViewed")
STREAM_LENGTH = 10  # events per clip
ACTIVE = 500  # clips being written at the same time (interleaving)


def _state(version: int, oid: uuid.UUID) -> bytes:
    body: dict[str, Any] = {
        "actor": "investigator-budi",
        "channel": "http",
        "client": "10.12.0.7",
        "originator_id": {"_type_": "uuid_hex", "_data_": oid.hex},
        "originator_version": version,
        "reason": "review of footage for case R-2026-0001 (112 report)",
        "timestamp": {"_type_": "datetime_iso", "_data_": "2026-11-29T10:00:00.000000+00:00"},
    }
    if version == 1:
        body.update(camera_id="SMG-SS-0001", sha256="ab" * 32, size_bytes=73_400_320)
    return json.dumps(body, separators=(",", ":")).encode()


def events(n: int) -> Iterator[tuple[int, uuid.UUID, int, str, bytes, bytes, bytes]]:
    """(position, originator id, version, topic, state, prev hash, hash), in log order."""
    streams: list[tuple[uuid.UUID, int, bytes]] = []
    position = 0
    while position < n:
        while len(streams) < ACTIVE:
            streams.append((uuid.uuid4(), 0, GENESIS))
        slot = position % len(streams)
        oid, version, prev = streams[slot]
        version += 1
        topic = TOPICS[0] if version == 1 else TOPICS[1]
        state = _state(version, oid)
        h = event_hash(prev, oid, version, topic, state)
        position += 1
        yield position, oid, version, topic, state, prev, h
        if version == STREAM_LENGTH:
            streams.pop(slot)
        else:
            streams[slot] = (oid, version, h)


def write_postgres(conninfo: str, schema: str, table: str, n: int) -> None:
    """Events and links by COPY (nothing held in memory)."""
    with log_copy(conninfo, schema, table) as write:
        for row in events(n):
            write(row)
    opts = f"-c search_path={schema}"
    with psycopg.connect(conninfo, options=opts, autocommit=True) as c:
        c.execute(f"VACUUM ANALYZE {table}")
        c.execute("VACUUM ANALYZE event_chain")


Row = tuple[int, uuid.UUID, int, str, bytes, bytes, bytes]


@contextlib.contextmanager
def log_copy(conninfo: str, schema: str, table: str) -> Iterator[Callable[[Row], None]]:
    """A writer of (position, originator id, version, topic, state, prev hash, hash) rows:
    events and chain links by COPY, side by side on two connections, committed on exit with
    the notification sequence moved past the last position written."""
    opts = f"-c search_path={schema}"
    last = {"position": 0}
    with (
        psycopg.connect(conninfo, options=opts) as c1,
        psycopg.connect(conninfo, options=opts) as c2,
    ):
        with (
            c1.cursor().copy(
                f"COPY {table} (notification_id, originator_id, originator_version, topic, state) "
                "FROM STDIN"
            ) as events_copy,
            c2.cursor().copy(
                "COPY event_chain (notification_id, originator_id, originator_version, "
                "prev_hash, hash) FROM STDIN"
            ) as links_copy,
        ):

            def write(row: Row) -> None:
                pos, oid, v, topic, state, prev, h = row
                events_copy.write_row((pos, oid, v, topic, state))
                links_copy.write_row((pos, oid, v, prev, h))
                last["position"] = pos

            yield write
        c2.commit()
        if last["position"]:
            c1.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'notification_id'), %s)",
                (last["position"],),
            )
        c1.commit()


def write_sqlite(path: str, table: str, n: int) -> None:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("BEGIN")
    batch_e: list[tuple[Any, ...]] = []
    batch_l: list[tuple[Any, ...]] = []
    for pos, oid, v, topic, state, prev, h in events(n):
        batch_e.append((pos, oid.hex, v, topic, state))
        batch_l.append((pos, oid.hex, v, prev, h))
        if len(batch_e) == 10_000:
            _flush_sqlite(conn, table, batch_e, batch_l)
    _flush_sqlite(conn, table, batch_e, batch_l)
    conn.execute("COMMIT")
    conn.close()


def _flush_sqlite(
    conn: sqlite3.Connection, table: str, e: list[tuple[Any, ...]], links: list[tuple[Any, ...]]
) -> None:
    conn.executemany(
        f"INSERT INTO {table} (rowid, originator_id, originator_version, topic, state) "
        "VALUES (?,?,?,?,?)",
        e,
    )
    conn.executemany("INSERT INTO event_chain VALUES (?,?,?,?,?)", links)
    e.clear()
    links.clear()

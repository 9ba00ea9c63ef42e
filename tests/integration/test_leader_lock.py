"""The sweep's leader lock ends with its database session: a leader whose session is gone (the
primary failed over, or restarted) learns so at its next step and stops, and the lock is free
for another process."""

from __future__ import annotations

import uuid

import psycopg
import pytest

from storage.connection import EventStoreUrl
from storage.errors import StoreUnavailable
from storage.eventstore.locks import leader, lock_key
from tests.conftest import PG_ADMIN


def test_a_leader_whose_session_ended_stops_at_its_next_step(pg_database: str) -> None:
    url = EventStoreUrl.parse(f"postgresql://postgres@127.0.0.1:5432/{pg_database}")
    name = f"drill-{uuid.uuid4().hex[:8]}"
    with leader(url, name) as leading:
        assert leading
        leading.confirm()  # still held
        with leader(url, name) as other:
            assert not other
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:  # its session ends
            ended = admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' "
                "AND granted AND ((classid::bigint << 32) | objid::bigint) = %s",
                (lock_key(url, name),),
            ).fetchall()
        assert ended == [(True,)]
        with leader(url, name) as other:
            assert other  # the server let the lock go with the session
        with pytest.raises(StoreUnavailable, match="lock was lost"):
            leading.confirm()

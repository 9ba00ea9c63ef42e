"""event_append_per_s: custody events appended one per transaction on PostgreSQL, hash chain
included, next to raw psycopg INSERT + commit of rows of the same size."""

from __future__ import annotations

import uuid
from datetime import UTC
from tempfile import TemporaryDirectory

import psycopg

from archive.bootstrap import bootstrap
from bench.common import Result, Timer, scratch_database, scratch_settings
from domain.base import Context
from domain.clip import Clip


def _baseline(dbname: str, rows: int, state_size: int) -> float:
    with psycopg.connect(f"host=127.0.0.1 port=5432 user=postgres dbname={dbname}") as conn:
        conn.execute(
            "CREATE TABLE raw_rows (originator_id uuid, originator_version bigint, topic text, "
            "state bytea, PRIMARY KEY (originator_id, originator_version))"
        )
        conn.commit()
        oid = uuid.uuid4()
        payload = b"x" * state_size
        with Timer() as t:
            for v in range(1, rows + 1):
                conn.execute(
                    "INSERT INTO raw_rows VALUES (%s, %s, %s, %s)",
                    (oid, v, "domain.clip:Clip.ClipViewed", payload),
                )
                conn.commit()
    return rows / t.seconds


def run(quick: bool = False) -> list[Result]:
    events = 500 if quick else 5000
    with scratch_database() as dbname, TemporaryDirectory() as tmp:
        svc = bootstrap(scratch_settings(dbname, tmp))
        try:
            from datetime import datetime

            t0 = datetime(2026, 11, 1, tzinfo=UTC)
            ctx = Context("bench", "http", "127.0.0.1")
            clip = Clip.ingest(
                clip_id=uuid.uuid4(),
                camera_id="C1",
                start=t0,
                end=t0,
                sha256="a" * 64,
                size_bytes=1,
                media={},
                storage={"key": "k"},
                retention_class="report",
                retain_until=t0,
                source={},
                reason="bench",
                ctx=ctx,
            )
            svc.store.save(clip)
            state_size = 0
            with Timer() as t:
                for _ in range(events):
                    clip.record_view("investigation review of the footage", ctx)
                    recordings = svc.store.save(clip)
                    state_size = len(
                        svc.store.mapper.to_stored_event(recordings[0].domain_event).state
                    )
            value = events / t.seconds
        finally:
            svc.close()
        baseline = _baseline(dbname, events, state_size)
    return [
        Result(
            "event_append_per_s",
            value,
            "events/s",
            ">= 0.5 of baseline",
            "raw_psycopg_insert_commit_per_s",
            baseline,
        )
    ]

"""audit_verify_events_per_s and inclusion_proof_ms over a log of 1,000,000 events
(100,000 with --quick), on PostgreSQL and on SQLite.

The log is written in bulk (valid rows and chain links), sealed by the real sealer, and
checkpointed. Each figure is the best of a few interleaved runs (the machine is shared), and
the raw SELECT baseline is measured in the same run on the same rows: the events' columns
read through the driver, page by page, doing nothing with them.
"""

from __future__ import annotations

import random
import sqlite3
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from tempfile import TemporaryDirectory

import psycopg

from api.cli.common import host_context
from archive.audit import proofs
from archive.audit import verify as audit
from archive.bootstrap import bootstrap
from archive.sealing import seal as sealing
from archive.services import Services
from archive.settings import Settings
from bench import ledger_data
from bench.common import Result, Timer, scratch_database
from ledger import merkle
from ledger.keys import create_key
from storage.db import PostgresDatabase, SqliteDatabase
from storage.ledger_tables.merkle_store import MerkleStore
from storage.ledger_tables.sealer import Sealer

HOST = host_context()  # the bench runs on the archive host

RUNS = 3
PROOFS = 300
COLUMNS = "originator_id, originator_version, topic, state"


def _best(fn: Callable[[], object], runs: int = RUNS) -> float:
    times = []
    for _ in range(runs):
        with Timer() as t:
            fn()
        times.append(t.seconds)
    return min(times)


def _raw_postgres(db: PostgresDatabase, binary: bool) -> Callable[[], int]:
    def read() -> int:
        with (
            psycopg.connect(db.url.conninfo(), options=f"-c search_path={db.url.schema}") as c,
            c.cursor("raw", binary=binary) as cur,
        ):
            cur.execute(
                f"SELECT notification_id, {COLUMNS} FROM {db.events_table} ORDER BY notification_id"
            )
            n = 0
            while batch := cur.fetchmany(5000):
                n += len(batch)
            return n

    return read


def _raw_sqlite(db: SqliteDatabase) -> Callable[[], int]:
    def read() -> int:
        conn = sqlite3.connect(db.path)
        cur = conn.execute(f"SELECT rowid, {COLUMNS} FROM {db.events_table} ORDER BY rowid")
        n = 0
        while batch := cur.fetchmany(5000):
            n += len(batch)
        conn.close()
        return n

    return read


def _verify(svc: Services, n: int, quick: bool = True) -> Callable[[], None]:
    def run() -> None:
        result = audit.verify(svc, HOST, quick=quick)
        assert result["ok"] and result["events"] == n, result["problems"][:3]

    return run


def _proof_latencies(svc: Services, n: int) -> tuple[float, float]:
    """Median ms of one inclusion proof read from the stored tree, and of the use case."""
    rng = random.Random(7)
    core, api = [], []
    store = MerkleStore(svc.db)
    with svc.db.tx(write=False) as tx:
        root = merkle.root(n, store.source(tx))
        for _ in range(PROOFS):
            index = rng.randrange(n)
            start = time.perf_counter()
            proof = merkle.inclusion_proof(index, n, store.source(tx))
            core.append(time.perf_counter() - start)
            leaf = store.leaf(tx, index)
            assert leaf is not None
            merkle.verify_inclusion(index, n, merkle.hash_leaf(leaf.event_hash), proof, root)
    for _ in range(PROOFS // 3):
        index = rng.randrange(n)
        start = time.perf_counter()
        proofs.inclusion(svc, HOST, index, n)
        api.append(time.perf_counter() - start)
    return statistics.median(core) * 1000, statistics.median(api) * 1000


def _measure(kind: str, svc: Services, n: int, tag: str) -> list[Result]:
    with Timer() as t:
        if isinstance(svc.db, PostgresDatabase):
            url = svc.db.url
            ledger_data.write_postgres(url.conninfo(), url.schema, svc.db.events_table, n)
        else:
            assert isinstance(svc.db, SqliteDatabase)
            ledger_data.write_sqlite(svc.db.path, svc.db.events_table, n)
    write_s = t.seconds
    with Timer() as t:
        Sealer(svc.db).catch_up()
    seal_s = t.seconds
    sealing.seal_checkpoint(svc, HOST)
    raw_text = _raw_postgres(svc.db, False) if kind == "postgres" else _raw_sqlite(svc.db)
    verify = _verify(svc, n)
    raw_s, verify_s = [], []
    for _ in range(RUNS):  # interleaved, so both see the same machine
        raw_s.append(_best(raw_text, 1))
        verify_s.append(_best(verify, 1))
    locating_s = _best(_verify(svc, n, quick=False), 1)  # what verify cost before the quick pass
    core_ms, api_ms = _proof_latencies(svc, n)
    print(
        f"   {kind}: wrote {n} events in {write_s:.1f} s, sealed in {seal_s:.1f} s",
        flush=True,
    )
    results = [
        Result(
            f"audit_verify_events_per_s{tag}",
            n / min(verify_s),
            "events/s",
            ">= 0.5 of baseline"
            if kind == "postgres"
            else "reported (the 0.5 target is PostgreSQL's)",
            f"raw_select_events_per_s{tag}",
            n / min(raw_s),
        ),
        Result(
            f"audit_verify_quick_vs_locating{tag}",
            n / min(verify_s),
            "events/s",
            "informational: the locating passes alone (verify without the quick pass)",
            f"audit_verify_locating_events_per_s{tag}",
            n / locating_s,
        ),
        Result(
            f"inclusion_proof_ms{tag}",
            core_ms,
            "ms",
            "< 5 ms",
            lower_is_better=True,
        ),
        Result(
            f"inclusion_proof_use_case_ms{tag}",
            api_ms,
            "ms",
            "< 5 ms (whole `audit proof` use case: head, proof, root, leaf, checkpoint)",
            lower_is_better=True,
        ),
        Result(f"seal_events_per_s{tag}", n / seal_s, "events/s", "informational"),
    ]
    if kind == "postgres":
        binary = _best(_raw_postgres(svc.db, True))
        results.append(
            Result(
                "audit_verify_vs_binary_select",
                n / min(verify_s),
                "events/s",
                "informational: the same raw SELECT in binary format (as verify reads)",
                "raw_select_binary_events_per_s",
                n / binary,
            )
        )
    return results


def _services(event_store: str, tmp: str) -> Services:
    settings = Settings(
        home=Path(tmp),
        event_store=event_store,
        object_store=f"file://{tmp}/objects",
        signing_key=Path(tmp) / "checkpoint.key",
    )
    create_key(settings.signing_key)
    return bootstrap(settings)


def run(quick: bool = False) -> list[Result]:
    n = 100_000 if quick else 1_000_000
    results: list[Result] = []
    with scratch_database() as dbname, TemporaryDirectory() as tmp:
        svc = _services(f"postgresql://postgres@127.0.0.1:5432/{dbname}", tmp)
        try:
            results += _measure("postgres", svc, n, "")
        finally:
            svc.close()
    with TemporaryDirectory() as tmp:
        svc = _services(f"sqlite:///{tmp}/events.sqlite", tmp)
        try:
            results += _measure("sqlite", svc, n, "_sqlite")
        finally:
            svc.close()
    return results

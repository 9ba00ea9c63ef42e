"""The quick pass of `audit verify` (ledger/quick_pass.py) over the whole ledger, on both
cores when the log is large: this process sweeps the first half of the leaves, a worker the
rest, in one shared snapshot. `audit.verify` runs it first and falls back to the locating
passes on any doubt, so its answer is the same either way; only the time differs.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import threading
from collections.abc import Sequence
from typing import IO

from archive.audit.quick_pass_worker import Range, stored_level, sweep_range
from ledger import merkle
from ledger.checkpoint import CheckpointError, parse_verifier_key, verify_checkpoint
from ledger.logcheck import CheckpointRow
from ledger.quick_pass import (
    CHUNK_LEVEL,
    Doubt,
    RangeResult,
    chunk_floor,
    compare_upper_levels,
    join_ranges,
    node_count,
)
from storage.db import Database, Tx
from storage.ledger_tables import quick_pass_rows as sweep_rows
from storage.ledger_tables.merkle_store import MerkleStore
from storage.objects.port import Progress
from storage.sqlite_db import SqliteDatabase

SPLIT_MIN = 100_000  # below this many leaves a second process costs more than it saves
ROOTS_PER_READ = 50  # checkpoint roots whose stored nodes are read in one statement


def sweep(
    shared: sweep_rows.SharedSnapshot,
    db: Database,
    event_store: str,
    checkpoints: Sequence[CheckpointRow],
    key: str,
    origin: str,
    progress: Progress | None = None,
    split_min: int = SPLIT_MIN,
    chunk_level: int = CHUNK_LEVEL,
) -> int:
    """How many events the ledger holds, all of them vouched for; raises Doubt otherwise."""
    tx = shared.tx
    worker: Worker | None = None
    try:
        size, _ = MerkleStore.head(tx)
        ranges = _plan(tx, size, split_min, chunk_level)
        if len(ranges) > 1:
            worker = Worker(ranges[1], shared, db, event_store, chunk_level)
    finally:
        if worker is None:
            shared.release()  # nobody else joins the snapshot: writers go on now
    both = progress
    if progress and worker is not None:  # what this process swept, and what the worker says
        both = lambda n: progress(n + worker.swept)  # noqa: E731
    try:
        results = [sweep_range(tx, db, ranges[0], chunk_level, both)]
        if worker is not None:
            results.append(worker.result())
    finally:
        if worker is not None:
            worker.stop()
    join_ranges(results)
    compare_upper_levels([h for r in results for h in r.chunk_roots], chunk_level, stored_level(tx))
    events = sum(r.events for r in results)
    links, leaves, nodes = sweep_rows.counts(tx)
    if (links, leaves, nodes) != (events, size, node_count(size)):
        raise Doubt(
            f"{links} links, {leaves} leaves, {nodes} nodes for {events} events and a tree of "
            f"{size} leaves ({node_count(size)} nodes)"
        )
    if checkpoints:
        _check_heads(tx, db, checkpoints, key, origin, size)
    if progress:
        progress(events)
    return events


def _plan(tx: Tx, size: int, split_min: int, chunk_level: int) -> list[Range]:
    """One range, or two whose leaves split at a chunk boundary near the middle."""
    everything: Range = (0, sweep_rows.NO_BOUND, 0, size)
    split = chunk_floor(size // 2, chunk_level)
    if size < split_min or split == 0:
        return [everything]
    position = sweep_rows.leaf_position(tx, split - 1)
    if position is None:
        raise Doubt(f"leaf {split - 1} is missing")
    return [(0, position, 0, split), (position, sweep_rows.NO_BOUND, split, size)]


def _check_heads(
    tx: Tx,
    db: Database,
    checkpoints: Sequence[CheckpointRow],
    key: str,
    origin: str,
    size: int,
) -> None:
    """Every checkpoint signed, of a prefix of this tree, and none smaller than the one before
    (two roots of prefixes of one verified tree are consistent by construction)."""
    previous = 0
    try:
        verifier = parse_verifier_key(key)
    except CheckpointError as e:
        raise Doubt(f"verifier key: {e}") from None
    for cp in checkpoints:
        try:
            signed = verify_checkpoint(cp.note, verifier, origin)
        except CheckpointError as e:
            raise Doubt(f"checkpoint #{cp.id}: {e}") from None
        if (signed.size, signed.root) != (cp.size, cp.root) or not previous <= cp.size <= size:
            raise Doubt(f"checkpoint #{cp.id} (size {cp.size}) does not fit the tree")
        previous = cp.size
    source = MerkleStore(db).source(tx)  # every stored node was just compared: trusted now
    for start in range(0, len(checkpoints), ROOTS_PER_READ):
        part = checkpoints[start : start + ROOTS_PER_READ]
        ranges = [(0, cp.size) for cp in part if cp.size]
        roots = iter(merkle.hashes_of(ranges, source))
        for cp in part:
            root = next(roots) if cp.size else merkle.EMPTY_ROOT
            if root != cp.root:
                raise Doubt(f"checkpoint #{cp.id} signs another root")


# --- the worker ---------------------------------------------------------------------------


class Worker:
    """A process sweeping one range in the shared snapshot. A thread reads what it says: once
    it holds the snapshot ("ready") the writers are released; then how many events it has
    swept, one line a page; last its answer, one line of JSON."""

    def __init__(
        self,
        span: Range,
        shared: sweep_rows.SharedSnapshot,
        db: Database,
        event_store: str,
        chunk_level: int,
    ) -> None:
        self.errors = tempfile.TemporaryFile()  # noqa: SIM115 (the worker's stderr; closed by stop)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "archive.audit.quick_pass_worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.errors,
        )
        assert self.process.stdin is not None and self.process.stdout is not None
        job = {"snapshot": shared.token, "range": list(span), "chunk_level": chunk_level}
        where = {"sqlite": db.path} if isinstance(db, SqliteDatabase) else {"url": event_store}
        try:
            with self.process.stdin as stdin:
                stdin.write(json.dumps({**job, **where}).encode())
        except BrokenPipeError:  # it died before reading its job
            self.process.wait()
            why = _last_line(self.errors)
            self.errors.close()
            raise RuntimeError(f"the audit worker failed: {why}") from None
        self.started = False
        self.swept = 0
        self.answer = b""
        self.reader = threading.Thread(target=self._read, args=(shared,), daemon=True)
        self.reader.start()

    def _read(self, shared: sweep_rows.SharedSnapshot) -> None:
        assert self.process.stdout is not None
        try:
            self.started = self.process.stdout.readline() == b"ready\n"
        finally:
            shared.release()
        for line in self.process.stdout:
            if line[:1].isdigit():
                self.swept = int(line)
            else:
                self.answer = line

    def result(self) -> RangeResult:
        self.reader.join()
        if self.process.wait() != 0 or not self.started or not self.answer:
            raise RuntimeError(f"the audit worker failed: {_last_line(self.errors)}")
        doc = json.loads(self.answer)
        if "doubt" in doc:
            raise Doubt(doc["doubt"])
        return RangeResult.from_json(doc)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        self.reader.join()
        self.errors.close()


def _last_line(errors: IO[bytes]) -> str:
    errors.seek(0)
    lines = errors.read().decode(errors="replace").strip().splitlines()
    return lines[-1] if lines else "no output"

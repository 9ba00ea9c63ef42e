"""`audit verify`: replay the whole ledger and name every problem with its first bad position.

First the quick pass (`audit_sweep`, on both cores for a large log): every event with its
chain link and leaf in one row, the tree rebuilt a chunk at a time, the checkpoints against
it. It either vouches for the whole ledger or has a doubt; on a doubt the locating passes run
over the same snapshot, in notification order, and name every problem:

- the chain pass: every event's stored bytes against its chain link, each link against the
  stream's previous event (`streams.StreamChecker`);
- the log pass: every chain link against its Merkle leaf (exactly one leaf each, in order,
  same hash), every stored tree node against its children, then every checkpoint's signature
  and root, the consistency of successive checkpoints and truncation (`logcheck.LogChecker`).

Then the RFC 3161 tokens of checkpoints against their bytes (`timestamps.audit`), and every
witness cosignature against its checkpoint, with every alarm a witness raised
(`witnesses.audit`). Together
they tie every event to the signed tree. Last, the read models that sign-in, case membership,
fixity and holds rely on are compared with a replica projected from the log, in the same
snapshot (`read_models`): a row changed behind the log is named. On PostgreSQL a large log's
log pass runs in a second process, in the same exported snapshot.
"""

from __future__ import annotations

import logging
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from archive.audit import log_pass as audit_worker
from archive.audit import quick_pass as audit_sweep
from archive.audit import read_models as model_check
from archive.sealing import timestamps, witnesses
from archive.sealing.seal import key_string
from archive.services import Services
from domain.base import Context
from ledger.logcheck import CheckpointRow, merge_problems
from ledger.quick_pass import Doubt
from ledger.streams import Link, Problem, StreamChecker
from storage.db import Database, Tx
from storage.ledger_tables import quick_pass_rows as sweep_rows
from storage.ledger_tables import rows as ledger_rows
from storage.ledger_tables.merkle_store import MerkleStore
from storage.objects.port import Progress

log = logging.getLogger("saksi.audit")

PARALLEL_MIN = 200_000  # below this many leaves a second process costs more than it saves


def verify(
    svc: Services,
    ctx: Context,
    progress: Progress | None = None,
    parallel_min: int = PARALLEL_MIN,
    verifier_key: str | None = None,
    quick: bool = True,
    read_models: bool = True,
    **split: int,
) -> dict[str, Any]:
    """Replay every stored event against its chain link and the Merkle log.

    Checkpoints are checked with `verifier_key` when given (the key an auditor holds, so a
    replaced signing key file cannot vouch for re-signed history), else with the archive's.
    The quick pass (`audit_sweep`) vouches for an intact ledger; on any doubt (or without
    `quick`) the locating passes name every problem. `split` (`split_min`, `chunk_level`) goes
    to the quick pass. `read_models` compares the read models with the log as well.
    """
    svc.guard.require(ctx, "audit", target="ledger")
    db, origin = svc.db, svc.settings.origin
    with sweep_rows.shared_snapshot(db) as shared:
        tx = shared.tx
        checkpoints = [
            CheckpointRow(c.id, c.size, c.root, c.note, c.last_position)
            for c in MerkleStore.checkpoints(tx)
        ]
        key = verifier_key or (key_string(svc) if checkpoints else "")
        try:
            if not quick:
                raise Doubt("the quick pass was not asked for")
            events = audit_sweep.sweep(
                shared, db, svc.settings.event_store, checkpoints, key, origin, progress, **split
            )
            problems: list[Problem] = []
            sealed = MerkleStore.head(tx)[0]
        except Doubt as e:
            shared.release()  # no other process joins the locating passes
            log.info("audit verify: the quick pass has a doubt (%s); locating problems", e)
            events, problems, sealed = _locate(
                tx, db, svc, checkpoints, key, progress, parallel_min
            )
        stamps = timestamps.audit(svc, tx)
        cosigned = witnesses.audit(svc.settings, tx)
        drift = model_check.problems_in(svc, tx) if read_models else []
    problems = merge_problems(problems, stamps.problems + cosigned.problems + drift)
    return {
        "ok": not problems,
        "events": events,
        "checkpoints": len(checkpoints),
        "sealed": sealed,
        "problems": [p.as_dict() for p in problems],
        "timestamps": stamps.summary,
        "witnesses": cosigned.summary,
    }


def _locate(
    tx: Tx,
    db: Database,
    svc: Services,
    checkpoints: list[CheckpointRow],
    key: str,
    progress: Progress | None,
    parallel_min: int,
) -> tuple[int, list[Problem], int]:
    """The chain pass and the log pass: (events, every problem, leaves sealed)."""
    origin = svc.settings.origin
    size, _ = MerkleStore.head(tx)
    if db.dialect == "postgres" and size >= parallel_min:
        job = audit_worker.job(
            svc.settings.event_store, ledger_rows.export(tx), checkpoints, key, origin
        )
        with _worker(job) as worker:
            streams = chain_pass(tx, db, progress)
            log_problems, sealed = _result(worker)
    else:
        streams = chain_pass(tx, db, progress)
        log_problems, sealed = audit_worker.run_log_pass(tx, db, checkpoints, key, origin)
    return streams.events, merge_problems(streams.finish(), log_problems), sealed


@contextmanager
def _worker(job: bytes) -> Iterator[subprocess.Popen[bytes]]:
    """The log pass in a second process; it reads the job, then our exported snapshot."""
    worker = subprocess.Popen(
        [sys.executable, "-m", "archive.audit.log_pass"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        assert worker.stdin is not None
        worker.stdin.write(job)
        worker.stdin.close()
        worker.stdin = None  # sent: `communicate` must not flush it again
        yield worker
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()


def _result(worker: subprocess.Popen[bytes]) -> tuple[list[Problem], int]:
    out, err = worker.communicate()  # it keeps our snapshot open until we get here
    if worker.returncode != 0:
        last = err.decode(errors="replace").strip().splitlines()[-1:] or ["no output"]
        raise RuntimeError(f"the log pass of audit verify failed: {last[0]}")
    return audit_worker.result(out)


def chain_pass(tx: Tx, db: Database, progress: Progress | None) -> StreamChecker:
    streams = StreamChecker()
    found = 0

    def find_link(oid: bytes, version: int) -> Link | None:
        nonlocal found
        link = ledger_rows.link_of(tx, db, oid, version)
        found += link is not None
        return None if link is None else Link(*link)

    own = 0
    for page in ledger_rows.event_pages(tx, db):
        streams.feed_rows(page, find_link)
        own += sum(1 for row in page if row[5])
        if progress:
            progress(streams.events)
    if ledger_rows.link_count(tx) != own + found:  # some link has no event
        for pos, oid, version in ledger_rows.orphan_links(tx, db):
            streams.orphan_link(pos, oid, version)
    return streams

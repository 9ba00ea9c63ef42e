"""The log pass of `audit verify` (see archive/audit/verify.py), also runnable as a worker process:

    python -m archive.audit.log_pass   < job.json   > result.json

A worker reads the PostgreSQL snapshot its caller exported, so both passes see one state. The
job (event store URL with its password, snapshot id, checkpoints, verifier key, origin) comes
on stdin, never on the command line.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

from ledger.checkpoint import parse_verifier_key
from ledger.logcheck import CheckpointRow, LogChecker
from ledger.streams import Problem
from storage.connection import EventStoreUrl
from storage.db import Database, Tx, open_database
from storage.ledger_tables import rows as ledger_rows
from storage.ledger_tables.merkle_store import MerkleStore


def run_log_pass(
    tx: Tx,
    db: Database,
    checkpoints: Sequence[CheckpointRow],
    key: str,
    origin: str,
    prefetch: bool = True,
) -> tuple[list[Problem], int]:
    """Problems of the Merkle log and its checkpoints, and how many events it seals."""
    log = LogChecker(
        ledger_rows.leaves(tx, db, prefetch), lambda level: ledger_rows.nodes(tx, level)
    )
    log.expect_roots([c.size for c in checkpoints])
    for page in ledger_rows.link_pages(tx, db, prefetch):
        log.link_rows(page)
    log.finish(
        lambda size: ledger_rows.nodes_beyond(tx, size),
        lambda indexes: ledger_rows.positions_of(tx, indexes),
    )
    if checkpoints:
        source = MerkleStore(db).source(tx)
        log.check_checkpoints(checkpoints, parse_verifier_key(key), origin, source)
    return log.problems, log.tree.size


def job(
    event_store: str, snapshot: str, checkpoints: Sequence[CheckpointRow], key: str, origin: str
) -> bytes:
    cps = [{**asdict(c), "root": c.root.hex()} for c in checkpoints]
    doc = {"event_store": event_store, "snapshot": snapshot, "checkpoints": cps}
    return json.dumps({**doc, "key": key, "origin": origin}).encode()


def result(output: bytes) -> tuple[list[Problem], int]:
    doc = json.loads(output)
    return [Problem(**p) for p in doc["problems"]], int(doc["sealed"])


def main() -> None:
    doc: dict[str, Any] = json.load(sys.stdin)
    checkpoints = [
        CheckpointRow(**{**c, "root": bytes.fromhex(c["root"])}) for c in doc["checkpoints"]
    ]
    db = open_database(EventStoreUrl.parse(doc["event_store"]))
    try:
        with ledger_rows.snapshot(db, imported=doc["snapshot"]) as tx:
            problems, sealed = run_log_pass(
                tx, db, checkpoints, doc["key"], doc["origin"], prefetch=False
            )
    finally:
        db.close()
    json.dump({"problems": [p.as_dict() for p in problems], "sealed": sealed}, sys.stdout)


if __name__ == "__main__":
    main()

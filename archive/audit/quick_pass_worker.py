"""The second process of `audit verify`'s quick pass (archive/audit/quick_pass.py): sweeps one
range of the ledger in the snapshot its caller shares, and answers in JSON.

    python -m archive.audit.quick_pass_worker   < job.json   > result.json

It prints "ready" once it holds the snapshot, then how many events it has swept after each
page, then its answer as one line of JSON. The job (database path or URL with its
password, snapshot, range) comes on stdin, never on the command line. On SQLite it imports
neither the PostgreSQL driver nor the rest of the archive, so it starts in well under 0.1 s.
"""

from __future__ import annotations

import functools
import json
import sys
from typing import TYPE_CHECKING, Any

from ledger.quick_pass import Doubt, RangeResult, RangeSweep, StoredLevel
from storage.ledger_tables import quick_pass_rows as sweep_rows
from storage.sqlite_db import SqliteDatabase

if TYPE_CHECKING:
    from storage.db import Database, Tx
    from storage.objects.port import Progress

Range = tuple[int, int, int, int]  # after position, up to position, first leaf, leaf end


def stored_level(tx: Tx) -> StoredLevel:
    return functools.partial(sweep_rows.node_level, tx)


def sweep_range(
    tx: Tx, db: Database, span: Range, chunk_level: int, progress: Progress | None = None
) -> RangeResult:
    after, upto, first_leaf, leaf_end = span
    checker = RangeSweep(
        first_leaf, leaf_end, stored_level(tx), sweep_rows.oid_bytes(db), chunk_level
    )
    for page in sweep_rows.sweep_pages(tx, db, after, upto):
        checker.feed(page)
        if progress:
            progress(checker.result.events)
    return checker.finish()


def _report(swept: int) -> None:
    print(swept, flush=True)  # the caller adds it to the progress it shows


def _open(job: dict[str, Any]) -> Database:
    if "sqlite" in job:
        return SqliteDatabase(str(job["sqlite"]))
    from storage.connection import EventStoreUrl
    from storage.db import open_database

    return open_database(EventStoreUrl.parse(job["url"]))


def main() -> None:
    job: dict[str, Any] = json.load(sys.stdin)
    db = _open(job)
    try:
        with sweep_rows.joined_snapshot(db, job["snapshot"]) as tx:
            print("ready", flush=True)
            after, upto, first, end = (int(v) for v in job["range"])
            try:
                result = sweep_range(
                    tx, db, (after, upto, first, end), int(job["chunk_level"]), _report
                )
                answer = result.as_json(with_exits=False)  # the last range: nothing follows
            except Doubt as e:
                answer = {"doubt": str(e)}
    finally:
        db.close()
    print(json.dumps(answer), flush=True)


if __name__ == "__main__":
    main()

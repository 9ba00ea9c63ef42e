"""Starting a process beside busy writers must not take table locks when the read-model
schema is already there (CREATE INDEX locks its table even when the index exists, which
deadlocked ingests under load); a missing table or index is still created."""

from __future__ import annotations

import threading

import pytest

from storage.readmodels import schema as readmodel_schema
from tests.conftest import Archive


@pytest.fixture
def store_kind() -> str:
    return "postgres"


def test_a_complete_schema_is_left_alone_and_a_missing_index_is_made(archive: Archive) -> None:
    db = archive.svc.db
    with db.tx() as tx:
        assert readmodel_schema._complete(tx)
        tx.run("DROP INDEX rm_clips_start")
        assert not readmodel_schema._complete(tx)
    readmodel_schema.create(db)
    with db.tx() as tx:
        assert readmodel_schema._complete(tx)


def test_a_start_takes_no_table_lock_while_a_writer_holds_one(archive: Archive) -> None:
    db = archive.svc.db
    with db.tx() as writer:
        # A writer in the middle of a transaction holds an exclusive lock on a read model
        # (stronger than a busy projector's): a CREATE INDEX on it would wait here forever.
        writer.run("LOCK TABLE rm_clips IN ACCESS EXCLUSIVE MODE")
        start = threading.Thread(target=readmodel_schema.create, args=(db,), daemon=True)
        start.start()
        start.join(timeout=30)
        blocked = start.is_alive()
    start.join()  # the writer is done: a blocked start finishes now
    assert not blocked, "creating the schema waited for a writer's table lock"

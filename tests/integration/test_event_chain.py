"""Hash chains stored with events, identical on SQLite and PostgreSQL; tampering is located."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from eventsourcing.persistence import IntegrityError, StoredEvent

from archive.bootstrap import bootstrap
from archive.settings import Settings
from ledger.chain import GENESIS, event_hash
from tests.conftest import Archive, event_store_url
from tests.support import flows


def links(svc, oid: uuid.UUID) -> list[tuple[int, bytes, bytes]]:
    with svc.db.tx(write=False) as tx:
        rows = tx.all(
            "SELECT originator_version AS v, prev_hash, hash FROM event_chain "
            "WHERE originator_id=? ORDER BY originator_version",
            (svc.db.oid(oid),),
        )
    return [(int(r["v"]), bytes(r["prev_hash"]), bytes(r["hash"])) for r in rows]


def test_each_stored_event_is_chained_to_its_predecessor(archive: Archive, footage: Path) -> None:
    clip = flows.clip_in_case(archive.svc, footage)
    oid = uuid.UUID(clip["clip_id"])
    rows = flows.stream(archive.svc, oid)
    chain = links(archive.svc, oid)
    assert len(rows) == len(chain) >= 3
    prev = GENESIS
    for row, (v, link_prev, link_hash) in zip(rows, chain, strict=True):
        assert link_prev == prev
        assert link_hash == event_hash(prev, oid, v, row["topic"], bytes(row["state"]))
        prev = link_hash


def test_the_same_events_get_the_same_hashes_on_sqlite_and_postgresql(
    tmp_path: Path, pg_database: str
) -> None:
    oid = uuid.UUID("0b9e7a52-4f6c-4d51-8c0e-5d2f3a1b7c99")
    events = [
        StoredEvent(oid, v, "test:Thing.Happened", f'{{"v":{v}}}'.encode()) for v in (1, 2, 3)
    ]
    results = []
    for kind in ("sqlite", "postgres"):
        home = tmp_path / kind
        settings = Settings(
            home=home,
            event_store=event_store_url(kind, home, pg_database),
            object_store=f"file://{home}/o",
            signing_key=home / "k",
        )
        home.mkdir()
        svc = bootstrap(settings)
        try:
            svc.store.recorder.insert_events(events[:1])
            svc.store.recorder.insert_events(events[1:])
            results.append(links(svc, oid))
        finally:
            svc.close()
    assert results[0] == results[1]
    assert len(results[0]) == 3


def test_a_conflicting_version_writes_neither_event_nor_link(archive: Archive) -> None:
    oid = uuid.uuid4()
    recorder = archive.svc.store.recorder
    recorder.insert_events([StoredEvent(oid, 1, "test:T.E", b"{}")])
    with pytest.raises(IntegrityError):
        recorder.insert_events(
            [StoredEvent(oid, 2, "test:T.E", b"{}"), StoredEvent(oid, 1, "test:T.E", b"{}")]
        )
    assert [v for v, _, _ in links(archive.svc, oid)] == [1]
    assert [r["v"] for r in flows.stream(archive.svc, oid)] == [1]


def test_a_save_retried_after_its_commit_answer_was_lost_is_done_not_refused(
    tmp_path: Path, pg_database: str
) -> None:
    """PostgreSQL: a primary that dies after a commit its standby already has loses only the
    answer; the recorder's retry then finds its own events stored and returns their positions
    (a conflict stays a conflict)."""
    settings = Settings(
        home=tmp_path,
        event_store=event_store_url("postgres", tmp_path, pg_database),
        object_store=f"file://{tmp_path}/o",
        signing_key=tmp_path / "k",
    )
    svc = bootstrap(settings)
    try:
        recorder = svc.store.recorder
        oid = uuid.uuid4()
        events = [StoredEvent(oid, v, "test:T.E", f'{{"v":{v}}}'.encode()) for v in (1, 2)]
        first = recorder.insert_events(events)
        assert recorder.insert_events(events) == first  # the same save again: done already
        with pytest.raises(IntegrityError):  # another writer's event at a taken version
            recorder.insert_events([StoredEvent(oid, 2, "test:T.E", b'{"v":"other"}')])
        assert [v for v, _, _ in links(svc, oid)] == [1, 2]
    finally:
        svc.close()


def test_a_chain_head_cached_for_an_event_the_database_lost_is_not_linked_to(
    tmp_path: Path, pg_database: str
) -> None:
    """PostgreSQL: after a failover to a standby that lacked the newest events (asynchronous
    replication) or a restore, a running process may still cache the hash of one of them; the
    next event it writes there links to what is stored, not to the lost event."""
    url = event_store_url("postgres", tmp_path, pg_database)
    one, other = (
        bootstrap(Settings(home=tmp_path / n, event_store=url,
                           object_store=f"file://{tmp_path}/{n}/o", signing_key=tmp_path / "k"))
        for n in ("one", "other")
    )  # fmt: skip
    try:
        oid = uuid.uuid4()
        one.store.recorder.insert_events(
            [StoredEvent(oid, v, "test:T.E", f'{{"v":{v}}}'.encode()) for v in (1, 2)]
        )
        with one.db.tx() as tx:  # version 2 is lost with the old primary
            tx.run("DELETE FROM event_chain WHERE originator_id = ? AND originator_version = 2",
                   (oid,))  # fmt: skip
            tx.run(f"DELETE FROM {one.db.events_table} WHERE originator_id = ? "
                   "AND originator_version = 2", (oid,))  # fmt: skip
        v3 = StoredEvent(oid, 3, "test:T.E", b'{"v":3}')
        with pytest.raises(IntegrityError):  # a conflict: reload, and try again
            one.store.recorder.insert_events([v3])
        other.store.recorder.insert_events([StoredEvent(oid, 2, "test:T.E", b'{"v":"new 2"}')])
        one.store.recorder.insert_events([v3])
        chain = links(one, oid)
        assert [v for v, _, _ in chain] == [1, 2, 3]
        assert chain[2][1] == chain[1][2]  # v3 follows the stored v2
    finally:
        one.close()
        other.close()


# Tampering with the stored log is covered in test_ledger_tampering.py.

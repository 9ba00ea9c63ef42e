"""The sealer follows the notification log: every event one leaf, in order, exactly once."""

from __future__ import annotations

import threading
import uuid
from pathlib import Path

import pytest
from eventsourcing.persistence import IntegrityError

from archive.audit import verify as audit
from archive.errors import IntegrityFailure
from archive.sealing import seal as sealing
from domain.base import Context
from domain.clip import Clip
from ledger import merkle
from storage.ledger_tables.merkle_store import MerkleStore
from storage.ledger_tables.sealer import Sealer
from tests.conftest import Archive
from tests.support import flows
from tests.support.principals import HOST


def chain(svc) -> list[tuple[int, bytes]]:  # type: ignore[no-untyped-def]
    with svc.db.tx(write=False) as tx:
        rows = tx.all("SELECT notification_id, hash FROM event_chain ORDER BY notification_id")
    return [(int(r["notification_id"]), bytes(r["hash"])) for r in rows]


def leaves(svc) -> list[tuple[int, int, bytes]]:  # type: ignore[no-untyped-def]
    with svc.db.tx(write=False) as tx:
        rows = tx.all(
            "SELECT leaf_index, notification_id, event_hash FROM ledger_leaves ORDER BY leaf_index"
        )
    return [(int(r["leaf_index"]), int(r["notification_id"]), bytes(r["event_hash"])) for r in rows]


def test_every_event_becomes_one_leaf_in_notification_order(
    archive: Archive, footage: Path
) -> None:
    svc = archive.svc
    flows.clip_in_case(svc, footage)
    cp = sealing.seal_checkpoint(svc, HOST)
    expected = chain(svc)
    assert [(pos, h) for _, pos, h in leaves(svc)] == expected
    assert [i for i, _, _ in leaves(svc)] == list(range(len(expected)))
    assert cp.size == len(expected) == flows.event_count(svc)
    assert cp.root == merkle.subtree_root([merkle.hash_leaf(h) for _, h in expected])


def test_a_sealer_that_dies_mid_batch_leaves_nothing_and_the_next_resumes(
    archive: Archive,
) -> None:
    svc = archive.svc
    sealer = Sealer(svc.db, batch=4)
    with pytest.raises(RuntimeError), svc.db.tx() as tx:
        assert sealer.seal_batch(tx) == 4
        raise RuntimeError("killed before commit")
    assert leaves(svc) == []
    sealer.catch_up()  # in batches of 4: nodes completed across batches
    sealer.catch_up()  # nothing new: nothing sealed twice
    expected = chain(svc)
    assert [(pos, h) for _, pos, h in leaves(svc)] == expected
    with svc.db.tx(write=False) as tx:
        stored = merkle.root(len(expected), MerkleStore(svc.db).source(tx))
    assert stored == merkle.subtree_root([merkle.hash_leaf(h) for _, h in expected])


def test_sealing_twice_without_new_events_returns_the_same_checkpoint(archive: Archive) -> None:
    first = sealing.seal_checkpoint(archive.svc, HOST)
    assert sealing.seal_checkpoint(archive.svc, HOST) == first
    with archive.svc.db.tx(write=False) as tx:
        assert len(MerkleStore.checkpoints(tx)) == 1


def test_concurrent_writers_and_sealers_seal_each_event_exactly_once(
    archive: Archive, footage: Path
) -> None:
    svc = archive.svc
    clip = uuid.UUID(flows.clip_in_case(svc, footage)["clip_id"])
    errors: list[BaseException] = []

    def write(n: int) -> None:
        try:
            for i in range(n):
                svc.events.update(
                    Clip, clip, lambda c, i=i: c.record_view(f"v{i}", Context("budi"))
                )
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)

    def seal(n: int) -> None:
        try:
            for _ in range(n):
                sealing.seal_checkpoint(svc, HOST)
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=write, args=(15,)) for _ in range(2)]
    threads += [threading.Thread(target=seal, args=(6,)) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not [e for e in errors if not isinstance(e, IntegrityError)]
    final = sealing.seal_checkpoint(svc, HOST)
    assert [(pos, h) for _, pos, h in leaves(svc)] == chain(svc)
    assert final.size == flows.event_count(svc)
    result = audit.verify(svc, HOST)
    assert result["ok"], result["problems"]
    assert result["checkpoints"] >= 2


def test_proofs_served_from_stored_nodes_equal_those_of_an_in_memory_tree(
    archive: Archive,
) -> None:
    svc = archive.svc
    for i in range(30):  # about 40 events in all
        svc.events.save(_refusal(i))
    Sealer(svc.db, batch=3).catch_up()
    hashes = [merkle.hash_leaf(h) for _, h in chain(svc)]
    memory, n = merkle.memory_source(hashes), len(hashes)
    asked: list[int] = []
    with svc.db.tx(write=False) as tx:
        store = MerkleStore(svc.db)

        def counting(wanted):  # type: ignore[no-untyped-def]
            asked.append(len(wanted))
            return store.nodes(tx, wanted)

        for size in (1, 2, 7, 16, 33, n):
            assert merkle.root(size, counting) == merkle.subtree_root(hashes[:size])
            for index in range(size):
                proof = merkle.inclusion_proof(index, size, counting)
                assert proof == merkle.inclusion_proof(index, size, memory)
            for old in sorted({0, 1, 5, size // 2, size} & set(range(size + 1))):
                proof = merkle.consistency_proof(old, size, counting)
                assert proof == merkle.consistency_proof(old, size, memory)
    # One read per proof, of at most ~2 log2(n) nodes: never a rehash of the log.
    assert max(asked) <= 2 * n.bit_length()


def _refusal(i: int):  # type: ignore[no-untyped-def]
    from domain.refusal import Refusal

    return Refusal.record("audit", None, f"test {i}", Context("nobody"))


def test_the_sealer_refuses_to_sign_over_a_truncated_log(archive: Archive, cli) -> None:  # type: ignore[no-untyped-def]
    svc = archive.svc
    cp = sealing.seal_checkpoint(svc, HOST)
    last, _ = chain(svc)[-1]
    nid = "rowid" if svc.db.dialect == "sqlite" else "notification_id"
    with svc.db.tx() as tx:
        tx.run(f"DELETE FROM {svc.db.events_table} WHERE {nid} = ?", (last,))
        tx.run("DELETE FROM event_chain WHERE notification_id = ?", (last,))
        tx.run("DELETE FROM ledger_leaves WHERE leaf_index = ?", (cp.size - 1,))
    with pytest.raises(IntegrityFailure, match="truncated"):
        sealing.seal_checkpoint(svc, HOST)
    result = cli("audit", "checkpoint")
    assert result.code == 1 and result.err.startswith("error: refusing to sign")


def test_the_sealer_refuses_to_sign_over_a_rewritten_leaf(archive: Archive) -> None:
    svc = archive.svc
    cp = sealing.seal_checkpoint(svc, HOST)
    level, index = merkle.edge_nodes(cp.size)[0]  # the largest subtree under the signed root
    assert level > 0
    with svc.db.tx() as tx:
        tx.run(
            "UPDATE ledger_nodes SET hash = ? WHERE level = ? AND idx = ?",
            (bytes(32), level, index),
        )
    with pytest.raises(IntegrityFailure, match="rewritten"):
        sealing.seal_checkpoint(svc, HOST)


def test_verify_while_events_are_written_and_sealed_sees_one_consistent_snapshot(
    archive: Archive, footage: Path
) -> None:
    svc = archive.svc
    clip = uuid.UUID(flows.clip_in_case(svc, footage)["clip_id"])
    sealing.seal_checkpoint(svc, HOST)
    done, written = threading.Event(), threading.Semaphore(0)

    def churn() -> None:
        i = 0
        while not done.is_set():
            svc.events.update(Clip, clip, lambda c, i=i: c.record_view(f"v{i}", Context("budi")))
            if i % 3 == 0:
                sealing.seal_checkpoint(svc, HOST)
            written.release()
            i += 1

    worker = threading.Thread(target=churn)
    worker.start()
    results = []
    try:
        for _ in range(4):
            assert written.acquire(timeout=30)  # something new since the last round
            results.append(audit.verify(svc, HOST))
    finally:
        done.set()
        worker.join()
    assert [r["problems"] for r in results] == [[]] * 4
    assert results[-1]["events"] > results[0]["events"]


def test_only_auditors_and_admins_may_seal_prove_and_read_trails(
    archive: Archive, footage: Path
) -> None:
    from archive.audit import proofs
    from archive.custody import trail
    from archive.errors import Refused

    svc = archive.svc
    clip = flows.clip_in_case(svc, footage)["clip_id"]
    for who in ("sari", "ana"):
        cp = sealing.seal_checkpoint(svc, Context(who))
        assert proofs.inclusion(svc, Context(who), 0)["size"] == cp.size
        assert trail.trail(svc, Context(who), clip)["chain_intact"]
    for who in ("budi", "dodi"):
        with pytest.raises(Refused):
            sealing.seal_checkpoint(svc, Context(who))
        with pytest.raises(Refused):
            trail.trail(svc, Context(who), clip)
        with pytest.raises(Refused):
            audit.verify(svc, Context(who))

"""Every kind of tampering with a sealed, checkpointed log is caught and located by
`saksi audit verify`, on SQLite and PostgreSQL."""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from archive.audit import quick_pass as audit_sweep
from archive.sealing import seal as sealing
from archive.services import Services
from domain.base import Context
from domain.clip import Clip
from ledger import merkle
from ledger.chain import GENESIS, event_hash
from ledger.checkpoint import sign_checkpoint
from ledger.logcheck import CheckpointRow
from ledger.quick_pass import Doubt
from storage.ledger_tables import quick_pass_rows as sweep_rows
from storage.ledger_tables.merkle_store import MerkleStore
from tests.conftest import Archive
from tests.support import flows
from tests.support.principals import HOST


@dataclass
class Sealed:
    svc: Services
    clip: uuid.UUID
    first: Any  # the first checkpoint (covers the clip's ingest)
    second: Any  # the newest checkpoint (covers everything)


def view(svc: Services, clip: uuid.UUID, times: int) -> None:
    for i in range(times):
        svc.events.update(Clip, clip, lambda c, i=i: c.record_view(f"review {i}", Context("budi")))


@pytest.fixture
def sealed(archive: Archive, footage: Path) -> Sealed:
    svc = archive.svc
    clip = uuid.UUID(flows.clip_in_case(svc, footage)["clip_id"])
    view(svc, clip, 2)
    first = sealing.seal_checkpoint(svc, HOST)
    view(svc, clip, 3)
    second = sealing.seal_checkpoint(svc, HOST)
    assert second.size > first.size
    return Sealed(svc, clip, first, second)


def run(svc: Services, sql: str, params: tuple = ()) -> None:
    with svc.db.tx() as tx:
        assert tx.run(sql, params) >= 1, sql


def quick_pass(svc: Services, two_processes: bool) -> int:
    """The quick pass of `audit verify` alone: in one process, or split at a chunk of two
    leaves between this process and a worker."""
    with sweep_rows.shared_snapshot(svc.db) as shared:
        checkpoints = [
            CheckpointRow(c.id, c.size, c.root, c.note, c.last_position)
            for c in MerkleStore.checkpoints(shared.tx)
        ]
        return audit_sweep.sweep(
            shared,
            svc.db,
            svc.settings.event_store,
            checkpoints,
            sealing.key_string(svc),
            svc.settings.origin,
            split_min=0 if two_processes else 10**9,
            chunk_level=1,
        )


def problems(cli, svc: Services) -> list[dict]:  # type: ignore[no-untyped-def]
    """What `audit verify` names, once the quick pass has doubted in both of its shapes (so
    it never vouches for a log the locating passes find fault with)."""
    for two_processes in (False, True):
        with pytest.raises(Doubt):
            quick_pass(svc, two_processes)
    result = cli("audit", "verify", "--json")
    assert result.code == 1, result.out + result.err
    doc = result.json()
    assert doc["ok"] is False and doc["problems"]
    return doc["problems"]


def located(p: dict) -> tuple:
    return p["kind"], p["position"], p["originator_id"], p["version"]


def last_position(svc: Services, cp: Any) -> int:
    with svc.db.tx(write=False) as tx:
        row = tx.one("SELECT notification_id FROM ledger_leaves WHERE leaf_index=?", (cp.size - 1,))
    assert row is not None
    return int(row["notification_id"])


def test_an_untouched_sealed_log_verifies(sealed: Sealed, cli) -> None:  # type: ignore[no-untyped-def]
    assert quick_pass(sealed.svc, False) == quick_pass(sealed.svc, True) == sealed.second.size
    result = cli("audit", "verify", "--json")
    assert result.code == 0, result.out + result.err
    doc = result.json()
    assert doc["ok"] is True and doc["problems"] == []
    assert doc["checkpoints"] == 2 and doc["sealed"] == doc["events"] == sealed.second.size


@pytest.mark.parametrize("sealed_yet", [True, False], ids=["sealed", "after the checkpoint"])
def test_changed_state_bytes_are_located(sealed: Sealed, cli, sealed_yet: bool) -> None:  # type: ignore[no-untyped-def]
    svc, oid = sealed.svc, sealed.clip
    if not sealed_yet:  # the per-stream chain covers what the Merkle log has not sealed yet
        view(svc, oid, 2)
    row = flows.stream(svc, oid)[2 if sealed_yet else -2]
    forged = bytes(row["state"]).replace(b'"actor":"', b'"actor":"x', 1)
    run(
        svc,
        f"UPDATE {svc.db.events_table} SET state=? WHERE originator_id=? AND originator_version=?",
        (forged, svc.db.oid(oid), row["v"]),
    )
    assert located(problems(cli, svc)[0]) == ("modified", row["pos"], str(oid), row["v"])


def test_an_event_rewritten_with_its_link_is_caught_by_the_merkle_log(  # type: ignore[no-untyped-def]
    sealed: Sealed, cli
) -> None:
    # The last event of the stream and its chain link rewritten consistently: only its leaf
    # still holds the hash that was sealed.
    svc, oid = sealed.svc, sealed.clip
    row = flows.stream(svc, oid)[-1]
    state = bytes(row["state"]).replace(b'"actor":"', b'"actor":"x', 1)
    with svc.db.tx(write=False) as tx:
        prev = bytes(
            tx.one(
                "SELECT prev_hash FROM event_chain WHERE originator_id=? AND originator_version=?",
                (svc.db.oid(oid), row["v"]),
            )["prev_hash"]
        )
    run(
        svc,
        f"UPDATE {svc.db.events_table} SET state=? WHERE originator_id=? AND originator_version=?",
        (state, svc.db.oid(oid), row["v"]),
    )
    run(
        svc,
        "UPDATE event_chain SET hash=? WHERE originator_id=? AND originator_version=?",
        (event_hash(prev, oid, row["v"], row["topic"], state), svc.db.oid(oid), row["v"]),
    )
    [p] = problems(cli, svc)
    assert located(p) == ("modified", row["pos"], str(oid), row["v"])
    assert "sealed as leaf" in p["detail"]


def test_a_deleted_event_in_the_middle_of_a_stream_is_located(  # type: ignore[no-untyped-def]
    sealed: Sealed, cli
) -> None:
    svc, oid = sealed.svc, sealed.clip
    gone = flows.stream(svc, oid)[2]
    run(
        svc,
        f"DELETE FROM {svc.db.events_table} WHERE originator_id=? AND originator_version=?",
        (svc.db.oid(oid), gone["v"]),
    )
    found = problems(cli, svc)
    assert located(found[0]) == ("deleted", gone["pos"], str(oid), gone["v"])
    assert {p["kind"] for p in found} == {"deleted"}  # and the gap it left before v+1


def delete_last_event_and_link(svc: Services, oid: uuid.UUID) -> dict:
    gone = flows.stream(svc, oid)[-1]
    for table in (svc.db.events_table, "event_chain"):
        run(
            svc,
            f"DELETE FROM {table} WHERE originator_id=? AND originator_version=?",
            (svc.db.oid(oid), gone["v"]),
        )
    return gone


def test_a_deleted_event_at_the_end_of_a_stream_with_its_link_is_located(  # type: ignore[no-untyped-def]
    sealed: Sealed, cli
) -> None:
    # No gap in the stream and no orphan link: only the Merkle log remembers it.
    svc, oid = sealed.svc, sealed.clip
    gone = delete_last_event_and_link(svc, oid)
    [p] = problems(cli, svc)
    assert located(p) == ("deleted", gone["pos"], str(oid), gone["v"])


def test_an_unsealed_event_deleted_without_its_link_is_located(  # type: ignore[no-untyped-def]
    sealed: Sealed, cli
) -> None:
    # Not sealed yet and the last of its stream: only its chain link is left to tell.
    svc, oid = sealed.svc, sealed.clip
    view(svc, oid, 1)
    gone = flows.stream(svc, oid)[-1]
    run(
        svc,
        f"DELETE FROM {svc.db.events_table} WHERE originator_id=? AND originator_version=?",
        (svc.db.oid(oid), gone["v"]),
    )
    [p] = problems(cli, svc)
    assert located(p) == ("deleted", gone["pos"], str(oid), gone["v"])


def test_a_stored_node_beyond_the_tree_is_located(sealed: Sealed, cli) -> None:  # type: ignore[no-untyped-def]
    svc = sealed.svc
    beyond = sealed.second.size  # level 1 holds nodes 0..size/2-1
    run(svc, "INSERT INTO ledger_nodes VALUES (1, ?, ?)", (beyond, bytes(32)))
    [p] = problems(cli, svc)  # named once
    assert p["kind"] == "node" and f"node 1/{beyond}" in p["detail"]


def test_two_swapped_events_are_located(sealed: Sealed, cli) -> None:  # type: ignore[no-untyped-def]
    svc, oid = sealed.svc, sealed.clip
    a, b = flows.stream(svc, oid)[1:3]
    for row, other in ((a, b), (b, a)):
        run(
            svc,
            f"UPDATE {svc.db.events_table} SET topic=?, state=? WHERE originator_id=? "
            "AND originator_version=?",
            (other["topic"], bytes(other["state"]), svc.db.oid(oid), row["v"]),
        )
    found = problems(cli, svc)
    assert located(found[0]) == ("reordered", a["pos"], str(oid), a["v"])
    assert {located(p) for p in found} == {
        ("reordered", a["pos"], str(oid), a["v"]),
        ("reordered", b["pos"], str(oid), b["v"]),
    }


def insert_forged_stream(svc: Services, position: int) -> uuid.UUID:
    """A whole new stream, correctly chained, slipped into the log at `position`."""
    oid, topic, state = uuid.uuid4(), "domain.clip:Clip.ClipViewed", b'{"reason":"forged"}'
    h = event_hash(GENESIS, oid, 1, topic, state)
    nid = "rowid" if svc.db.dialect == "sqlite" else "notification_id"
    run(
        svc,
        f"INSERT INTO {svc.db.events_table} ({nid}, originator_id, originator_version, topic, "
        "state) VALUES (?,?,1,?,?)",
        (position, svc.db.oid(oid), topic, state),
    )
    run(svc, "INSERT INTO event_chain VALUES (?,?,1,?,?)", (position, svc.db.oid(oid), GENESIS, h))
    return oid


def test_an_inserted_event_is_located(sealed: Sealed, cli) -> None:  # type: ignore[no-untyped-def]
    # Its chain is perfect; but the sealed log has no leaf at its place.
    oid = insert_forged_stream(sealed.svc, 0)
    [p] = problems(cli, sealed.svc)
    assert located(p) == ("inserted", 0, str(oid), 1)


def test_an_event_inserted_into_a_gap_of_the_notification_log_is_located(
    tmp_path: Path, pg_database: str, footage: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # PostgreSQL leaves gaps where a transaction rolled back; a forger can fill one.
    from archive.accounts import users
    from archive.audit import verify as audit
    from archive.bootstrap import bootstrap
    from archive.settings import Settings
    from tests.conftest import event_store_url

    home = tmp_path / "home"
    svc = bootstrap(
        Settings(
            home=home,
            event_store=event_store_url("postgres", tmp_path, pg_database),
            object_store=f"file://{home}/o",
            signing_key=home / "k",
        ),
        create_database=True,
    )
    try:
        users.init_archive(svc, HOST, "ana")
        with svc.db.tx() as tx:  # a rolled-back append: the sequence moves on
            seq = f"pg_get_serial_sequence('{svc.db.events_table}', 'notification_id')"
            tx.run(f"SELECT nextval({seq})")
        users.add_user(svc, Context("ana"), "sari", "auditor")
        sealing.seal_checkpoint(svc, HOST)
        with svc.db.tx(write=False) as tx:
            positions = [
                r["notification_id"]
                for r in tx.all("SELECT notification_id FROM ledger_leaves ORDER BY 1")
            ]
        gap = next(p + 1 for p, q in itertools.pairwise(positions) if q != p + 1)
        oid = insert_forged_stream(svc, gap)
        for two_processes in (False, True):
            with pytest.raises(Doubt):
                quick_pass(svc, two_processes)
        result = audit.verify(svc, HOST)
        assert [located(p) for p in result["problems"]] == [("inserted", gap, str(oid), 1)]
    finally:
        svc.close()


def test_truncating_the_newest_events_with_their_leaves_and_nodes_is_caught(  # type: ignore[no-untyped-def]
    sealed: Sealed, cli
) -> None:
    svc = sealed.svc
    keep = sealed.first.size  # drop everything sealed after the first checkpoint
    cut = last_position(svc, sealed.first)
    nid = "rowid" if svc.db.dialect == "sqlite" else "notification_id"
    run(svc, f"DELETE FROM {svc.db.events_table} WHERE {nid} > ?", (cut,))
    run(svc, "DELETE FROM event_chain WHERE notification_id > ?", (cut,))
    run(svc, "DELETE FROM ledger_leaves WHERE leaf_index >= ?", (keep,))
    with svc.db.tx() as tx:
        for level in range(1, 20):
            tx.run("DELETE FROM ledger_nodes WHERE level=? AND idx >= ?", (level, keep >> level))
    [p] = problems(cli, svc)
    assert (p["kind"], p["position"]) == ("truncated", cut + 1)
    assert f"size {sealed.second.size}" in p["detail"]


def test_an_altered_tree_node_is_located(sealed: Sealed, cli) -> None:  # type: ignore[no-untyped-def]
    svc = sealed.svc
    run(svc, "UPDATE ledger_nodes SET hash=? WHERE level=1 AND idx=3", (bytes(32),))
    with svc.db.tx(write=False) as tx:
        first_leaf = tx.one("SELECT notification_id FROM ledger_leaves WHERE leaf_index=6")
    [p] = problems(cli, svc)
    assert (p["kind"], p["position"]) == ("node", first_leaf["notification_id"])
    assert "node 1/3" in p["detail"]


def test_a_checkpoint_with_a_forged_signature_is_located(  # type: ignore[no-untyped-def]
    sealed: Sealed, cli
) -> None:
    svc, cp = sealed.svc, sealed.first
    forged = sign_checkpoint(svc.settings.origin, cp.size, cp.root, Ed25519PrivateKey.generate())
    run(svc, "UPDATE ledger_checkpoints SET note=? WHERE tree_size=?", (forged.note, cp.size))
    [p] = problems(cli, svc)
    assert (p["kind"], p["position"]) == ("signature", last_position(svc, cp))
    assert "#1" in p["detail"]


def test_a_checkpoint_replaced_by_one_of_another_tree_is_located(  # type: ignore[no-untyped-def]
    sealed: Sealed, cli
) -> None:
    # Validly signed (the key is ours) but over a different history of the same size.
    svc, cp = sealed.svc, sealed.second
    other_root = merkle.subtree_root([merkle.hash_leaf(bytes([i])) for i in range(cp.size)])
    replaced = sign_checkpoint(svc.settings.origin, cp.size, other_root, svc.signing.private())
    run(
        svc,
        "UPDATE ledger_checkpoints SET note=?, root=? WHERE tree_size=?",
        (replaced.note, other_root, cp.size),
    )
    [p] = problems(cli, svc)
    assert (p["kind"], p["position"]) == ("root", last_position(svc, sealed.first) + 1)
    assert "#2" in p["detail"]


def test_the_log_pass_in_a_second_process_reports_the_same(sealed: Sealed) -> None:
    # On PostgreSQL a large log is checked by two processes sharing one snapshot.
    from archive.audit import verify as audit

    svc, oid = sealed.svc, sealed.clip
    delete_last_event_and_link(svc, oid)
    run(svc, "UPDATE ledger_nodes SET hash=? WHERE level=1 AND idx=2", (bytes(32),))
    alone = audit.verify(svc, HOST, parallel_min=10**9)
    split = audit.verify(svc, HOST, parallel_min=0)
    assert split == alone
    assert {p["kind"] for p in split["problems"]} == {"deleted", "node"}

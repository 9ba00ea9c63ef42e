"""The ledger through the command line, checked the way an outside auditor would: with the
offline verifier and nothing but the printed checkpoint, key and proofs."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from domain.base import Context
from domain.clip import Clip
from ledger import merkle
from ledger.verify_offline import (
    StoredEvent,
    check_consistency,
    check_event_in_log,
    open_checkpoint,
)
from tests.conftest import Archive
from tests.support import flows


def hexes(values: list[str]) -> list[bytes]:
    return [bytes.fromhex(v) for v in values]


def test_a_printed_checkpoint_verifies_with_the_printed_key(archive: Archive, cli) -> None:  # type: ignore[no-untyped-def]
    note = cli("audit", "checkpoint")
    key = cli("audit", "key")
    assert note.code == key.code == 0, note.err + key.err
    assert key.out.strip().startswith("saksi.local/archive+")
    cp = open_checkpoint(note.out, key.out.strip(), origin="saksi.local/archive")
    assert cp.size == flows.event_count(archive.svc)
    assert note.out.splitlines()[3] == ""
    assert note.out.splitlines()[4].startswith("— saksi.local/archive ")


def test_an_event_of_a_clip_is_proven_in_the_log_from_printed_output_alone(  # type: ignore[no-untyped-def]
    archive: Archive, footage: Path, cli
) -> None:
    clip = flows.clip_in_case(archive.svc, footage)
    note = cli("audit", "checkpoint").out
    key = cli("audit", "key").out.strip()
    trail = cli("audit", "trail", clip["clip_id"], "--json")
    assert trail.code == 0, trail.err
    first = trail.json()["events"][0]
    proof = cli("audit", "proof", "--index", str(first["leaf_index"]), "--json").json()
    assert proof["checkpoint"] == note
    # What a court gets: the event as stored, its link, the proof, the note and the key.
    row = flows.stream(archive.svc, uuid.UUID(clip["clip_id"]))[0]
    event = StoredEvent(
        uuid.UUID(clip["clip_id"]),
        1,
        row["topic"],
        bytes(row["state"]),
        bytes.fromhex(first["prev_hash"]),
        bytes.fromhex(first["hash"]),
    )
    cp = check_event_in_log(event, proof["index"], hexes(proof["proof"]), note, key)
    assert proof["root"] == cp.root.hex() and proof["size"] == cp.size
    assert proof["leaf_hash"] == merkle.hash_leaf(event.hash).hex()


def test_two_checkpoints_are_proven_consistent(archive: Archive, cli) -> None:  # type: ignore[no-untyped-def]
    key = cli("audit", "key").out.strip()
    old = open_checkpoint(cli("audit", "checkpoint").out, key)
    flows.camera(archive.svc)
    new = open_checkpoint(cli("audit", "checkpoint").out, key)
    result = cli("audit", "consistency", "--from", str(old.size), "--to", str(new.size), "--json")
    doc = result.json()
    assert (doc["from"], doc["to"], doc["old_root"], doc["new_root"]) == (
        old.size,
        new.size,
        old.root.hex(),
        new.root.hex(),
    )
    check_consistency(old, new, hexes(doc["proof"]))


def test_proofs_outside_the_sealed_log_are_refused_with_exit_2(archive: Archive, cli) -> None:  # type: ignore[no-untyped-def]
    cli("audit", "checkpoint")
    for args in (
        ("proof", "--index", "999"),
        ("proof", "--index", "0", "--size", "999"),
        ("consistency", "--from", "3", "--to", "2"),
    ):
        result = cli("audit", *args)
        assert result.code == 2 and result.err.startswith("error: "), args


def test_a_trail_lists_every_custody_event_in_order_with_its_chain(  # type: ignore[no-untyped-def]
    archive: Archive, footage: Path, cli, tmp_path: Path
) -> None:
    svc = archive.svc
    clip = flows.clip_in_case(svc, footage)
    oid = uuid.UUID(clip["clip_id"])
    svc.events.update(Clip, oid, lambda c: c.record_view("check the plate", Context("budi")))
    report = tmp_path / "trail.html"
    result = cli("audit", "trail", clip["clip_id"], "--json", "--html", str(report))
    assert result.code == 0, result.err
    doc = result.json()
    events = doc["events"]
    assert doc["clip_id"] == clip["clip_id"] and doc["chain_intact"] is True
    assert events[0]["type"] == "ClipIngested" and events[-1]["type"] == "ClipViewed"
    assert events[-1]["reason"] == "check the plate" and events[-1]["actor"] == "budi"
    assert [e["position"] for e in events] == [r["pos"] for r in flows.stream(svc, oid)]
    assert all(e["hash"] and e["at"] and e["chain_ok"] for e in events)
    assert [e["prev_hash"] for e in events[1:]] == [e["hash"] for e in events[:-1]]
    assert clip["clip_id"] in report.read_text() and "ClipViewed" in report.read_text()
    assert cli("audit", "trail", str(uuid.uuid4())).code == 2


def test_replay_shows_the_archive_as_it_was(archive: Archive, footage: Path, cli) -> None:  # type: ignore[no-untyped-def]
    before = (datetime.now(UTC) - timedelta(milliseconds=1)).isoformat()
    clip = flows.clip_in_case(archive.svc, footage)
    then = cli("audit", "replay", "--until", before, "--json").json()
    now = cli("audit", "replay", "--json").json()
    assert then["clips"] == {"active": 0, "purged": 0} and then["cases"]["open"] == 0
    assert then["users"] == 5  # the fixture's users came first
    assert now["clips"] == {"active": 1, "purged": 0} and now["cases"]["open"] == 1
    assert [c["clip_id"] for c in now["clip_list"]] == [clip["clip_id"]]
    assert now["clip_list"][0]["case_ids"] == ["R-2026-0001"]
    rebuilt = cli("audit", "replay", "--rebuild", "--json")
    assert rebuilt.code == 0 and rebuilt.json()["rebuilt_events"] == now["events"]
    assert cli("clip", "show", clip["clip_id"], "--json").json()["sha256"] == clip["sha256"]


def test_verify_checks_checkpoints_with_the_auditors_own_copy_of_the_key(  # type: ignore[no-untyped-def]
    archive: Archive, cli
) -> None:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from ledger.checkpoint import verifier_key

    key = cli("audit", "key").out.strip()
    cli("audit", "checkpoint")
    assert cli("audit", "verify", "--key", key).code == 0
    # Somebody swapped the key file and re-signed: the auditor's key exposes it.
    other = verifier_key("saksi.local/archive", Ed25519PrivateKey.generate().public_key())
    result = cli("audit", "verify", "--key", other, "--json")
    assert result.code == 1
    assert [p["kind"] for p in result.json()["problems"]] == ["signature"]
    assert cli("audit", "verify", "--key", "nonsense").code == 2

"""The ledger, retention and hold routes: what auditors and admins do over HTTP."""

from __future__ import annotations

from typing import Any

from ledger.checkpoint import parse_verifier_key, verify_checkpoint
from ledger.merkle import hash_leaf, verify_inclusion
from tests.e2e.conftest import Api


def test_an_auditor_reads_a_trail_seals_and_proves_inclusion(
    api: Api, case_clip: dict[str, Any]
) -> None:
    trail = api.get(f"/api/audit/trail/{case_clip['clip_id']}", "sari")
    assert trail.status_code == 200, trail.text
    events = trail.json()["events"]
    assert events[0]["type"] == "ClipIngested" and all(e["hash"] for e in events)

    assert api.get("/api/audit/checkpoint", "sari").status_code == 404  # none sealed yet
    sealed = api.post("/api/audit/checkpoint", "sari")
    assert sealed.status_code == 200, sealed.text
    cp = sealed.json()
    assert api.get("/api/audit/checkpoint", "ana").json()["note"] == cp["note"]
    verifier = parse_verifier_key(cp["key"])
    checked = verify_checkpoint(cp["note"], verifier)
    assert checked.size == cp["size"] and checked.root.hex() == cp["root"]

    proof = api.get(f"/api/audit/proof?index=0&size={cp['size']}", "sari").json()
    assert proof["root"] == cp["root"]
    verify_inclusion(  # raises unless the proof leads to the signed root
        0,
        cp["size"],
        bytes.fromhex(proof["leaf_hash"]),
        [bytes.fromhex(p) for p in proof["proof"]],
        bytes.fromhex(cp["root"]),
    )
    assert proof["leaf_hash"] == hash_leaf(bytes.fromhex(proof["event_hash"])).hex()
    older = api.get(f"/api/audit/consistency?from=1&to={cp['size']}", "ana")
    assert older.status_code == 200 and older.json()["to"] == cp["size"]
    assert api.get(f"/api/audit/proof?index={cp['size']}", "sari").status_code == 422


def test_an_admin_shortens_a_policy_and_sees_what_falls_due(
    api: Api, case_clip: dict[str, Any]
) -> None:
    policies = api.get("/api/retention/policies", "budi").json()["policies"]
    assert {p["retention_class"] for p in policies} == {"report", "incident", "investigation"}
    changed = api.put(
        "/api/retention/policies/incident", "ana", json={"keep": "P30D", "reason": "pilot"}
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["keep"] == "P30D"
    assert api.get("/api/retention/policies/incident", "sari").json()["keep_seconds"] == 30 * 86400
    due = api.get("/api/retention/due?within=P36500D", "ana")
    assert due.status_code == 200, due.text
    assert isinstance(due.json()["clips"], list)
    assert (
        api.put("/api/retention/policies/report", "ana", json={"keep": "soon"}).status_code == 422
    )
    assert (
        api.put("/api/retention/policies/forever", "ana", json={"keep": "P1D"}).status_code == 422
    )


def test_holds_are_placed_by_members_and_released_by_admins(
    api: Api, case_clip: dict[str, Any]
) -> None:
    clip_id = case_clip["clip_id"]
    placed = api.post("/api/holds", "budi", json={"clip_id": clip_id, "reason": "court order"})
    assert placed.status_code == 201, placed.text
    assert placed.json()["hold_id"] == f"clip:{clip_id}" and placed.json()["legal_hold"] is True
    assert api.get(f"/api/clips/{clip_id}", "budi").json()["legal_hold"] is True
    released = api.delete(f"/api/holds/clip:{clip_id}?reason=appeal ended", "ana")
    assert released.status_code == 200, released.text
    assert api.get(f"/api/clips/{clip_id}", "budi").json()["legal_hold"] is False
    both = api.post(
        "/api/holds", "ana", json={"clip_id": clip_id, "case_id": "R-2026-0001", "reason": "x"}
    )
    assert both.status_code == 422

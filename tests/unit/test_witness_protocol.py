"""Cosignatures (C2SP tlog-cosignature v1) and the witness's decision (C2SP tlog-witness),
against the specs' examples and other implementations' published vectors
(tests/assets/witness/vectors.json names each source)."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger import merkle
from ledger.checkpoint import parse_verifier_key, sign_checkpoint, split_note, verifier_key
from ledger.cosignature import (
    CosignatureError,
    check_cosignatures,
    cosign,
    cosignature_message,
    cosignature_time,
    cosigner_key,
    parse_cosigner_key,
    with_cosignatures,
)
from ledger.witness import (
    Latest,
    Refusal,
    add_checkpoint_body,
    decide,
    parse_add_checkpoint,
)

V = json.loads((Path(__file__).parents[1] / "assets" / "witness" / "vectors.json").read_text())
ORIGIN = "saksi.test/log"
LOG_KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
LOGS = {ORIGIN: [parse_verifier_key(verifier_key(ORIGIN, LOG_KEY.public_key()))]}
LEAVES = [merkle.hash_leaf(bytes([i])) for i in range(20)]
FORKED = [merkle.hash_leaf(bytes([i + 100])) for i in range(20)]


def note(size: int, leaves: list[bytes] = LEAVES) -> str:
    return sign_checkpoint(ORIGIN, size, merkle.subtree_root(leaves[:size]), LOG_KEY).note


def proof(old: int, new: int, leaves: list[bytes] = LEAVES) -> list[bytes]:
    return merkle.consistency_proof(old, new, merkle.memory_source(leaves))


def latest(size: int, leaves: list[bytes] = LEAVES) -> Latest:
    return Latest(size, merkle.subtree_root(leaves[:size]), note(size, leaves))


def request(old: int, size: int, leaves: list[bytes] = LEAVES, p: list[bytes] | None = None):  # type: ignore[no-untyped-def]
    body = add_checkpoint_body(
        old, proof(old, size, leaves) if p is None else p, note(size, leaves)
    )
    return parse_add_checkpoint(body)


# --- vectors -------------------------------------------------------------------------------


def test_the_spec_example_request_parses() -> None:
    req = parse_add_checkpoint(V["c2sp_witness_request"].encode())
    assert req.old_size == 20852014 and len(req.proof) == 4
    assert req.note.startswith("example.com/behind-the-sofa\n20852163\n")
    assert len(split_note(req.note)[1]) == 2


def test_our_request_body_is_the_spec_layout() -> None:
    req = parse_add_checkpoint(V["c2sp_witness_request"].encode())
    assert (
        add_checkpoint_body(req.old_size, req.proof, req.note).decode() == V["c2sp_witness_request"]
    )


def test_the_spec_example_cosignature_states_its_time() -> None:
    _, sigs = split_note(V["c2sp_cosigned_checkpoint"])
    assert sigs[1].name == "witness.example.com/w1"
    assert cosignature_time(sigs[1].signature) == V["c2sp_cosignature_time"]


def test_the_time_go_reads_from_a_cosignature_is_ours() -> None:
    blob = base64.b64decode(V["formats_signature_base64"])
    assert cosignature_time(blob[4:]) == V["formats_signature_time"]


def test_cosigner_keys_go_accepts_we_accept_and_those_it_refuses_we_refuse() -> None:
    for text in V["formats_cosigner_keys_valid"]:
        c = parse_cosigner_key(text)
        assert c.name == text.split("+")[0]
    for text in V["formats_cosigner_keys_invalid"]:
        with pytest.raises(CosignatureError):
            parse_cosigner_key(text)


def test_a_checkpoint_signed_by_sigsum_is_accepted_by_our_witness() -> None:
    # litewitness answers this request (a Sigsum log's checkpoint) with 200: so does ours.
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    pub = Ed25519PublicKey.from_public_bytes(bytes.fromhex(V["litewitness_log_public_key_hex"]))
    origin = V["litewitness_log_origin"]
    logs = {origin: [parse_verifier_key(verifier_key(origin, pub))]}
    cp = decide(parse_add_checkpoint(V["litewitness_request"].encode()), logs, None)
    assert (cp.origin, cp.size) == (origin, 1)


# --- cosignatures --------------------------------------------------------------------------


def test_a_cosignature_verifies_over_the_whole_body_and_states_its_time() -> None:
    witness = Ed25519PrivateKey.generate()
    c = parse_cosigner_key(cosigner_key("w.test/1", witness.public_key()))
    n = note(5)
    body = split_note(n)[0]
    line = cosign(body, "w.test/1", witness, 1_700_000_000)
    assert line.startswith("— w.test/1 ")
    blob = base64.b64decode(line.split()[-1])
    assert len(blob) == 76 and blob[:4] == c.key_hash
    witness.public_key().verify(blob[12:], cosignature_message(body, 1_700_000_000))
    found = check_cosignatures(with_cosignatures(n, [line]), [c])
    assert [x.timestamp for x in found.valid] == [1_700_000_000] and not found.invalid
    # Moved onto another checkpoint, it no longer verifies.
    moved = check_cosignatures(with_cosignatures(note(6), [line]), [c])
    assert not moved.valid and "does not verify" in moved.invalid[0]


def test_the_key_id_commits_to_the_cosignature_type() -> None:
    witness = Ed25519PrivateKey.generate()
    as_note_key = parse_verifier_key(verifier_key("w.test/1", witness.public_key()))
    as_cosigner = parse_cosigner_key(cosigner_key("w.test/1", witness.public_key()))
    assert as_note_key.key_hash != as_cosigner.key_hash  # 0x01 vs 0x04
    # A 0x01 key string for the same key is read as the cosigner's (as Go's formats does).
    same = parse_cosigner_key(verifier_key("w.test/1", witness.public_key()))
    assert same.key_hash == as_cosigner.key_hash


# --- the witness's decision, in the spec's order --------------------------------------------


def test_the_first_checkpoint_is_accepted_from_size_zero() -> None:
    assert decide(request(0, 5), LOGS, None).size == 5


def test_a_consistent_larger_checkpoint_is_accepted() -> None:
    assert decide(request(5, 12), LOGS, latest(5)).size == 12


@pytest.mark.parametrize(
    ("case", "status", "kind"),
    [
        ("unknown origin", 404, "unknown_log"),
        ("signed by another key", 403, "bad_signature"),
        ("old size above the size", 400, "bad_request"),
        ("old size not the witness's", 409, "conflict"),
        ("smaller than the latest", 400, "bad_request"),
        ("another history", 422, "inconsistent"),
        ("same size, another root", 422, "inconsistent"),
        ("a proof from zero", 422, "inconsistent"),
        ("a bad proof", 422, "inconsistent"),
    ],
)
def test_refusals(case: str, status: int, kind: str) -> None:
    have: Latest | None = latest(8)
    if case == "unknown origin":
        req, logs = request(8, 12), {"other/log": LOGS[ORIGIN]}
    elif case == "signed by another key":
        other = sign_checkpoint(
            ORIGIN, 12, merkle.subtree_root(LEAVES[:12]), Ed25519PrivateKey.generate()
        )
        req, logs = parse_add_checkpoint(add_checkpoint_body(8, proof(8, 12), other.note)), LOGS
    elif case == "old size above the size":
        req, logs = parse_add_checkpoint(add_checkpoint_body(13, [], note(12))), LOGS
    elif case == "old size not the witness's":
        req, logs = request(5, 12), LOGS
    elif case == "smaller than the latest":
        req, logs = parse_add_checkpoint(add_checkpoint_body(8, [], note(6))), LOGS
    elif case == "another history":
        req, logs = request(8, 12, FORKED), LOGS
    elif case == "same size, another root":
        req, logs = request(8, 8, FORKED), LOGS
    elif case == "a proof from zero":
        req, logs, have = request(0, 8, p=proof(4, 8)), LOGS, None
    else:
        req, logs = request(8, 12, p=proof(8, 12)[:-1]), LOGS
    with pytest.raises(Refusal) as refused:
        decide(req, logs, have)
    assert (refused.value.status, refused.value.kind) == (status, kind)
    if status == 409:
        assert refused.value.size == 8


def test_malformed_requests_are_400() -> None:
    for body in (
        b"old 01\n\n" + note(3).encode(),
        b"old 3\n" + note(3).encode(),
        b"new 3\n\n" + note(3).encode(),
        b"old 0\nnot base64!\n\n" + note(3).encode(),
        b"old 0\n" + b"".join(base64.b64encode(bytes(32)) + b"\n" for _ in range(64)) + b"\n",
    ):
        with pytest.raises(Refusal) as refused:
            parse_add_checkpoint(body)
        assert refused.value.status == 400

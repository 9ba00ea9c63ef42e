"""Signed notes and checkpoints (C2SP signed-note, tlog-checkpoint), against Go's sumdb/note.

Vectors: golang/mod `sumdb/note/note_test.go` (tests/assets/signed_note/golang_mod_note.json).
Ed25519 signatures are deterministic, so signing the same text with the same key must give
the same bytes as Go's implementation.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger.checkpoint import (
    CheckpointError,
    checkpoint_body,
    open_note,
    parse_verifier_key,
    sign_checkpoint,
    sign_note,
    verifier_key,
    verify_checkpoint,
)

NOTE = json.loads(
    (Path(__file__).parents[1] / "assets" / "signed_note" / "golang_mod_note.json").read_text()
)


def go_signer() -> tuple[str, Ed25519PrivateKey]:
    """Go's signer key string: PRIVATE+KEY+name+hash+base64(0x01 ‖ seed)."""
    _, _, name, _, b64 = NOTE["signer_key"].split("+", 4)
    raw = base64.b64decode(b64)
    return name, Ed25519PrivateKey.from_private_bytes(raw[1:])


def test_our_signature_is_byte_for_byte_the_one_go_makes() -> None:
    name, key = go_signer()
    assert sign_note(NOTE["text"], name, key) == NOTE["signed"]


def test_our_verifier_key_string_is_the_one_go_derives() -> None:
    name, key = go_signer()
    assert verifier_key(name, key.public_key()) == NOTE["verifier_key"]


def test_a_note_signed_by_go_opens_with_its_verifier_key() -> None:
    assert open_note(NOTE["signed"], parse_verifier_key(NOTE["verifier_key"])) == NOTE["text"]


def test_a_witness_signature_next_to_ours_is_ignored_not_refused() -> None:
    both = NOTE["signed"] + NOTE["other_signature_line"]
    assert open_note(both, parse_verifier_key(NOTE["verifier_key"])) == NOTE["text"]


def test_a_note_without_our_signature_is_refused() -> None:
    with pytest.raises(CheckpointError, match="no signature"):
        open_note(NOTE["signed"], parse_verifier_key(NOTE["other_verifier_key"]))


@pytest.mark.parametrize(
    "mangle",
    [
        lambda s: s.replace("problem,", "problem;"),  # altered text
        lambda s: s.replace("x08go", "x08gp"),  # altered signature
        lambda s: s[:-1],  # no final newline
        lambda s: s.replace("\n\n", "\n"),  # no blank line
        lambda s: s.replace("— ", "- "),  # not an em dash
    ],
)
def test_any_change_to_a_signed_note_is_refused(mangle) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(CheckpointError):
        open_note(mangle(NOTE["signed"]), parse_verifier_key(NOTE["verifier_key"]))


def test_a_verifier_key_whose_hash_does_not_match_is_refused() -> None:
    name, hash_hex, key = NOTE["verifier_key"].split("+", 2)
    with pytest.raises(CheckpointError):
        parse_verifier_key(f"{name}+{'00000000'}+{key}")
    with pytest.raises(CheckpointError):
        parse_verifier_key(f"Other+{hash_hex}+{key}")


def test_a_checkpoint_round_trips_and_names_its_origin() -> None:
    key = Ed25519PrivateKey.generate()
    root = bytes(range(32))
    cp = sign_checkpoint("saksi.local/archive", 42, root, key)
    assert cp.note.startswith(checkpoint_body("saksi.local/archive", 42, root) + "\n— ")
    assert cp.body() == "saksi.local/archive\n42\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n"
    verifier = parse_verifier_key(verifier_key("saksi.local/archive", key.public_key()))
    opened = verify_checkpoint(cp.note, verifier, origin="saksi.local/archive")
    assert (opened.size, opened.root) == (42, root)
    with pytest.raises(CheckpointError, match="origin"):
        verify_checkpoint(cp.note, verifier, origin="elsewhere")


def test_a_checkpoint_signed_by_another_key_with_our_name_is_refused() -> None:
    ours, theirs = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    forged = sign_checkpoint("saksi.local/archive", 1, bytes(32), theirs)
    verifier = parse_verifier_key(verifier_key("saksi.local/archive", ours.public_key()))
    with pytest.raises(CheckpointError):
        verify_checkpoint(forged.note, verifier)


@pytest.mark.parametrize("size", ["-1", "01", "1e3", ""])
def test_a_checkpoint_size_must_be_a_plain_decimal(size: str) -> None:
    key = Ed25519PrivateKey.generate()
    body = f"o\n{size}\n{base64.b64encode(bytes(32)).decode()}\n"
    with pytest.raises(CheckpointError):
        note = sign_note(body, "o", key)
        verify_checkpoint(note, parse_verifier_key(verifier_key("o", key.public_key())))

"""What a court runs without the archive: one event, its chain link, its inclusion proof and a
signed checkpoint, checked with nothing but the standard library and `cryptography`.

Each function raises `VerificationError` naming what failed (expected vs calculated).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID

from ledger.chain import GENESIS, event_hash
from ledger.checkpoint import (
    Checkpoint,
    CheckpointError,
    parse_verifier_key,
    verify_checkpoint,
)
from ledger.merkle import ProofError, hash_leaf, verify_consistency, verify_inclusion


class VerificationError(Exception):
    """Evidence does not verify."""


@dataclass(frozen=True)
class StoredEvent:
    """An event as stored, with the chain link recorded for it."""

    originator_id: UUID
    version: int
    topic: str
    state: bytes
    prev_hash: bytes
    hash: bytes


def check_event(event: StoredEvent) -> bytes:
    """The event's bytes hash to its recorded chain hash; returns that hash."""
    calculated = event_hash(
        event.prev_hash, event.originator_id, event.version, event.topic, event.state
    )
    if calculated != event.hash:
        raise VerificationError(
            f"event {event.originator_id} v{event.version}: recorded hash {event.hash.hex()}, "
            f"its bytes hash to {calculated.hex()}"
        )
    return calculated


def check_stream(events: Sequence[StoredEvent]) -> None:
    """A whole stream from version 1: each event links to the one before it."""
    prev = GENESIS
    for expected_version, e in enumerate(events, start=1):
        if e.version != expected_version:
            raise VerificationError(
                f"stream {e.originator_id}: version {e.version} where {expected_version} belongs"
            )
        if e.prev_hash != prev:
            raise VerificationError(
                f"event {e.originator_id} v{e.version}: prev_hash {e.prev_hash.hex()}, "
                f"the previous event's hash is {prev.hex()}"
            )
        prev = check_event(e)


def open_checkpoint(note: str, verifier_key: str, origin: str | None = None) -> Checkpoint:
    """The signed checkpoint, if the verifier key's signature on it holds."""
    try:
        return verify_checkpoint(note, parse_verifier_key(verifier_key), origin)
    except CheckpointError as e:
        raise VerificationError(f"checkpoint: {e}") from None


def check_inclusion(
    event_hash_: bytes, leaf_index: int, proof: Sequence[bytes], checkpoint: Checkpoint
) -> None:
    """The event hash is leaf `leaf_index` of the checkpointed tree (RFC 9162 §2.1.3.2)."""
    try:
        verify_inclusion(
            leaf_index, checkpoint.size, hash_leaf(event_hash_), proof, checkpoint.root
        )
    except ProofError as e:
        raise VerificationError(f"inclusion of leaf {leaf_index}: {e}") from None


def check_consistency(old: Checkpoint, new: Checkpoint, proof: Sequence[bytes]) -> None:
    """The older checkpoint's tree is a prefix of the newer one's (RFC 9162 §2.1.4.2)."""
    try:
        verify_consistency(old.size, new.size, old.root, new.root, proof)
    except ProofError as e:
        raise VerificationError(f"consistency {old.size} -> {new.size}: {e}") from None


def check_event_in_log(
    event: StoredEvent,
    leaf_index: int,
    proof: Sequence[bytes],
    checkpoint_note: str,
    verifier_key: str,
) -> Checkpoint:
    """All three at once: bytes → chain hash → leaf → signed root."""
    checkpoint = open_checkpoint(checkpoint_note, verifier_key)
    check_inclusion(check_event(event), leaf_index, proof, checkpoint)
    return checkpoint

"""Per-stream hash chain over stored events (see docs/ledger.md, "Event hash").

hash = SHA-256( "SAKSI-EVENT-1" ‖ prev_hash ‖ originator_id (16 bytes) ‖ version (u64 BE)
                ‖ len(topic) (u32 BE) ‖ topic (UTF-8) ‖ len(state) (u32 BE) ‖ state )

The first event of a stream chains from 32 zero bytes. `state` is the stored bytes, so a
verifier needs neither Saksi's classes nor its keys; the event timestamp is a field of it.
"""

from __future__ import annotations

import hashlib
import struct
from uuid import UUID

DOMAIN_TAG = b"SAKSI-EVENT-1"
GENESIS = bytes(32)


def canonical_bytes(
    prev_hash: bytes, originator_id: UUID, version: int, topic: str, state: bytes
) -> bytes:
    if len(prev_hash) != 32:
        raise ValueError("prev_hash must be 32 bytes")
    topic_bytes = topic.encode("utf-8")
    return b"".join(
        (
            DOMAIN_TAG,
            prev_hash,
            originator_id.bytes,
            struct.pack(">Q", version),
            struct.pack(">I", len(topic_bytes)),
            topic_bytes,
            struct.pack(">I", len(state)),
            state,
        )
    )


def event_hash(
    prev_hash: bytes, originator_id: UUID, version: int, topic: str, state: bytes
) -> bytes:
    return hashlib.sha256(canonical_bytes(prev_hash, originator_id, version, topic, state)).digest()


def topic_field(topic: str) -> bytes:
    """len(topic) (u32 BE) ‖ topic (UTF-8): the topic as it enters the canonical bytes."""
    encoded = topic.encode("utf-8")
    return struct.pack(">I", len(encoded)) + encoded


def raw_event_hash(
    prev_hash: bytes, originator_id: bytes, version: int, topic: bytes, state: bytes
) -> bytes:
    """`event_hash` for verifiers that stream millions of rows: the originator id as its 16
    bytes and the topic already as `topic_field(topic)`. Same bytes, same hash."""
    return hashlib.sha256(
        b"".join(
            (
                DOMAIN_TAG,
                prev_hash,
                originator_id,
                version.to_bytes(8, "big"),
                topic,
                len(state).to_bytes(4, "big"),
                state,
            )
        )
    ).digest()

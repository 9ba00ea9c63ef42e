"""The canonical event bytes and hash, rebuilt here from docs/ledger.md's description."""

import hashlib
import uuid

from ledger.chain import GENESIS, canonical_bytes, event_hash

OID = uuid.UUID("6f1c5e2a-8d3b-4c7e-9a1f-2b3c4d5e6f70")


def test_canonical_bytes_follow_the_documented_layout() -> None:
    topic, state = "domain.clip:Clip.ClipViewed", b'{"reason":"r"}'
    expected = (
        b"SAKSI-EVENT-1"
        + GENESIS
        + OID.bytes
        + (7).to_bytes(8, "big")
        + len(topic).to_bytes(4, "big")
        + topic.encode()
        + len(state).to_bytes(4, "big")
        + state
    )
    assert canonical_bytes(GENESIS, OID, 7, topic, state) == expected
    assert event_hash(GENESIS, OID, 7, topic, state) == hashlib.sha256(expected).digest()


def test_every_field_changes_the_hash() -> None:
    base = (b"\x01" * 32, OID, 2, "t", b"s")
    h = event_hash(*base)
    variants = [
        (b"\x02" * 32, OID, 2, "t", b"s"),
        (b"\x01" * 32, uuid.uuid4(), 2, "t", b"s"),
        (b"\x01" * 32, OID, 3, "t", b"s"),
        (b"\x01" * 32, OID, 2, "u", b"s"),
        (b"\x01" * 32, OID, 2, "t", b"S"),
    ]
    assert all(event_hash(*v) != h for v in variants)


def test_length_prefixes_keep_topic_and_state_apart() -> None:
    # Without length prefixes "ab"+"c" and "a"+"bc" would hash alike.
    assert event_hash(GENESIS, OID, 1, "ab", b"c") != event_hash(GENESIS, OID, 1, "a", b"bc")


def test_the_streaming_form_hashes_the_same_bytes() -> None:
    from ledger.chain import raw_event_hash, topic_field

    topic, state = "domain.clip:Clip.ClipViewed", b'{"reason":"r"}'
    assert raw_event_hash(GENESIS, OID.bytes, 7, topic_field(topic), state) == event_hash(
        GENESIS, OID, 7, topic, state
    )

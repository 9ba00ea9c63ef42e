"""The Merkle-log checker on hand-made logs (no database): every event one leaf, every node."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

from ledger import merkle
from ledger.chain import GENESIS, raw_event_hash, topic_field
from ledger.logcheck import LogChecker
from ledger.streams import StreamChecker

A = uuid.UUID(int=1).bytes


def make(n: int) -> tuple[list[tuple], list[tuple], dict[int, list[tuple[int, bytes]]]]:
    """n events of one stream at positions 10, 20, ...; their leaves; the stored nodes."""
    events, leaves, nodes = [], [], {}
    builder, prev = merkle.TreeBuilder(), GENESIS
    for i in range(n):
        h = raw_event_hash(prev, A, i + 1, topic_field("t"), b"s")
        events.append((10 * (i + 1), A, i + 1, h))
        leaves.append((i, 10 * (i + 1), A, i + 1, h))
        for level, index, node in builder.append(merkle.hash_leaf(h)):
            nodes.setdefault(level, []).append((index, node))
        prev = h
    return events, leaves, nodes


def check(events, leaves, nodes, beyond=()) -> list[tuple]:  # type: ignore[no-untyped-def]
    def stored(level: int) -> Iterator[tuple[int, bytes]]:
        return iter(nodes.get(level, []))

    log = LogChecker(iter(leaves), stored)
    log.link_rows(events)
    log.finish(lambda _size: beyond, lambda idx: {i: 10 * (i + 1) for i in idx if i < len(leaves)})
    return [(p.kind, p.position, p.version) for p in log.problems]


def test_an_intact_log_has_no_problems() -> None:
    assert check(*make(13)) == []


def test_events_after_the_sealed_head_are_not_problems() -> None:
    events, leaves, nodes = make(13)
    assert (
        check(
            events,
            leaves[:8],
            {lv: [x for x in ns if (x[0] + 1) << lv <= 8] for lv, ns in nodes.items()},
        )
        == []
    )


def test_a_leaf_whose_event_is_gone_is_a_deletion_at_its_position() -> None:
    events, leaves, nodes = make(13)
    del events[4]
    assert check(events, leaves, nodes) == [("deleted", 50, 5)]


def test_an_event_within_the_sealed_range_without_a_leaf_is_an_insertion() -> None:
    events, leaves, nodes = make(13)
    events.insert(3, (35, uuid.UUID(int=2).bytes, 1, b"x" * 32))
    assert check(events, leaves, nodes) == [("inserted", 35, 1)]


def test_a_changed_node_a_missing_node_and_a_node_past_the_end_are_located() -> None:
    events, leaves, nodes = make(13)
    nodes[1][2] = (2, bytes(32))  # node 1/2 over leaves 4..5
    del nodes[2][1]  # node 2/1 over leaves 4..7
    problems = check(events, leaves, nodes, beyond=[(1, 9)])
    assert ("node", 50, None) in problems and problems.count(("node", 50, None)) == 2
    assert ("node", None, None) in problems  # past the end: no leaf, no position


def test_a_gap_in_leaf_indexes_is_a_leaf_problem() -> None:
    events, leaves, nodes = make(5)
    leaves[3] = (7, *leaves[3][1:])
    assert ("leaf", 40, 4) in check(events, leaves, nodes)


def test_the_fast_path_and_the_full_check_agree_on_a_broken_chain() -> None:
    events, _, _ = make(6)
    field = topic_field("t")
    for fast in (True, False):
        c = StreamChecker()
        for pos, oid, v, h in events:
            state = b"S" if v == 3 else b"s"  # version 3 was altered
            prev = GENESIS if v == 1 else events[v - 2][3]
            if fast:
                c.feed_fast(pos, oid, v, field, state, pos, prev, h)
            else:
                from ledger.streams import Link

                c.feed(pos, oid, v, "t", state, Link(pos, prev, h))
        assert [(p.kind, p.position, p.version) for p in c.finish()] == [("modified", 30, 3)]

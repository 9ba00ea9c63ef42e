"""The per-stream chain checker on hand-made streams (no database)."""

import uuid

from ledger.chain import GENESIS, event_hash
from ledger.streams import Link, StreamChecker

A = uuid.UUID(int=1)
B = uuid.UUID(int=2)


def make_log() -> list[tuple]:
    """Two interleaved streams: A v1..v3, B v1..v2, each with a correct link."""
    rows, prev = [], {A: GENESIS, B: GENESIS}
    order = [(A, 1), (B, 1), (A, 2), (A, 3), (B, 2)]
    for pos, (oid, v) in enumerate(order, start=1):
        state = f'{{"n":{pos}}}'.encode()
        h = event_hash(prev[oid], oid, v, "t", state)
        rows.append([pos, oid, v, "t", state, Link(pos, prev[oid], h)])
        prev[oid] = h
    return rows


def check(rows: list, orphans: list = ()) -> list:
    c = StreamChecker()
    for r in rows:
        c.feed(*r)
    for o in orphans:
        c.orphan_link(*o)
    return c.finish()


def test_an_untouched_log_has_no_problems() -> None:
    assert check(make_log()) == []


def test_changed_state_is_located() -> None:
    rows = make_log()
    rows[2][4] = b'{"n":99}'
    [p] = check(rows)
    assert (p.kind, p.position, p.originator_id, p.version) == ("modified", 3, str(A), 2)


def test_a_deleted_middle_event_is_named_by_its_orphan_link_and_the_gap() -> None:
    rows = make_log()
    gone = rows.pop(2)
    problems = check(rows, [(gone[0], A, 2)])
    assert [(p.kind, p.version) for p in problems] == [("deleted", 2), ("deleted", 3)]
    assert problems[0].position == 3


def test_swapped_events_are_reported_as_reordered() -> None:
    rows = make_log()
    rows[2][4], rows[3][4] = rows[3][4], rows[2][4]
    problems = check(rows)
    assert {(p.kind, p.version) for p in problems} == {("reordered", 2), ("reordered", 3)}


def test_an_event_without_link_is_an_insertion() -> None:
    rows = make_log()
    rows.append([6, B, 3, "t", b"{}", None])
    [p] = check(rows)
    assert (p.kind, p.position, p.version) == ("inserted", 6, 3)


def test_a_relinked_event_breaks_the_chain() -> None:
    rows = make_log()
    pos, oid, v, topic, state, _ = rows[3]
    forged_prev = b"\x07" * 32
    rows[3][5] = Link(pos, forged_prev, event_hash(forged_prev, oid, v, topic, state))
    [p] = check(rows)
    assert (p.kind, p.version) == ("broken_link", 3)

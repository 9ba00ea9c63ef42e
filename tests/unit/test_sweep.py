"""The quick pass's pure parts (ledger/quick_pass.py) on a log built in memory: it vouches
for an intact log, in one range or two, and doubts every damage it is fed."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest

from ledger import merkle
from ledger.chain import GENESIS, event_hash
from ledger.quick_pass import (
    Doubt,
    RangeResult,
    RangeSweep,
    SweepRow,
    chunk_levels,
    compare_upper_levels,
    join_ranges,
    node_count,
)

CHUNK = 2  # chunks of 4 leaves, so a small log has several
TOPIC = "domain.clip:Clip.ClipViewed"


def make_log(n: int, streams: int = 3) -> list[SweepRow]:
    """n events of `streams` interleaved streams, each row with its own link and leaf."""
    oids = [uuid.UUID(int=i + 1) for i in range(streams)]
    heads = {oid: (0, GENESIS) for oid in oids}
    rows: list[SweepRow] = []
    for i in range(n):
        oid = oids[i % streams]
        version, prev = heads[oid]
        state = f'{{"n":{i}}}'.encode()
        h = event_hash(prev, oid, version + 1, TOPIC, state)
        rows.append((oid.bytes, version + 1, TOPIC, state, prev, h, i))
        heads[oid] = (version + 1, h)
    return rows


def stored_nodes(rows: list[SweepRow]) -> dict[tuple[int, int], bytes]:
    builder, nodes = merkle.TreeBuilder(), {}
    for row in rows:
        assert row[5] is not None
        for level, index, h in builder.append(merkle.hash_leaf(row[5])):
            nodes[(level, index)] = h
    return nodes


def reader(nodes: dict[tuple[int, int], bytes]) -> Callable[[int, int, int], list[bytes]]:
    def stored(level: int, first: int, count: int) -> list[bytes]:
        return [nodes[(level, i)] for i in range(first, first + count) if (level, i) in nodes]

    return stored


def sweep_all(rows: list[SweepRow], nodes: dict, split: int | None, size: int) -> int:
    """Sweep in one range, or two split at leaf `split`, and join them as audit_sweep does."""
    spans = [(0, len(rows), 0, size)]
    if split is not None:
        spans = [(0, split, 0, split), (split, len(rows), split, size)]
    results: list[RangeResult] = []
    for start, end, first, leaf_end in spans:
        sweep = RangeSweep(first, leaf_end, reader(nodes), bytes, CHUNK)
        sweep.feed(rows[start:end])
        results.append(sweep.finish())
    join_ranges(results)
    compare_upper_levels([h for r in results for h in r.chunk_roots], CHUNK, reader(nodes))
    assert len(nodes) == node_count(size)
    return sum(r.events for r in results)


def test_chunk_levels_are_the_perfect_nodes_of_the_reference_tree() -> None:
    leaves = [bytes([i]) * 32 for i in range(16)]
    source = merkle.memory_source([merkle.hash_leaf(h) for h in leaves])
    for level, hashes in enumerate(chunk_levels(leaves), start=1):
        assert hashes == [source([(level, i)])[(level, i)] for i in range(16 >> level)]


@pytest.mark.parametrize("size", [1, 2, 3, 7, 8, 9, 31, 64, 100])
def test_node_count_is_what_the_sealer_stores(size: int) -> None:
    assert node_count(size) == len(stored_nodes(make_log(size)))


@pytest.mark.parametrize("split", [None, 8, 12])
def test_an_intact_log_is_vouched_for(split: int | None) -> None:
    rows = make_log(23)
    assert sweep_all(rows, stored_nodes(rows), split, 23) == 23


def test_events_after_the_last_leaf_are_not_sealed_yet() -> None:
    rows = make_log(23)
    nodes = stored_nodes(rows[:20])
    unsealed = [(*r[:6], None) for r in rows[20:]]
    assert sweep_all(rows[:20] + unsealed, nodes, 8, 20) == 23


def forge(row: SweepRow, **changes: object) -> SweepRow:
    names = ("oid", "version", "topic", "state", "prev", "hash", "leaf")
    values = dict(zip(names, row, strict=True))
    values.update(changes)
    return tuple(values[n] for n in names)  # type: ignore[return-value]


DAMAGE: dict[str, Callable[[list[SweepRow]], list[SweepRow]]] = {
    "changed state": lambda r: [*r[:5], forge(r[5], state=b'{"n":55}'), *r[6:]],
    "no chain link": lambda r: [*r[:5], forge(r[5], prev=None, hash=None), *r[6:]],
    "deleted in a range": lambda r: r[:4] + r[5:],
    # the first event of stream 1 in the second range is gone: its next one cannot continue
    "deleted at the split": lambda r: r[:9] + r[10:],
    "swapped": lambda r: [*r[:4], r[7], r[5], r[6], r[4], *r[8:]],
    "a second version 1 in the second range": lambda r: [*r[:13], forge(r[0], leaf=13), *r[14:]],
    "unsealed before sealed": lambda r: [*r[:3], forge(r[3], leaf=None), *r[4:]],
    "leaf out of order": lambda r: [*r[:3], forge(r[3], leaf=4), *r[4:]],
}


@pytest.mark.parametrize("damage", DAMAGE, ids=list(DAMAGE))
@pytest.mark.parametrize("split", [None, 8])
def test_damage_to_the_events_is_doubted(damage: str, split: int | None) -> None:
    rows = make_log(23)
    nodes = stored_nodes(rows)
    with pytest.raises(Doubt):
        sweep_all(DAMAGE[damage](list(rows)), nodes, split, 23)


@pytest.mark.parametrize("node", [(1, 0), (1, 9), (2, 3), (3, 1), (4, 0)])
@pytest.mark.parametrize("split", [None, 8])
def test_a_changed_stored_node_is_doubted(node: tuple[int, int], split: int | None) -> None:
    rows = make_log(23)
    nodes = stored_nodes(rows)
    nodes[node] = bytes(32)
    with pytest.raises(Doubt):
        sweep_all(rows, nodes, split, 23)


def test_a_missing_stored_node_is_doubted() -> None:
    rows = make_log(23)
    nodes = stored_nodes(rows)
    del nodes[(1, 10)]  # in the last, incomplete chunk
    with pytest.raises(Doubt):
        sweep_all(rows, nodes, 8, 23)


def test_a_range_must_start_at_a_chunk() -> None:
    with pytest.raises(ValueError, match="chunk"):
        RangeSweep(6, 10, reader({}), bytes, CHUNK)


def test_results_cross_the_worker_pipe_unchanged() -> None:
    rows = make_log(12)
    sweep = RangeSweep(0, 12, reader(stored_nodes(rows)), bytes, CHUNK)
    sweep.feed(rows)
    result = sweep.finish()
    again = RangeResult.from_json(result.as_json(with_exits=True))
    assert again == result
    assert RangeResult.from_json(result.as_json(with_exits=False)).exits == {}


def test_streams_must_continue_across_ranges_where_they_stopped() -> None:
    a, b = b"a" * 16, b"b" * 16
    h1, h2 = b"1" * 32, b"2" * 32
    first = RangeResult(entries={a: (1, GENESIS)}, exits={a: (2, h2)})
    join_ranges([first, RangeResult(entries={a: (3, h2), b: (1, GENESIS)})])  # continues
    for later in (
        {a: (4, h2)},  # skips version 3
        {a: (3, h1)},  # chains from another hash
        {a: (1, GENESIS)},  # starts the stream a second time
        {b: (2, h1)},  # a stream whose first versions are nowhere
    ):
        with pytest.raises(Doubt):
            join_ranges([first, RangeResult(entries=later)])
    with pytest.raises(Doubt):
        join_ranges([RangeResult(entries={a: (1, h1)})])  # version 1 not from the genesis hash

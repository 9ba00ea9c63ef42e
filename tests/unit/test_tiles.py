"""C2SP tlog-tiles (ledger/tiles.py) against the spec's own examples, and the mirror's checks
(ledger/mirror.py): proofs from tiles, every event against its chain link."""

from __future__ import annotations

import uuid

import pytest

from ledger import merkle, tiles
from ledger.chain import GENESIS, event_hash
from ledger.mirror import MirroredEvent, MirrorError, MirrorState, extend, tile_node_source


def test_the_spec_examples() -> None:
    assert tiles.tile_path(0, 1234067) == "tile/0/x001/x234/067"
    # "a tree of size 70,000 will be represented by 273 full level 0 tiles, one partial level 0
    # tile of width 112, one full level 1 tile, one partial level 1 tile of width 17, and one
    # partial level 2 tile of width 1"
    found = list(tiles.tiles_of(70000))
    assert sum(1 for t in found if t[0] == 0 and t[2] == 256) == 273
    assert [t for t in found if t[2] != 256] == [(0, 273, 112), (1, 1, 17), (2, 0, 1)]
    assert [t for t in found if t[0] == 1 and t[2] == 256] == [(1, 0, 256)]
    # "a tree of size 256 will be represented by a full level 0 tile and a partial level 1 tile
    # of width 1"
    assert list(tiles.tiles_of(256)) == [(0, 0, 256), (1, 0, 1)]


@pytest.mark.parametrize(
    "path",
    ["tile/0/000", "tile/entries/x001/x234/067.p/8", "tile/3/x999/999", "tile/1/005.p/255"],
)
def test_paths_round_trip(path: str) -> None:
    assert tiles.tile_path(*tiles.parse_tile_path(path)) == path


@pytest.mark.parametrize(
    "path",
    ["tile/00/000", "tile/0/1", "tile/0/001/002", "tile/0/000.p/0", "tile/0/000.p/256",
     "tile/64/000", "tile/0/x000/001", "tiles/0/000", "tile/0/000.p/08"],
)  # fmt: skip
def test_bad_paths_are_refused(path: str) -> None:
    with pytest.raises(tiles.TileError):
        tiles.parse_tile_path(path)


def test_roots_and_proofs_computed_from_tiles_are_the_trees() -> None:
    leaves = [merkle.hash_leaf(i.to_bytes(4, "big")) for i in range(600)]
    computed = tiles.tiles_from_leaves(leaves)
    assert set(computed) == set(tiles.tiles_of(600))

    def get(level: int, index: int, width: int) -> list[bytes]:
        return tiles.tile_hashes(computed[(level, index, width)], width)

    source, reference = tile_node_source(get, 600), merkle.memory_source(leaves)
    for size in (1, 2, 255, 256, 257, 511, 512, 600):
        assert merkle.root(size, source) == merkle.root(size, reference)
    assert merkle.consistency_proof(300, 600, source) == merkle.consistency_proof(
        300, 600, reference
    )


def test_entry_bundles_are_uint16_length_prefixed() -> None:
    data = tiles.entry_bundle([b"ab", b"", b"c"])
    assert data == b"\x00\x02ab\x00\x00\x00\x01c"
    assert tiles.parse_entry_bundle(data, 3) == [b"ab", b"", b"c"]
    with pytest.raises(tiles.TileError):
        tiles.parse_entry_bundle(data[:-1], 3)


def events(n: int) -> list[MirroredEvent]:
    oid, prev, out = uuid.UUID(int=7), GENESIS, []
    for i in range(n):
        state = b'{"n":%d}' % i
        h = event_hash(prev, oid, i + 1, "t", state)
        out.append(MirroredEvent(i, i + 1, oid, i + 1, "t", state, prev, h))
        prev = h
    return out


def test_a_mirror_extends_only_with_events_that_check() -> None:
    evs = events(6)
    state = MirrorState()
    extend(state, evs[:3], [e.hash for e in evs[:3]])
    extend(state, evs[3:], [e.hash for e in evs[3:]])
    assert state.root == merkle.subtree_root([merkle.hash_leaf(e.hash) for e in evs])
    fresh = MirrorState()
    forged = [*evs[:2], MirroredEvent(**{**evs[2].__dict__, "state": b'{"n":9}'})]
    with pytest.raises(MirrorError) as caught:
        extend(fresh, forged, [e.hash for e in forged])
    assert caught.value.kind == "modified"
    with pytest.raises(MirrorError) as caught:
        extend(MirrorState(), [evs[0], evs[2]], [evs[0].hash, evs[2].hash])
    assert caught.value.kind == "events"
    with pytest.raises(MirrorError) as caught:
        extend(MirrorState(), evs[:2], [evs[0].hash, bytes(32)])
    assert caught.value.kind == "entries"

"""The log as C2SP tlog-tiles: tile paths, which tiles a tree size has, entry bundles, and the
tiles recomputed from leaf hashes (what a mirror checks the served ones against).

A tile at level L, index N holds up to 256 consecutive hashes of Merkle level 8·L:
MTH(D[(N·256 + i)·256^L : (N·256 + i + 1)·256^L]), i = 0..255 — the leaf hashes at level 0.
The tile of a tree of size s at level L that is not full is partial, of width
floor(s / 256^L) mod 256, and its path ends in `.p/<width>`. Index N is written in 3-digit
groups, all but the last prefixed with `x`: 1234067 → x001/x234/067.

Saksi's entries: the Merkle leaf of an event is SHA-256(0x00 ‖ event hash), so the entry the
tiles are the leaf hashes of is the 32-byte event hash (`tile/entries/<N>`: uint16 big-endian
length-prefixed entries, as the spec has them). The events themselves — stored bytes and chain
link — are served apart, as the spec asks of another encoding, at `events/<N>` (JSON lines).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from ledger import merkle

TILE_WIDTH = 256
TILE_HEIGHT = 8


class TileError(ValueError):
    """A tile path, tile or bundle is malformed, or not what the tree says it must be."""


def encode_index(n: int) -> str:
    if n < 0:
        raise TileError("a tile index cannot be negative")
    groups = []
    while True:
        groups.append(f"{n % 1000:03d}")
        n //= 1000
        if n == 0:
            break
    return "/".join([f"x{g}" for g in reversed(groups[1:])] + [groups[0]])


def tile_path(level: int | str, index: int, width: int = TILE_WIDTH) -> str:
    """`tile/<L>/<N>[.p/<W>]`; level "entries" gives the entry bundle's path."""
    if not 1 <= width <= TILE_WIDTH:
        raise TileError(f"a tile is 1 to {TILE_WIDTH} wide, not {width}")
    suffix = "" if width == TILE_WIDTH else f".p/{width}"
    return f"tile/{level}/{encode_index(index)}{suffix}"


def parse_tile_path(path: str) -> tuple[int | str, int, int]:
    """(level or "entries", index, width) of `tile/...`; TileError when it is not one."""
    parts = path.split("/")
    if len(parts) < 3 or parts[0] != "tile":
        raise TileError(f"not a tile path: {path[:100]!r}")
    level: int | str = parts[1]
    if level != "entries":
        if not parts[1].isdigit() or (parts[1] != "0" and parts[1].startswith("0")):
            raise TileError(f"bad tile level in {path[:100]!r}")
        level = int(parts[1])
        if level > 63:
            raise TileError("a tile level is at most 63")
    rest, width = parts[2:], TILE_WIDTH
    if len(rest) >= 2 and rest[-2].endswith(".p"):
        w = rest[-1]
        if not w.isdigit() or w.startswith("0") or not 1 <= int(w) < TILE_WIDTH:
            raise TileError(f"bad partial width in {path[:100]!r}")
        width, rest = int(w), [*rest[:-2], rest[-2][:-2]]
    index = 0
    for i, group in enumerate(rest):
        digits = group[1:] if i < len(rest) - 1 and group.startswith("x") else group
        if i < len(rest) - 1 and not group.startswith("x"):
            raise TileError(f"bad tile index in {path[:100]!r}")
        if len(digits) != 3 or not digits.isdigit():
            raise TileError(f"bad tile index in {path[:100]!r}")
        index = index * 1000 + int(digits)
    if tile_path(level, index, width) != path:
        raise TileError(f"not the canonical tile path: {path[:100]!r}")
    return level, index, width


def tiles_of(size: int) -> Iterator[tuple[int, int, int]]:
    """(level, index, width) of every tile of a tree of `size` leaves, level by level."""
    level = 0
    while (count := size >> (TILE_HEIGHT * level)) > 0:
        for index in range(count // TILE_WIDTH):
            yield level, index, TILE_WIDTH
        if count % TILE_WIDTH:
            yield level, count // TILE_WIDTH, count % TILE_WIDTH
        level += 1


def tile_nodes(level: int, index: int, width: int) -> list[merkle.Node]:
    """The Merkle nodes (level 8·L, index) a tile holds."""
    first = index * TILE_WIDTH
    return [(TILE_HEIGHT * level, first + i) for i in range(width)]


def tile_end(level: int, index: int, width: int) -> int:
    """The tree size a tile needs: one past its last leaf."""
    return (index * TILE_WIDTH + width) << (TILE_HEIGHT * level)


def tile_hashes(data: bytes, width: int) -> list[bytes]:
    if len(data) != width * merkle.HASH_SIZE:
        raise TileError(f"a tile of width {width} is {width * 32} bytes, not {len(data)}")
    return [data[i : i + 32] for i in range(0, len(data), 32)]


def entry_bundle(entries: Sequence[bytes]) -> bytes:
    """uint16 big-endian length-prefixed entries."""
    out = bytearray()
    for e in entries:
        if len(e) >= 1 << 16:
            raise TileError("an entry is at most 65535 bytes")
        out += len(e).to_bytes(2, "big") + e
    return bytes(out)


def parse_entry_bundle(data: bytes, width: int) -> list[bytes]:
    entries, at = [], 0
    while at < len(data):
        if at + 2 > len(data):
            raise TileError("an entry bundle ends inside a length prefix")
        n = int.from_bytes(data[at : at + 2], "big")
        if at + 2 + n > len(data):
            raise TileError("an entry bundle ends inside an entry")
        entries.append(data[at + 2 : at + 2 + n])
        at += 2 + n
    if len(entries) != width:
        raise TileError(f"the bundle holds {len(entries)} entries, not {width}")
    return entries


def tiles_from_leaves(leaf_hashes: Sequence[bytes]) -> dict[tuple[int, int, int], bytes]:
    """Every tile of the tree of these leaf hashes, computed (the reference a mirror keeps)."""
    tiles: dict[tuple[int, int, int], bytes] = {}
    hashes = list(leaf_hashes)  # the hashes of the current level's complete chunks
    level = 0
    while hashes:
        for start in range(0, len(hashes), TILE_WIDTH):
            part = hashes[start : start + TILE_WIDTH]
            tiles[(level, start // TILE_WIDTH, len(part))] = b"".join(part)
        hashes = [
            merkle.subtree_root(hashes[i : i + TILE_WIDTH])
            for i in range(0, len(hashes) - TILE_WIDTH + 1, TILE_WIDTH)
        ]
        level += 1
    return tiles

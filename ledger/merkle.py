"""The global Merkle log's hashing and proofs, as in RFC 9162 §2.1 (the RFC 6962 tree).

Pure: no storage. Proof *generation* works on any `NodeSource` (a function giving the hash of
a complete subtree), so the database-backed log and an in-memory list of leaves share it.
Proof *verification* follows the RFC's numbered steps (§2.1.3.2 and §2.1.4.2) literally.

Vocabulary: a tree of `size` leaves D[0:size]; MTH(D[a:b]) is the hash of leaves a..b-1; a
*perfect node* (level, index) is MTH(D[index·2^level : (index+1)·2^level]), level 0 being the
leaf hashes themselves.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence

HASH_SIZE = 32
LEAF_PREFIX = b"\x00"
NODE_PREFIX = b"\x01"
EMPTY_ROOT = hashlib.sha256(b"").digest()  # MTH({}) = HASH()

Node = tuple[int, int]  # (level, index) of a perfect subtree
NodeSource = Callable[[Sequence[Node]], dict[Node, bytes]]  # hashes of the nodes asked for


class ProofError(ValueError):
    """A proof or its parameters do not verify; the message says expected vs calculated."""


def hash_leaf(data: bytes) -> bytes:
    """RFC 9162 §2.1.1: MTH({d(0)}) = HASH(0x00 || d(0))."""
    return hashlib.sha256(LEAF_PREFIX + data).digest()


def hash_children(left: bytes, right: bytes) -> bytes:
    """RFC 9162 §2.1.1: HASH(0x01 || MTH(D[0:k]) || MTH(D[k:n]))."""
    return hashlib.sha256(NODE_PREFIX + left + right).digest()


def split_point(n: int) -> int:
    """k, the largest power of two smaller than n (n > 1): k < n <= 2k."""
    if n < 2:
        raise ValueError("a tree of fewer than two leaves has no split")
    return 1 << ((n - 1).bit_length() - 1)


# --- subtrees as ranges of leaves --------------------------------------------------------


def perfect_nodes(start: int, end: int) -> list[Node]:
    """The perfect subtrees D[start:end] is made of, left to right.

    Every range produced by the RFC's recursion starts at a multiple of a power of two at
    least as large as the range, so it splits greedily into descending powers of two.
    """
    nodes: list[Node] = []
    while start < end:
        level = (end - start).bit_length() - 1
        if start % (1 << level):
            raise ValueError(f"range {start}..{end} is not a subtree of the log")
        nodes.append((level, start >> level))
        start += 1 << level
    return nodes


def fold(hashes: Sequence[bytes]) -> bytes:
    """MTH of a range from its perfect subtrees (left to right): they join right to left."""
    acc = hashes[-1]
    for h in reversed(hashes[:-1]):
        acc = hash_children(h, acc)
    return acc


def inclusion_ranges(index: int, size: int) -> list[tuple[int, int]]:
    """RFC 9162 §2.1.3.1 PATH(m, D[n]) as the leaf ranges whose MTH make the proof."""
    if not 0 <= index < size:
        raise ValueError(f"leaf {index} is not in a tree of size {size}")
    ranges: list[tuple[int, int]] = []
    lo, hi = 0, size  # the subtree D[lo:hi] that holds leaf `index`
    while hi - lo > 1:
        k = split_point(hi - lo)
        if index - lo < k:  # PATH(m, D[0:k]) : MTH(D[k:n])
            ranges.append((lo + k, hi))
            hi = lo + k
        else:  # PATH(m - k, D[k:n]) : MTH(D[0:k])
            ranges.append((lo, lo + k))
            lo = lo + k
    return ranges[::-1]  # the recursion appends on the way back up: leaf side first


def consistency_ranges(old: int, new: int) -> list[tuple[int, int]]:
    """RFC 9162 §2.1.4.1 PROOF(m, D[n]) = SUBPROOF(m, D[n], true), as leaf ranges.

    Our rule for m = 0: every tree extends the empty tree, and the proof is empty.
    """
    if not 0 <= old <= new:
        raise ValueError(f"no consistency proof from size {old} to size {new}")
    if old == 0 or old == new:
        return []
    ranges: list[tuple[int, int]] = []
    lo, hi, m, complete = 0, new, old, True
    while True:
        n = hi - lo
        if m == n:  # SUBPROOF(m, D[m], b): [] if b, else [MTH(D[m])]
            if not complete:
                ranges.append((lo, hi))
            break
        k = split_point(n)
        if m <= k:  # SUBPROOF(m, D[0:k], b) : MTH(D[k:n])
            ranges.append((lo + k, hi))
            hi = lo + k
        else:  # SUBPROOF(m - k, D[k:n], false) : MTH(D[0:k])
            ranges.append((lo, lo + k))
            lo, m, complete = lo + k, m - k, False
    return ranges[::-1]


def hashes_of(ranges: Sequence[tuple[int, int]], source: NodeSource) -> list[bytes]:
    """MTH of each range, reading all the perfect nodes they need in one call."""
    parts = [perfect_nodes(a, b) for a, b in ranges]
    wanted = sorted({node for p in parts for node in p})
    found = source(wanted)
    missing = [n for n in wanted if n not in found]
    if missing:
        raise LookupError(f"tree nodes {missing} are not stored")
    return [fold([found[node] for node in p]) for p in parts]


def root(size: int, source: NodeSource) -> bytes:
    return EMPTY_ROOT if size == 0 else hashes_of([(0, size)], source)[0]


def inclusion_proof(index: int, size: int, source: NodeSource) -> list[bytes]:
    return hashes_of(inclusion_ranges(index, size), source)


def consistency_proof(old: int, new: int, source: NodeSource) -> list[bytes]:
    return hashes_of(consistency_ranges(old, new), source)


# --- verification: RFC 9162 §2.1.3.2 and §2.1.4.2, step by step ----------------------------


def _check_hash(name: str, value: bytes) -> None:
    if len(value) != HASH_SIZE:
        raise ProofError(f"{name} must be {HASH_SIZE} bytes, got {len(value)}")


def root_from_inclusion_proof(
    index: int, size: int, leaf_hash: bytes, proof: Sequence[bytes]
) -> bytes:
    """Steps 1-4 of RFC 9162 §2.1.3.2; returns r, the root the proof leads to."""
    _check_hash("leaf hash", leaf_hash)
    for i, p in enumerate(proof):
        _check_hash(f"proof[{i}]", p)
    # 1. leaf_index must be smaller than tree_size.
    if not 0 <= index < size:
        raise ProofError(f"leaf index {index} is not smaller than tree size {size}")
    # 2. fn = leaf_index, sn = tree_size - 1.  3. r = hash.
    fn, sn, r = index, size - 1, leaf_hash
    # 4. for each p in inclusion_path:
    for p in proof:
        if sn == 0:  # a. more proof than tree
            raise ProofError(f"proof has {len(proof)} hashes: too long for this tree")
        if fn & 1 or fn == sn:  # b.
            r = hash_children(p, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn, sn = fn >> 1, sn >> 1
        else:
            r = hash_children(r, p)
        fn, sn = fn >> 1, sn >> 1  # c.
    # 5. sn must be 0 (the caller compares r with the root).
    if sn != 0:
        raise ProofError(f"proof has {len(proof)} hashes: too short for this tree")
    return r


def verify_inclusion(
    index: int, size: int, leaf_hash: bytes, proof: Sequence[bytes], root_hash: bytes
) -> None:
    """RFC 9162 §2.1.3.2; raises ProofError unless `leaf_hash` is leaf `index` of the tree."""
    _check_hash("root", root_hash)
    r = root_from_inclusion_proof(index, size, leaf_hash, proof)
    if r != root_hash:  # 5. compare r against the root hash
        raise ProofError(f"proof leads to root {r.hex()}, expected {root_hash.hex()}")


def verify_consistency(
    old: int, new: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> None:
    """RFC 9162 §2.1.4.2; raises ProofError unless tree `old` is a prefix of tree `new`."""
    _check_hash("old root", old_root)
    _check_hash("new root", new_root)
    for i, c in enumerate(proof):
        _check_hash(f"proof[{i}]", c)
    if not 0 <= old <= new:
        raise ProofError(f"size {new} cannot follow size {old}")
    if old == 0:  # our rule: the empty tree is a prefix of every tree; nothing to prove
        if proof:
            raise ProofError("a proof from the empty tree must be empty")
        if old_root != EMPTY_ROOT:
            raise ProofError(f"root of the empty tree is {EMPTY_ROOT.hex()}, not {old_root.hex()}")
        return
    if old == new:  # equal trees: nothing to prove but the roots must agree
        if proof:
            raise ProofError("a proof between equal sizes must be empty")
        if old_root != new_root:
            raise ProofError(f"roots of size {old} differ: {old_root.hex()} vs {new_root.hex()}")
        return
    # 1. an empty consistency_path fails.
    if not proof:
        raise ProofError("empty consistency proof")
    path = list(proof)
    # 2. if first is an exact power of 2, prepend first_hash.
    if old & (old - 1) == 0:
        path.insert(0, old_root)
    # 3. fn = first - 1, sn = second - 1.
    fn, sn = old - 1, new - 1
    # 4. if LSB(fn) is set, shift both right until it is not.
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    # 5. fr = sr = the first value of the path.
    fr = sr = path[0]
    # 6. for each subsequent value c:
    for c in path[1:]:
        if sn == 0:  # a.
            raise ProofError(f"proof has {len(proof)} hashes: too long for these sizes")
        if fn & 1 or fn == sn:  # b.
            fr = hash_children(c, fr)
            sr = hash_children(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn, sn = fn >> 1, sn >> 1
        else:
            sr = hash_children(sr, c)
        fn, sn = fn >> 1, sn >> 1  # c.
    # 7. fr must equal first_hash, sr second_hash, and sn must be 0.
    if sn != 0:
        raise ProofError(f"proof has {len(proof)} hashes: too short for these sizes")
    if fr != old_root:
        raise ProofError(f"proof leads to old root {fr.hex()}, expected {old_root.hex()}")
    if sr != new_root:
        raise ProofError(f"proof leads to new root {sr.hex()}, expected {new_root.hex()}")


# --- an in-memory tree: the reference for tests and for small offline bundles ---------------


def memory_source(leaf_hashes: Sequence[bytes]) -> NodeSource:
    """A NodeSource over leaf hashes held in memory (computes each node on demand)."""

    def source(nodes: Sequence[Node]) -> dict[Node, bytes]:
        return {
            (level, i): subtree_root(leaf_hashes[i << level : (i + 1) << level])
            for level, i in nodes
            if (i + 1) << level <= len(leaf_hashes)
        }

    return source


def subtree_root(leaf_hashes: Sequence[bytes]) -> bytes:
    """MTH of a list of leaf hashes (RFC 9162 §2.1.1), iteratively."""
    if not leaf_hashes:
        return EMPTY_ROOT
    builder = TreeBuilder()
    for h in leaf_hashes:
        builder.append(h)
    return builder.root()


class TreeBuilder:
    """Appends leaf hashes and keeps the right edge (the compact range) of the tree.

    `append` returns the perfect nodes it completed, so the sealer can store them and the
    auditor can compare them with the stored ones, without holding the tree in memory.
    """

    def __init__(self, size: int = 0, edge: Sequence[bytes] = ()) -> None:
        if len(edge) != bin(size).count("1"):
            raise ValueError(f"a tree of size {size} has {bin(size).count('1')} edge nodes")
        self.size = size
        self.edge = list(edge)  # perfect subtrees covering D[0:size], largest first

    def append(self, leaf_hash: bytes) -> list[tuple[int, int, bytes]]:
        completed: list[tuple[int, int, bytes]] = []
        h, level, index = leaf_hash, 0, self.size
        self.size += 1
        # Each trailing 1-bit of the old size is a left sibling that now gets its pair.
        while index & 1:
            h = hash_children(self.edge.pop(), h)
            level, index = level + 1, index >> 1
            completed.append((level, index, h))
        self.edge.append(h)
        return completed

    def root(self) -> bytes:
        return fold(self.edge) if self.edge else EMPTY_ROOT


def edge_nodes(size: int) -> list[Node]:
    """The perfect nodes of a tree's right edge (one per 1-bit of size), largest first."""
    return [
        (level, (size >> level) - 1)
        for level in range(size.bit_length() - 1, -1, -1)
        if size >> level & 1
    ]

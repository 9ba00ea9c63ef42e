"""Checks the Merkle log against the event log's chain links, fed in notification order.

Pure like `streams.StreamChecker`: the caller streams chain links, leaves and stored nodes from
any database. `StreamChecker` ties each event to its link; this ties each link to its leaf, so
together they tie every event to the signed tree and name every problem of `audit verify`:

    event kinds   modified · deleted · inserted · reordered   (an event and the log disagree)
    log kinds     leaf · node                                 (the log's own rows are damaged)
    head kinds    root · truncated · inconsistent · signature (a checkpoint and the log disagree)
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from ledger import merkle
from ledger.checkpoint import CheckpointError, Verifier, verify_checkpoint
from ledger.streams import Problem, oid_text

KINDS = (
    "modified",
    "deleted",
    "inserted",
    "reordered",
    "broken_link",
    "leaf",
    "node",
    "root",
    "truncated",
    "inconsistent",
    "signature",
    # RFC 3161 tokens of checkpoints (ledger/timestamp.py names the steps)
    "timestamp",
    "timestamp_signature",
    "timestamp_certificate",
    "timestamp_imprint",
    # witnesses (ledger/cosignature.py): a stored cosignature that does not verify, an alarm
    "cosignature",
    "witness",
    # read models that disagree with the log (archive/audit/read_models.py)
    "read_model",
)

LeafRow = tuple[int, int, Any, int, bytes]  # index, position, originator id, version, hash
LinkRow = tuple[int, bytes, int, bytes]  # position, originator id, version, event hash
NodeRows = Callable[[int], Iterator[tuple[int, bytes]]]  # level -> (index, hash) by index


@dataclass(frozen=True)
class CheckpointRow:
    id: int
    size: int
    root: bytes
    note: str
    last_position: int | None


class LogChecker:
    def __init__(self, leaves: Iterator[LeafRow], stored_nodes: NodeRows) -> None:
        self.leaves = leaves
        self.next_leaf = next(leaves, None)
        self.stored_nodes = stored_nodes
        self.levels: dict[int, Iterator[tuple[int, bytes]]] = {}
        self.pending: dict[int, tuple[int, bytes] | None] = {}  # next stored node per level
        self.tree = merkle.TreeBuilder()
        self.last_position = 0
        self.roots: dict[int, bytes] = {0: merkle.EMPTY_ROOT}
        self.wanted_roots: set[int] = set()
        self.bad_nodes: list[tuple[int, int, str]] = []  # located once all leaves are known
        self.problems: list[Problem] = []

    def _problem(self, kind: str, pos: int | None, oid: Any, v: int | None, detail: str) -> None:
        self.problems.append(Problem(kind, pos, None if oid is None else oid_text(oid), v, detail))

    # --- chain links (the events as recorded) against leaves ----------------------------

    def event(self, position: int, oid: bytes, version: int, chain_hash: bytes | None) -> None:
        """The next event in notification order (as its chain link records it)."""
        leaf = self.next_leaf
        while leaf is not None and leaf[1] < position:
            self._problem(
                "deleted", leaf[1], leaf[2], leaf[3], f"sealed as leaf {leaf[0]}; event is gone"
            )
            leaf = self._take_leaf(leaf)
        if leaf is None:
            return  # past the sealed head: not in the log yet
        if leaf[1] > position:
            self._problem(
                "inserted",
                position,
                oid,
                version,
                f"not in the Merkle log, which seals position {leaf[1]} as leaf {leaf[0]}",
            )
            return
        if leaf[2] != oid or leaf[3] != version:
            self._problem(
                "reordered",
                position,
                oid,
                version,
                f"leaf {leaf[0]} sealed {oid_text(leaf[2])} v{leaf[3]} at this position",
            )
        elif chain_hash is not None and chain_hash != leaf[4]:
            self._problem(
                "modified",
                position,
                oid,
                version,
                f"sealed as leaf {leaf[0]} with hash {leaf[4].hex()}, the event's chain hash is "
                f"{chain_hash.hex()}",
            )
        self._take_leaf(leaf)

    def link_rows(self, rows: Sequence[LinkRow]) -> None:
        """A page of chain links in position order; links that match their leaf go straight
        to the tree, anything else through `event`."""
        tree, leaves, wanted = self.tree, self.leaves, self.wanted_roots
        for pos, oid, version, digest in rows:
            leaf = self.next_leaf
            if (
                leaf is not None
                and leaf[1] == pos
                and leaf[4] == digest
                and leaf[2] == oid
                and leaf[3] == version
                and leaf[0] == tree.size
                and pos > self.last_position
            ):
                self.last_position = pos
                size = tree.size
                leaf_hash = hashlib.sha256(merkle.LEAF_PREFIX + digest).digest()
                if size & 1:
                    self._complete(leaf_hash)
                else:  # TreeBuilder.append for an even size, inlined: no node completes
                    tree.edge.append(leaf_hash)
                    tree.size = size + 1
                if size + 1 in wanted:
                    self.roots[size + 1] = tree.root()
                self.next_leaf = next(leaves, None)
            else:
                self.event(pos, oid, version, digest)

    def _complete(self, leaf_hash: bytes) -> None:
        """Append a leaf that completes nodes; compare each with the stored one."""
        for level, i, h in self.tree.append(leaf_hash):
            stored = self.pending[level] if level in self.pending else self._open(level)
            if stored is not None and stored[0] == i and stored[1] == h:
                self.pending[level] = next(self.levels[level], None)
            else:
                self._compare_slow(level, i, h)

    def _take_leaf(self, leaf: LeafRow) -> LeafRow | None:
        """Feed a leaf to the tree, compare the nodes it completes, move to the next leaf."""
        index, position = leaf[0], leaf[1]
        size = self.tree.size
        if index != size or position <= self.last_position:
            self._problem(
                "leaf",
                position,
                leaf[2],
                leaf[3],
                f"leaf {index} (position {position}) where leaf {size} after position "
                f"{self.last_position} belongs",
            )
        self.last_position = position
        tree = self.tree
        leaf_hash = merkle.hash_leaf(leaf[4])
        if size & 1:  # odd: this leaf completes at least one node
            self._complete(leaf_hash)
        else:  # even: it only joins the right edge (TreeBuilder.append, inlined)
            tree.edge.append(leaf_hash)
            tree.size = size + 1
        if size + 1 in self.wanted_roots:
            self.roots[size + 1] = tree.root()
        self.next_leaf = next(self.leaves, None)
        return self.next_leaf

    def _open(self, level: int) -> tuple[int, bytes] | None:
        self.levels[level] = self.stored_nodes(level)
        self.pending[level] = next(self.levels[level], None)
        return self.pending[level]

    def _compare_slow(self, level: int, index: int, h: bytes) -> None:
        """The next stored node is not this one: extra rows before it, or it is missing."""
        stored = self.pending[level]
        while stored is not None and stored[0] < index:
            self.bad_nodes.append((level, stored[0], "a stored node where none belongs"))
            stored = self.pending[level] = next(self.levels[level], None)
        if stored is None or stored[0] > index:
            self.bad_nodes.append((level, index, "stored node is missing"))
            return
        if stored[1] != h:
            self.bad_nodes.append(
                (level, index, f"stored hash {stored[1].hex()}, its children hash to {h.hex()}")
            )
        self.pending[level] = next(self.levels[level], None)

    # --- the end: leftover leaves and nodes, then the checkpoints --------------------------

    def finish(
        self,
        beyond: Callable[[int], Sequence[tuple[int, int]]] = lambda _: (),
        position_of: Callable[[Sequence[int]], dict[int, int]] = lambda _: {},
    ) -> None:
        """No more links: leftover leaves lost their events; `beyond(size)` lists stored nodes
        over leaves the log does not have (asked once the leftover leaves are counted in).
        `position_of` maps leaf indexes to positions."""
        while self.next_leaf is not None:
            leaf = self.next_leaf
            self._problem(
                "deleted", leaf[1], leaf[2], leaf[3], f"sealed as leaf {leaf[0]}; event is gone"
            )
            self._take_leaf(leaf)
        for level, it in self.levels.items():
            stored = self.pending[level]
            while stored is not None:
                self.bad_nodes.append((level, stored[0], "a stored node where none belongs"))
                stored = next(it, None)
            self.pending[level] = None
        known = {(lv, i) for lv, i, _ in self.bad_nodes}  # a level's leftovers are beyond too
        self.bad_nodes += [
            (lv, i, "stored beyond the log's last leaf")
            for lv, i in beyond(self.tree.size)
            if (lv, i) not in known
        ]
        firsts = position_of([i << level for level, i, _ in self.bad_nodes])
        for level, i, what in self.bad_nodes:
            leaves = f"leaves {i << level}..{((i + 1) << level) - 1}"
            detail = f"node {level}/{i} ({leaves}): {what}"
            self._problem("node", firsts.get(i << level), None, None, detail)

    def expect_roots(self, sizes: Sequence[int]) -> None:
        """Ask for the tree's root at these sizes (call before feeding events)."""
        self.wanted_roots.update(sizes)

    def check_checkpoints(
        self,
        checkpoints: Sequence[CheckpointRow],
        verifier: Verifier,
        origin: str,
        source: merkle.NodeSource,
    ) -> int:
        """Signature, root at its size, consistency with the one before; returns how many."""
        size, previous = self.tree.size, None
        newest_size = max((c.size for c in checkpoints), default=0)
        for cp in checkpoints:
            try:
                signed = verify_checkpoint(cp.note, verifier, origin)
                if (signed.size, signed.root) != (cp.size, cp.root):
                    raise CheckpointError("the stored size/root differ from the signed note")
            except CheckpointError as e:
                self._head_problem("signature", cp, cp.last_position, str(e))
                continue
            if cp.size > size:
                if cp.size == newest_size:
                    self._head_problem(
                        "truncated",
                        cp,
                        self.last_position + 1,
                        f"the log has {size} leaves; leaves {size}..{cp.size - 1} (positions "
                        f"after {self.last_position}) are gone",
                    )
            elif self.roots.get(cp.size) != cp.root:
                self._head_problem(
                    "root",
                    cp,
                    self._first_position_after(previous),
                    f"signed root {cp.root.hex()} is not the log's root at size {cp.size}",
                )
                continue
            if previous is not None:
                self._check_consistency(previous, cp, size, source)
            previous = cp
        return len(checkpoints)

    def _first_position_after(self, cp: CheckpointRow | None) -> int | None:
        return cp.last_position + 1 if cp and cp.last_position is not None else 1

    def _check_consistency(
        self, old: CheckpointRow, new: CheckpointRow, size: int, source: merkle.NodeSource
    ) -> None:
        if new.size < old.size:
            detail = f"size {new.size} follows size {old.size} of checkpoint #{old.id}"
        elif new.size > size or any(p.kind == "node" for p in self.problems):
            return  # cannot be proven from this tree; `truncated` or `node` says why
        else:
            try:
                proof = merkle.consistency_proof(old.size, new.size, source)
                merkle.verify_consistency(old.size, new.size, old.root, new.root, proof)
                return
            except (merkle.ProofError, LookupError) as e:
                detail = f"no valid consistency proof from checkpoint #{old.id}: {e}"
        self._head_problem("inconsistent", new, self._first_position_after(old), detail)

    def _head_problem(self, kind: str, cp: CheckpointRow, position: int | None, d: str) -> None:
        self._problem(kind, position, None, None, f"checkpoint #{cp.id} (size {cp.size}): {d}")


def merge_problems(*groups: Sequence[Problem]) -> list[Problem]:
    """One list, in order of position then kind; one entry per (kind, event)."""
    seen: set[tuple[Any, ...]] = set()
    merged: list[Problem] = []
    for p in (p for g in groups for p in g):
        key = (p.kind, p.position, p.originator_id, p.version)
        if p.originator_id is None or key not in seen:
            seen.add(key)
            merged.append(p)
    merged.sort(key=lambda p: (p.position is None, p.position or 0, KINDS.index(p.kind)))
    return merged

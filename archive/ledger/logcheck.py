"""Checks the Merkle log against the event log, fed in notification order.

Pure like `streams.StreamChecker`: the caller streams events, leaves and stored nodes from any
database. Together they name every problem `saksi audit verify` reports:

    event kinds   modified · deleted · inserted · reordered   (an event and the log disagree)
    log kinds     leaf · node                                 (the log's own rows are damaged)
    head kinds    root · truncated · inconsistent · signature (a checkpoint and the log disagree)
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from archive.ledger import merkle
from archive.ledger.checkpoint import CheckpointError, Verifier, verify_checkpoint
from archive.ledger.streams import Problem

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
)

LeafRow = tuple[int, int, Any, int, bytes]  # index, position, originator id, version, hash
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
        self.levels: dict[int, tuple[Iterator[tuple[int, bytes]], tuple[int, bytes] | None]] = {}
        self.tree = merkle.TreeBuilder()
        self.first_position: list[int] = []  # per level: position of the node's first leaf
        self.last_position = 0
        self.roots: dict[int, bytes] = {0: merkle.EMPTY_ROOT}
        self.wanted_roots: set[int] = set()
        self.problems: list[Problem] = []

    def _problem(self, kind: str, pos: int | None, oid: Any, v: int | None, detail: str) -> None:
        self.problems.append(Problem(kind, pos, None if oid is None else str(oid), v, detail))

    # --- events against leaves ---------------------------------------------------------

    def event(self, position: int, oid: Any, version: int, chain_hash: bytes | None) -> None:
        """The next stored event in notification order, with the hash its chain link holds."""
        leaf = self.next_leaf
        while leaf is not None and leaf[1] < position:
            self._problem(
                "deleted", leaf[1], leaf[2], leaf[3], f"sealed as leaf {leaf[0]}; event is gone"
            )
            leaf = self._take_leaf()
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
        if (str(leaf[2]), leaf[3]) != (str(oid), version):
            self._problem(
                "reordered",
                position,
                oid,
                version,
                f"leaf {leaf[0]} sealed {leaf[2]} v{leaf[3]} at this position",
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
        self._take_leaf()

    def _take_leaf(self) -> LeafRow | None:
        """Feed the current leaf to the tree and move to the next one."""
        leaf = self.next_leaf
        assert leaf is not None
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
        for level in range((size & -size).bit_length() if size else 64):
            if level == len(self.first_position):
                self.first_position.append(position)
            else:
                self.first_position[level] = position
        for level, i, h in self.tree.append(merkle.hash_leaf(leaf[4])):
            self._compare_node(level, i, h)
        if self.tree.size in self.wanted_roots:
            self.roots[self.tree.size] = self.tree.root()
        self.next_leaf = next(self.leaves, None)
        return self.next_leaf

    def _stored(self, level: int) -> tuple[int, bytes] | None:
        if level not in self.levels:
            it = self.stored_nodes(level)
            self.levels[level] = (it, next(it, None))
        return self.levels[level][1]

    def _advance(self, level: int) -> None:
        it = self.levels[level][0]
        self.levels[level] = (it, next(it, None))

    def _compare_node(self, level: int, index: int, h: bytes) -> None:
        first = self.first_position[level]
        stored = self._stored(level)
        while stored is not None and stored[0] < index:  # cannot happen unless rows were added
            self._node_problem(level, stored[0], None, "a stored node where none belongs")
            self._advance(level)
            stored = self._stored(level)
        if stored is None or stored[0] > index:
            self._node_problem(level, index, first, "stored node is missing")
            return
        if stored[1] != h:
            self._node_problem(
                level,
                index,
                first,
                f"stored hash {stored[1].hex()}, its children hash to {h.hex()}",
            )
        self._advance(level)

    def _node_problem(self, level: int, index: int, position: int | None, what: str) -> None:
        leaves = f"leaves {index << level}..{((index + 1) << level) - 1}"
        self._problem("node", position, None, None, f"node {level}/{index} ({leaves}): {what}")

    # --- the end: leftover leaves and nodes, then the checkpoints --------------------------

    def finish_events(self, beyond: Sequence[tuple[int, int]] = ()) -> None:
        """No more events: every leaf left over lost its event; `beyond` are stored nodes
        over leaves the log does not have."""
        while self.next_leaf is not None:
            leaf = self.next_leaf
            self._problem(
                "deleted", leaf[1], leaf[2], leaf[3], f"sealed as leaf {leaf[0]}; event is gone"
            )
            self._take_leaf()
        for level in list(self.levels):
            while (stored := self._stored(level)) is not None:
                self._node_problem(level, stored[0], None, "a stored node where none belongs")
                self._advance(level)
        for level, index in beyond:
            self._node_problem(level, index, None, "stored beyond the log's last leaf")

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

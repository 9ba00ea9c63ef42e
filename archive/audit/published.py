"""The log published in the C2SP tlog-tiles layout (served under /log/): the newest checkpoint
with its cosignatures, hash tiles, entry bundles and the events with their chain links.

Nothing beyond the newest checkpoint is published (a tile past its size is 404), so what an
auditor mirrors is always covered by a signature. Hash tiles reveal no content and may be
public; the checkpoint, entries and events are for auditors and admins.
"""

from __future__ import annotations

from archive.errors import InvalidInput, NotFound
from archive.sealing import witnesses
from archive.services import Services
from domain.base import Context
from ledger import tiles
from ledger.mirror import event_line
from storage.db import Database
from storage.ledger_tables.merkle_store import MerkleStore
from storage.ledger_tables.published import leaf_events


def checkpoint(svc: Services, ctx: Context) -> str:
    """The newest checkpoint note, with every witness cosignature it has."""
    svc.guard.require(ctx, "audit", target="ledger")
    with svc.db.tx(write=False) as tx:
        latest = MerkleStore.latest_checkpoint(tx)
        if latest is None:
            raise NotFound("no checkpoint has been sealed yet")
        return witnesses.cosigned_note(tx, latest)


def _published_size(db: Database, level: int, index: int, width: int) -> None:
    with db.tx(write=False) as tx:
        latest = MerkleStore.latest_checkpoint(tx)
    if latest is None or tiles.tile_end(level, index, width) > latest.size:
        raise NotFound("no such tile: it is beyond the newest checkpoint")


def parse(path: str) -> tuple[int | str, int, int]:
    """A tile path, InvalidInput if it is not one."""
    try:
        return tiles.parse_tile_path(path)
    except tiles.TileError as e:
        raise InvalidInput(str(e)) from None


def hash_tile(db: Database, level: int, index: int, width: int) -> bytes:
    """A hash tile (public: hashes reveal nothing of the events)."""
    _published_size(db, level, index, width)
    wanted = tiles.tile_nodes(level, index, width)
    with db.tx(write=False) as tx:
        found = MerkleStore.nodes(tx, wanted)
    if len(found) != len(wanted):
        raise NotFound("the tile's nodes are not stored: run `saksi audit verify`")
    return b"".join(found[n] for n in wanted)


def entry_bundle(svc: Services, ctx: Context, index: int, width: int) -> bytes:
    """The entries of a level-0 tile: each leaf's event hash (its leaf hash is SHA-256(0x00 ‖
    it)), uint16 length-prefixed."""
    svc.guard.require(ctx, "audit", target="ledger")
    _published_size(svc.db, 0, index, width)
    with svc.db.tx(write=False) as tx:
        rows = leaf_events(tx, svc.db, index * tiles.TILE_WIDTH, width)
    return tiles.entry_bundle([r["sealed_hash"] for r in rows])


def event_bundle(svc: Services, ctx: Context, index: int, width: int) -> bytes:
    """The events of a level-0 tile as stored, with their chain links: one JSON line each."""
    svc.guard.require(ctx, "audit", target="ledger")
    _published_size(svc.db, 0, index, width)
    with svc.db.tx(write=False) as tx:
        rows = leaf_events(tx, svc.db, index * tiles.TILE_WIDTH, width)
    return b"".join(event_line(r) for r in rows)

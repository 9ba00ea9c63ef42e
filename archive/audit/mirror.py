"""`saksi audit mirror URL DIR`: an auditor's own copy of the log, fetched from the archive's
tiled log (/log/, C2SP tlog-tiles) with the auditor's token, checked in full (ledger/mirror.py),
and kept in DIR in the same layout; `saksi audit replay --from DIR` replays it without the
archive's database.

DIR holds: `checkpoint` (the newest mirrored, with its cosignatures), `checkpoints/<size>`
(every one mirrored), `verifier.key`, `state.json` (ledger.mirror.MirrorState), `tile/<L>/...`
(hash tiles, recomputed here), `tile/entries/...` and `events/...` (as served, checked).
An update that fails writes nothing: the mirror still holds what it verified last.
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from archive.errors import InvalidInput
from ledger import merkle, tiles
from ledger.checkpoint import Checkpoint, CheckpointError, parse_verifier_key, verify_checkpoint
from ledger.cosignature import Cosigner, check_cosignatures
from ledger.mirror import (
    MirroredEvent,
    MirrorError,
    MirrorState,
    extend,
    parse_event_lines,
    tile_node_source,
)

TIMEOUT_S = 30.0
MAX_FETCH = 64 << 20


class _Remote:
    """GETs under the archive's URL with the auditor's token; tiles cached per run."""

    def __init__(self, url: str, token: str | None) -> None:
        self.url, self.token = url.rstrip("/"), token
        self.tiles: dict[tuple[int, int, int], list[bytes]] = {}
        self.bundles: dict[str, bytes] = {}  # entry and event bundles fetched, by path

    def bundle(self, path: str) -> bytes:
        self.bundles[path] = self.get(f"log/{path}")
        return self.bundles[path]

    def get(self, path: str) -> bytes:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        request = urllib.request.Request(f"{self.url}/{path}", headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_S) as r:
                return bytes(r.read(MAX_FETCH))
        except urllib.error.HTTPError as e:
            detail = e.read(300).decode(errors="replace").strip()
            raise MirrorError("fetch", f"GET /{path}: HTTP {e.code} {detail}") from None
        except (urllib.error.URLError, OSError) as e:
            raise MirrorError("fetch", f"GET /{path}: {getattr(e, 'reason', e)}") from None

    def tile(self, level: int, index: int, width: int) -> list[bytes]:
        key = (level, index, width)
        if key not in self.tiles:
            data = self.get(f"log/{tiles.tile_path(level, index, width)}")
            try:
                self.tiles[key] = tiles.tile_hashes(data, width)
            except tiles.TileError as e:
                raise MirrorError("tiles", str(e)) from None
        return self.tiles[key]


def _load_state(folder: Path) -> MirrorState:
    path = folder / "state.json"
    if not path.exists():
        return MirrorState()
    try:
        return MirrorState.from_json(json.loads(path.read_text()))
    except (ValueError, KeyError, TypeError) as e:
        raise InvalidInput(f"{path} is not a Saksi mirror's state: {e}") from None


def _key(folder: Path, key: str | None, remote: _Remote) -> tuple[str, bool]:
    """The verifier key: --key, else the one the mirror was made with, else the archive's own
    (trust on first use: `key_checked` false)."""
    kept = folder / "verifier.key"
    if key is not None:
        if kept.exists() and kept.read_text().strip() != key.strip():
            raise InvalidInput(f"--key differs from the key this mirror was made with ({kept})")
        return key.strip(), True
    if kept.exists():
        return kept.read_text().strip(), True
    doc = json.loads(remote.get("api/audit/checkpoint"))
    return str(doc["key"]), False


def mirror(
    url: str,
    folder: Path,
    token: str | None,
    key: str | None = None,
    witnesses: list[Cosigner] | None = None,
    min_witnesses: int = 0,
) -> dict[str, Any]:
    """Fetch what is new, check all of it, then write it; MirrorError names what failed."""
    remote = _Remote(url, token)
    state = _load_state(folder)
    key_text, key_checked = _key(folder, key, remote)
    note = remote.get("log/checkpoint").decode("utf-8", errors="replace")
    try:
        cp = verify_checkpoint(note, parse_verifier_key(key_text), state.origin or None)
    except CheckpointError as e:
        raise MirrorError("signature", f"the archive's checkpoint: {e}") from None
    cosigned = check_cosignatures(note, witnesses or [])
    if cosigned.invalid:
        raise MirrorError("witness", "; ".join(cosigned.invalid))
    if cosigned.count() < min_witnesses:
        raise MirrorError(
            "witness",
            f"the checkpoint of size {cp.size} is cosigned by {cosigned.count()} of the given "
            f"witnesses, {min_witnesses} are required",
        )
    previous = state.size
    _check_consistent(folder, remote, state, cp)
    events, entries = _new_events(remote, state.size, cp.size)
    leaves = extend(state, events, entries)
    if state.root != cp.root:
        raise MirrorError(
            "root",
            f"the served events make root {state.root.hex()} at size {cp.size}, "
            f"the checkpoint signs {cp.root.hex()}",
        )
    state.origin = cp.origin
    _write(folder, remote, state, cp, note, key_text, leaves, previous)
    return {
        "dir": str(folder),
        "origin": cp.origin,
        "size": cp.size,
        "previous_size": previous,
        "new_events": cp.size - previous,
        "root": cp.root.hex(),
        "key": key_text,
        "key_checked": key_checked,
        "witnesses": [c.as_json() for c in cosigned.valid],
    }


def _check_consistent(folder: Path, remote: _Remote, state: MirrorState, cp: Checkpoint) -> None:
    """The new checkpoint extends the mirrored one: the served tiles make its root, and the
    archive's tree at the mirrored size still has the mirrored root."""
    mirrored = f"the mirrored checkpoint of size {state.size} (root {state.root.hex()})"
    if cp.size < state.size:
        raise MirrorError(
            "inconsistent",
            f"the archive's checkpoint of size {cp.size} is smaller than {mirrored}: "
            "the log was truncated",
        )
    source = tile_node_source(remote.tile, cp.size)
    if merkle.root(cp.size, source) != cp.root:
        raise MirrorError(
            "tiles", f"the served hash tiles do not make the signed root of size {cp.size}"
        )
    if state.size == 0:
        return
    then = merkle.root(state.size, source)
    if then != state.root:
        raise MirrorError(
            "inconsistent",
            f"the archive's checkpoint of size {cp.size} (root {cp.root.hex()}) is not "
            f"consistent with {mirrored}: the archive's tree at size {state.size} now has root "
            f"{then.hex()}{_first_difference(folder, remote, state.size, cp.size)}: "
            "history the mirror holds was rewritten",
        )


def _first_difference(folder: Path, remote: _Remote, old: int, new: int) -> str:
    """Where the served leaves first differ from the mirrored ones."""
    for level, index, width in tiles.tiles_of(old):
        if level != 0:
            break
        mine = tiles.tile_hashes((folder / tiles.tile_path(0, index, width)).read_bytes(), width)
        served = remote.tile(0, index, min(tiles.TILE_WIDTH, new - index * tiles.TILE_WIDTH))
        for i, (a, b) in enumerate(zip(mine, served, strict=False)):
            if a != b:
                return f"; leaf {index * tiles.TILE_WIDTH + i} differs"
    return ""


def _new_events(remote: _Remote, start: int, size: int) -> tuple[list[MirroredEvent], list[bytes]]:
    events: list[MirroredEvent] = []
    entries: list[bytes] = []
    for index in range(start // tiles.TILE_WIDTH, -(-size // tiles.TILE_WIDTH)):
        first = index * tiles.TILE_WIDTH
        width = min(tiles.TILE_WIDTH, size - first)
        try:
            bundle = tiles.parse_entry_bundle(
                remote.bundle(tiles.tile_path("entries", index, width)), width
            )
        except tiles.TileError as e:
            raise MirrorError("entries", str(e)) from None
        lines = parse_event_lines(remote.bundle(_events_path(index, width)), first, width)
        served = remote.tile(0, index, width)
        for i in range(width):
            if merkle.hash_leaf(bundle[i]) != served[i]:
                raise MirrorError(
                    "tiles", f"leaf {first + i}: the hash tile does not hash its entry"
                )
        skip = max(0, start - first)
        events += lines[skip:]
        entries += bundle[skip:]
    return events, entries


def _events_path(index: int, width: int) -> str:
    return "events/" + tiles.tile_path(0, index, width)[len("tile/0/") :]


def _write(
    folder: Path,
    remote: _Remote,
    state: MirrorState,
    cp: Checkpoint,
    note: str,
    key: str,
    new_leaves: list[bytes],
    previous: int,
) -> None:
    """Recompute every tile from the mirrored leaves (the served ones must equal them), then
    write the new files; the state last, so a crash leaves the previous mirror intact."""
    old: list[bytes] = []
    for level, index, width in tiles.tiles_of(previous):
        if level == 0:
            old += tiles.tile_hashes(
                (folder / tiles.tile_path(0, index, width)).read_bytes(), width
            )
    computed = tiles.tiles_from_leaves(old + new_leaves)
    for (level, index, width), data in computed.items():
        served = remote.tiles.get((level, index, width))
        if served is not None and b"".join(served) != data:
            raise MirrorError(
                "tiles", f"the served tile {tiles.tile_path(level, index, width)} differs"
            )
    for (level, index, width), data in computed.items():
        _put(folder / tiles.tile_path(level, index, width), data)
    for path, data in remote.bundles.items():
        _put(folder / path, data)
    for level, index, width in tiles.tiles_of(previous):  # superseded partial tiles
        if width != tiles.TILE_WIDTH and (level, index, width) not in computed:
            for path in (
                tiles.tile_path(level, index, width),
                *_partial_bundles(level, index, width),
            ):
                (folder / path).unlink(missing_ok=True)
    _put(folder / "checkpoint", note.encode())
    _put(folder / "checkpoints" / str(cp.size), note.encode())
    _put(folder / "verifier.key", (key + "\n").encode())
    _put(folder / "state.json", json.dumps(state.to_json()).encode())


def _partial_bundles(level: int, index: int, width: int) -> list[str]:
    return (
        [tiles.tile_path("entries", index, width), _events_path(index, width)] if level == 0 else []
    )


def _put(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)

"""An auditor's mirror of the tiled log (/log/, C2SP tlog-tiles) over a real server: made,
updated after more events, replayed without the archive's database; after an insider rewrite
the update fails naming the inconsistency, and `audit compare` names the fork in kept files."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

from archive.sealing import seal as sealing
from domain.base import Context
from domain.clip import Clip
from ledger import merkle, tiles
from tests.e2e.conftest import Api
from tests.support import flows, tamper


def camera(cli, camera_id: str) -> None:  # type: ignore[no-untyped-def]
    result = cli(
        "camera", "add", camera_id, "--name", "Jl. Pemuda", "--owner", "public",
        "--district", "Semarang Tengah", "--actor", "dodi",
    )  # fmt: skip
    assert result.code == 0, result.err


def test_a_mirror_is_made_updated_replayed_and_refuses_a_rewritten_history(  # type: ignore[no-untyped-def]
    server: Api, cli, footage: Path, tmp_path: Path
) -> None:
    svc, tokens = server.archive.svc, server.archive.tokens
    url, folder = str(server.client.base_url), tmp_path / "mirror"
    key = sealing.key_string(svc)
    clip_id = flows.clip_in_case(svc, footage)["clip_id"]
    svc.events.update(
        Clip,
        uuid.UUID(clip_id),
        lambda c: c.record_download("copy for a journalist", Context("budi")),
    )
    assert cli("audit", "checkpoint").code == 0

    def mirror():  # type: ignore[no-untyped-def]
        return cli(
            "audit", "mirror", url, str(folder), "--key", key, "--token", tokens["sari"], "--json"
        )

    first = mirror()
    assert first.code == 0, first.err
    size = first.json()["size"]
    assert first.json()["new_events"] == size > 0
    # The layout is tlog-tiles: the mirror's level-0 tile holds the leaf hashes.
    leaves = tiles.tile_hashes((folder / tiles.tile_path(0, 0, size)).read_bytes(), size)
    assert merkle.subtree_root(leaves) == bytes.fromhex(first.json()["root"])
    kept = tmp_path / "kept.note"  # what an auditor keeps of that day
    kept.write_text((folder / "checkpoint").read_text())
    package = tmp_path / "before.zip"
    result = cli(
        "export", "--clip", clip_id, "--out", str(package), "--actor", "budi",
        "--reason", "for the prosecutor", "--recipient", "court",
    )  # fmt: skip
    assert result.code == 0, result.err

    # More events, another checkpoint: the update fetches only what is new.
    camera(cli, "SMG-ST-0002")
    assert cli("audit", "checkpoint").code == 0
    second = mirror()
    assert second.code == 0, second.err
    assert second.json()["previous_size"] == size < second.json()["size"]
    assert sorted(p.name for p in (folder / "checkpoints").iterdir()) == sorted(
        [str(size), str(second.json()["size"])]
    )

    # Replayed from the mirror alone, the archive's state is the live one.
    offline = cli("audit", "replay", "--from", str(folder), "--json")
    assert offline.code == 0, offline.err
    live = cli("audit", "replay", "--json").json()
    assert offline.json()["clip_list"] == live["clip_list"]
    assert offline.json()["events"] == second.json()["size"] == live["events"]

    # Access: hash tiles are public, the rest needs an auditor's (or admin's) token.
    n = second.json()["size"]
    assert server.get(f"/log/{tiles.tile_path(0, 0, n)}").status_code == 200
    assert server.get("/log/checkpoint").status_code == 401
    assert server.get(f"/log/{tiles.tile_path('entries', 0, n)}", "budi").status_code == 403
    assert server.get(f"/log/{tiles.tile_path(0, 0, n + 1)}").status_code == 404  # unsigned

    # Kept files compare as prefixes of the live log.
    good = cli("audit", "compare", str(kept), str(package), "--actor", "sari", "--json")
    assert good.code == 0, good.out + good.err
    assert [f["status"] for f in good.json()["files"]] == ["prefix", "prefix"]

    # The insider rewrites the download's reason and re-signs everything.
    stream = flows.stream(svc, uuid.UUID(clip_id))
    version = next(r["v"] for r in stream if r["topic"].endswith("ClipDownloaded"))
    position = next(r["pos"] for r in stream if r["v"] == version)
    tamper.rewrite_event(
        svc, uuid.UUID(clip_id), version, b"copy for a journalist", b"review for case INC-1"
    )
    camera(cli, "SMG-ST-0003")
    assert cli("audit", "checkpoint").code == 0
    assert cli("audit", "verify").code == 0  # the archive alone cannot tell
    before = (folder / "state.json").read_text()
    refused = mirror()
    assert refused.code == 1
    assert "inconsistent" in refused.err and f"size {second.json()['size']}" in refused.err
    assert "history the mirror holds was rewritten" in refused.err
    leaf = _leaf_of(svc, position)
    assert f"leaf {leaf} differs" in refused.err
    assert (folder / "state.json").read_text() == before  # the mirror keeps what it verified
    assert cli("audit", "replay", "--from", str(folder)).code == 0

    # Kept files now name the fork; the package names the rewritten event.
    forked = cli("audit", "compare", str(kept), str(package), "--actor", "sari", "--json")
    assert forked.code == 1
    statuses = {Path(f["file"]).name: f for f in forked.json()["files"]}
    assert statuses["kept.note"]["status"] == statuses["before.zip"]["status"] == "fork"
    assert f"position {position}, {clip_id} v{version}" in statuses["before.zip"]["detail"]


def _leaf_of(svc, position: int) -> int:  # type: ignore[no-untyped-def]
    with svc.db.tx(write=False) as tx:
        return int(
            tx.one("SELECT leaf_index FROM ledger_leaves WHERE notification_id=?", (position,))[
                "leaf_index"
            ]
        )


def test_a_mirror_of_a_log_spanning_several_tiles_checks_every_tile(  # type: ignore[no-untyped-def]
    server: Api, cli, tmp_path: Path
) -> None:
    svc, folder = server.archive.svc, tmp_path / "mirror"
    for i in range(300):  # more than one full tile of leaves
        flows.camera(svc, f"SMG-X-{i:04d}")
    assert cli("audit", "checkpoint").code == 0
    result = cli(
        "audit", "mirror", str(server.client.base_url), str(folder),
        "--token", server.archive.tokens["ana"], "--json",
    )  # fmt: skip
    assert result.code == 0, result.err
    doc = result.json()
    assert doc["key_checked"] is False  # no --key: the archive's own, on first use
    size = doc["size"]
    assert (folder / tiles.tile_path(0, 0)).stat().st_size == 8192  # a full tile
    assert (folder / tiles.tile_path(0, 1, size - 256)).exists()
    assert (folder / tiles.tile_path(1, 0, 1)).exists()
    state = json.loads((folder / "state.json").read_text())
    assert state["size"] == size
    replayed = cli("audit", "replay", "--from", str(folder), "--json")
    assert replayed.code == 0 and replayed.json()["cameras"] >= 300

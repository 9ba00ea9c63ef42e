"""Findings 2 and 17 of issue 18: ranged reads must not hand out originals as "viewing", a
view-only share never serves the original, and a range of a replaced object is not served."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from tests.e2e.conftest import Api
from tests.support import flows

REASON = "review for report"


def url(clip_id: str) -> str:
    return f"/api/clips/{clip_id}/content?reason={REASON}"


def kinds(api: Api, clip_id: str) -> list[str]:
    return [e["type"] for e in flows.custody(api.archive.svc, clip_id)]


def test_several_ranges_are_never_merged_and_no_ranged_read_is_the_whole_original(
    api: Api, case_clip: dict[str, Any]
) -> None:
    clip_id, size = case_clip["clip_id"], case_clip["size_bytes"]
    # bytes=0-0,-1 used to return everything between the two ranges: the whole file.
    two = api.get(url(clip_id), "budi", headers={"Range": "bytes=0-0,-1"})
    assert two.status_code == 206 and len(two.content) == 1
    assert two.headers["content-range"] == f"bytes 0-0/{size}"
    # bytes=0- is served short of the last byte: a player asks again for the rest.
    rest = api.get(url(clip_id), "budi", headers={"Range": "bytes=0-"})
    assert rest.status_code == 206 and len(rest.content) == size - 1
    assert kinds(api, clip_id)[-1] == "ClipViewed" and "ClipDownloaded" not in kinds(api, clip_id)
    # The whole content in one response is a download, recorded as one every time.
    for _ in range(2):
        whole = api.get(url(clip_id), "budi")
        assert whole.status_code == 200 and len(whole.content) == size
    assert kinds(api, clip_id)[-2:] == ["ClipDownloaded", "ClipDownloaded"]


def test_a_view_only_share_serves_a_recorded_viewing_copy_never_the_original(
    api: Api, case_clip: dict[str, Any], footage: Path
) -> None:
    clip_id = case_clip["clip_id"]
    made = api.post("/api/shares", "budi", json={"clip_ids": [clip_id], "expires": "P1D",
                    "recipient": "Pengadilan Negeri Semarang", "view_only": True})  # fmt: skip
    assert made.status_code == 201, made.text
    share = made.json()
    link = urlparse(share["url"]).path
    # Take everything the link will give, range after range, as a copier would.
    got, first, total = b"", 0, None
    while total is None or first < total:
        part = api.get(f"{link}/clips/{clip_id}/content", headers={"Range": f"bytes={first}-"})
        assert part.status_code == 206, part.text
        total = int(part.headers["content-range"].rsplit("/", 1)[1])
        got += part.content
        first += len(part.content)
    original = footage.read_bytes()
    assert hashlib.sha256(got).hexdigest() != case_clip["sha256"] and got != original
    # What was served is a derivative recorded on the clip, made for this share.
    [added] = [e for e in flows.custody(api.archive.svc, clip_id) if e["type"] == "DerivativeAdded"
               and e["kind"] == f"share-view:{share['share_id']}"]  # fmt: skip
    assert added["sha256"] == hashlib.sha256(got).hexdigest() and added["size_bytes"] == total
    made_with = added["made_with"]
    assert made_with["share_id"] == share["share_id"]
    assert made_with["recipient"] == "Pengadilan Negeri Semarang"
    assert "-vf" in made_with["args"] and made_with["tool"]
    assert added["actor"] == f"share:{share['share_id']}"
    # A second viewing serves the same copy; no second one is made.
    again = api.get(f"{link}/clips/{clip_id}/content", headers={"Range": "bytes=0-99"})
    assert again.status_code == 206 and again.content == got[:100]
    assert kinds(api, clip_id).count("DerivativeAdded") == 1 + 1  # the poster, the copy


def _replace_stored(api: Api, case_clip: dict[str, Any], data: bytes) -> None:
    root = Path(api.archive.svc.settings.object_store[len("file://") :])
    sha = case_clip["sha256"]
    path = root / "sha256" / sha[:2] / sha[2:4] / sha
    os.chmod(path, 0o644)
    path.write_bytes(data)


def test_a_range_of_an_object_replaced_behind_the_archive_is_not_served(
    api: Api, case_clip: dict[str, Any]
) -> None:
    clip_id, size = case_clip["clip_id"], case_clip["size_bytes"]
    # Same size, other bytes: only hashing finds it.
    _replace_stored(api, case_clip, b"\x00" * size)
    same_size = api.get(url(clip_id), "budi", headers={"Range": "bytes=0-3"})
    assert same_size.status_code == 500 and b"\x00\x00\x00\x00" not in same_size.content
    assert "does not match its record" in same_size.json()["error"]
    # Another size: the stored object's size no longer matches the record.
    _replace_stored(api, case_clip, b"\x01" * 10)
    shorter = api.get(url(clip_id), "budi", headers={"Range": "bytes=0-3"})
    assert shorter.status_code == 500 and "holds 10 bytes" in shorter.json()["error"]

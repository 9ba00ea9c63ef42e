"""Clip search over the API: keyset pages (`after` / `next_after`), district and place
filters, and time windows that still find a long recording begun well before them."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from archive.cameras import registry as cameras
from domain.base import Context
from domain.clip import Clip
from storage.readmodels import schema
from tests.conftest import Archive
from tests.e2e.conftest import Api

T0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
# (camera, district, lat, lon): two cameras 300 m apart in Candisari, one far off in Tugu.
CAMERAS = [
    ("SMG-CS-1", "Candisari", -7.0100, 110.4300),
    ("SMG-CS-2", "Candisari", -7.0127, 110.4300),
    ("SMG-TG-1", "Tugu", -6.9600, 110.3200),
]


def _clip(camera: str, start: datetime, minutes: float) -> Clip:
    return Clip.ingest(
        clip_id=uuid.uuid4(),
        camera_id=camera,
        start=start,
        end=start + timedelta(minutes=minutes),
        sha256="0" * 64,
        size_bytes=1,
        media={"codec": "h264"},
        storage={"store": "file", "key": "none"},
        retention_class="report",
        retain_until=start + timedelta(days=90),
        source={"kind": "test"},
        reason="test",
        ctx=Context("dodi"),
    )


@pytest.fixture
def clips(archive: Archive) -> dict[str, Any]:
    """Twelve five-minute clips a quarter hour apart over the three cameras, and one
    six-hour recording on SMG-TG-1 that began at midnight."""
    svc = archive.svc
    for camera_id, district, lat, lon in CAMERAS:
        cameras.register_camera(
            svc, Context("ana"), camera_id=camera_id, name=camera_id, owner="public",
            district=district, lat=lat, lon=lon,
        )  # fmt: skip
    short = [_clip(CAMERAS[i % 3][0], T0 + timedelta(minutes=15 * i), 5) for i in range(12)]
    long = _clip("SMG-TG-1", T0 - timedelta(hours=8), 6 * 60)
    svc.events.save(*short, long)
    return {"short": [c.clip_id for c in short], "long": long.clip_id}


def _ids(response: Any) -> list[str]:
    assert response.status_code == 200, response.text
    return [c["clip_id"] for c in response.json()["clips"]]


def test_keyset_pages_walk_every_clip_once_in_recording_order(
    api: Api, clips: dict[str, Any]
) -> None:
    everything = _ids(api.get("/api/clips", "budi"))
    assert everything == [clips["long"], *clips["short"]]
    seen: list[str] = []
    params: dict[str, Any] = {"limit": 5}
    while True:
        page = api.get("/api/clips", "budi", params=params)
        seen += _ids(page)
        body = page.json()
        if "after" in params:  # a keyset walk hands out cursors, not offsets
            assert body["next_offset"] is None
        if body["next_after"] is None:
            break
        params = {"limit": 5, "after": body["next_after"]}
    assert seen == everything
    # Offsets still work for old clients, and say where the next page starts.
    assert api.get("/api/clips", "budi", params={"limit": 5}).json()["next_offset"] == 5
    assert (
        api.get("/api/clips", "budi", params={"limit": 5, "offset": 5}).json()["next_offset"] == 10
    )


def test_bad_paging_is_refused_with_one_clear_error(api: Api, clips: dict[str, Any]) -> None:
    for params in (
        {"after": "not-a-cursor"},
        {"after": "WyJ4IiwieSJd"},  # ["x","y"]: not a time
        {"after": "WyIyMDI2LTAzLTAxVDA4OjAwOjAwKzAwOjAwIiwieSJd", "offset": 3},
        {"lat": -7.01, "lon": 110.43},  # a place needs its radius
    ):
        r = api.get("/api/clips", "budi", params=params)
        assert r.status_code == 422, (params, r.text)
        assert "error" in r.json()


def test_district_and_place_narrow_a_time_window(api: Api, clips: dict[str, Any]) -> None:
    window = {"since": (T0 + timedelta(minutes=29)).isoformat(),
              "until": (T0 + timedelta(minutes=61)).isoformat()}  # fmt: skip
    # Clips 2..4 overlap the window (clip 1 ended at 0:20); the long one ended at 6:00.
    assert _ids(api.get("/api/clips", "budi", params=window)) == clips["short"][2:5]
    candisari = _ids(api.get("/api/clips", "budi", params={**window, "district": "Candisari"}))
    assert candisari == [clips["short"][3], clips["short"][4]]
    near = {**window, "lat": -7.0100, "lon": 110.4300, "radius_m": 100}
    assert _ids(api.get("/api/clips", "budi", params=near)) == [clips["short"][3]]
    wide = {**near, "radius_m": 1000}
    assert _ids(api.get("/api/clips", "budi", params=wide)) == candisari


def test_a_window_finds_a_long_recording_begun_hours_before_it(
    api: Api, archive: Archive, clips: dict[str, Any]
) -> None:
    window = {"since": (T0 - timedelta(hours=3)).isoformat(),
              "until": (T0 - timedelta(hours=2)).isoformat()}  # fmt: skip
    assert _ids(api.get("/api/clips", "budi", params=window)) == [clips["long"]]
    # An archive projected before the span table existed measures its clips when it gains
    # it: a short clip ingested afterwards does not shrink the span the search relies on.
    with archive.svc.db.tx() as tx:
        tx.run("DROP TABLE rm_clip_span")
    schema.create(archive.svc.db)
    archive.svc.events.save(_clip("SMG-CS-1", T0 + timedelta(days=1), 5))
    assert _ids(api.get("/api/clips", "budi", params=window)) == [clips["long"]]


def test_the_command_line_pages_the_same_way(cli, clips: dict[str, Any]) -> None:  # type: ignore[no-untyped-def]
    seen: list[str] = []
    args: list[str] = []
    while True:
        result = cli("clip", "list", "--district", "Candisari", "--limit", "3", *args, "--json")
        assert result.code == 0, result.err
        page = result.json()
        seen += [c["clip_id"] for c in page["clips"]]
        if page["next_after"] is None:
            break
        args = ["--after", page["next_after"]]
    assert seen == [c for i, c in enumerate(clips["short"]) if i % 3 != 2]
    bad = cli("clip", "list", "--after", "nonsense")
    assert bad.code == 2 and bad.err.startswith("error: invalid cursor"), bad.err

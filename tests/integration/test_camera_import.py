"""The camera registry for a city: 10,000 cameras from one CSV, re-imported unchanged, a bad row
refusing the whole file; GeoJSON round trips; edits, retirement and recording sources."""

from __future__ import annotations

from pathlib import Path

import pytest

from archive.cameras import bulk, changes, files
from archive.errors import InvalidInput, NotFound, Refused
from domain.base import Context, RuleBroken
from domain.camera import Camera
from storage.readmodels import queries
from tests.conftest import Archive
from tests.support import flows
from tests.support.recorders import city_csv

OP = Context("dodi")


def test_ten_thousand_cameras_import_once_and_again_changes_nothing(archive: Archive) -> None:
    data = city_csv(10_000)
    first = bulk.import_cameras(archive.svc, OP, "city.csv", data)
    assert (first["registered"], first["sources_set"], first["events"]) == (10_000, 1_000, 11_000)
    before = flows.event_count(archive.svc)

    again = bulk.import_cameras(archive.svc, OP, "city.csv", data)

    assert again["events"] == 0 and again["unchanged"] == 10_000
    assert flows.event_count(archive.svc) == before
    # One camera renamed in the file: one edit, nothing else.
    edited = bulk.import_cameras(archive.svc, OP, "city.csv", city_csv(10_000, rename=4321))
    assert (edited["edited"], edited["events"]) == (1, 1)
    row = queries.camera_row(archive.svc.db, "SMG-04321")
    assert row is not None and row["name"] == "Camera 4321 (moved)"
    # A file with one bad row is refused whole, the row named by its line.
    bad = city_csv(20).replace(b"SMG-00007,Camera 7,public", b"SMG-00007,Camera 7,publik")
    bad = bad.replace(b"SMG-00019,", b"SMG-99999,")  # a new camera, which must not be recorded
    with pytest.raises(InvalidInput, match=r"line 9: invalid owner 'publik'") as refused:
        bulk.import_cameras(archive.svc, OP, "bad.csv", bad)
    assert "nothing imported" in refused.value.message
    assert queries.camera_row(archive.svc.db, "SMG-99999") is None


def test_the_registry_exports_to_csv_and_geojson_and_reads_back_unchanged(
    archive: Archive, tmp_path: Path
) -> None:
    bulk.import_cameras(archive.svc, OP, "city.csv", city_csv(30))
    changes.set_source(
        archive.svc, OP, "SMG-00001", kind="hls-vod", url="http://10.2.0.1:5000", path="gate"
    )
    flows.camera(archive.svc, "NO-POSITION")
    changes.edit_camera(archive.svc, OP, "NO-POSITION", {"lat": None, "lon": None}, "unknown")
    for fmt in files.FORMATS:
        exported = bulk.export_cameras(archive.svc, Context("sari"), fmt)  # auditors may read
        result = bulk.import_cameras(archive.svc, OP, f"back.{fmt}", exported)
        assert (result["rows"], result["events"]) == (31, 0), fmt
    with pytest.raises(InvalidInput, match=r"feature 1: .*missing column 'camera_id'"):
        bulk.import_cameras(
            archive.svc,
            OP,
            "x.geojson",
            b'{"type":"FeatureCollection","features":[{"type":"Feature","geometry":null,'
            b'"properties":{"name":"a"}}]}',
        )


def test_edit_retire_and_source_are_events_and_checked(archive: Archive) -> None:
    flows.camera(archive.svc, "CAM-1")
    changes.edit_camera(archive.svc, OP, "CAM-1", {"name": "Gate"}, "renamed by the RT")
    with pytest.raises(RuleBroken, match="user or password"):
        changes.set_source(
            archive.svc, OP, "CAM-1", kind="dahua", url="rtsp://admin:pw@10.0.0.9", channel=1
        )
    with pytest.raises(RuleBroken, match="needs --channel"):
        changes.set_source(archive.svc, OP, "CAM-1", kind="hikvision", url="rtsp://10.0.0.9")
    with pytest.raises(Refused):
        changes.retire_camera(archive.svc, Context("budi"), "CAM-1", "not theirs to retire")
    with pytest.raises(NotFound):
        changes.retire_camera(archive.svc, OP, "CAM-404", "no such camera")
    changes.retire_camera(archive.svc, OP, "CAM-1", "pole removed")
    assert [c["camera_id"] for c in queries.cameras(archive.svc.db)] == []
    with pytest.raises(RuleBroken, match="retired"):
        changes.edit_camera(archive.svc, OP, "CAM-1", {"name": "Again"}, "x")
    rows = flows.stream(archive.svc, Camera.create_id("CAM-1"))
    types = [r["topic"].rsplit(".", 1)[-1] for r in rows]
    assert types == ["CameraRegistered", "CameraEdited", "CameraRetired"]

"""`case pull` in detail: what each camera kept, what it lacks, what fails, and who may pull."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from archive.cases import cases
from archive.custody.retrieval import show_clip
from archive.errors import InvalidInput, NotFound, Refused
from archive.ingest import media, pull
from domain.base import Context, RuleBroken
from tests.conftest import Archive
from tests.support import flows
from tests.support import footage as fx
from tests.support.principals import HOST

T0 = datetime(2026, 11, 1, 10, 0, tzinfo=UTC)
HERE = (-6.9903, 110.4229)


def run(archive: Archive, root: Path, start: float, end: float, actor: str = "budi") -> dict:
    return pull.pull(
        archive.svc,
        Context(actor),
        case_id="R-1",
        near=HERE,
        radius_m=100,
        start=T0 + timedelta(seconds=start),
        end=T0 + timedelta(seconds=end),
        source_root=root,
        reason="112 report",
    )


@pytest.fixture
def cameras(archive: Archive) -> None:
    flows.camera(archive.svc, "CAM-1", *HERE)
    flows.case(archive.svc, "R-1")


def test_a_camera_that_kept_part_of_the_range_gives_that_part(
    archive: Archive, cameras: None, tmp_path: Path
) -> None:
    fx.nvr_segments(tmp_path / "CAM-1", T0 + timedelta(seconds=4), count=2, seconds=4)
    result = run(archive, tmp_path, 0, 6)  # the NVR starts at 10:00:04
    [clip] = result["ingested"]
    assert clip["start"] == (T0 + timedelta(seconds=4)).isoformat()
    assert clip["end"] <= (T0 + timedelta(seconds=6, milliseconds=500)).isoformat()
    shown = show_clip(archive.svc, HOST, clip["clip_id"])
    assert shown["case_ids"] == ["R-1"] and shown["camera_id"] == "CAM-1"


def test_cameras_without_footage_in_the_range_are_reported_not_failed(
    archive: Archive, cameras: None, tmp_path: Path
) -> None:
    fx.nvr_segments(tmp_path / "CAM-1", T0, count=1, seconds=4)
    result = run(archive, tmp_path, 60, 70)
    assert result["ingested"] == [] and result["failed"] == []
    [missing] = result["without_footage"]
    assert (
        missing["camera_id"] == "CAM-1"
        and "no recording in the requested range" in missing["reason"]
    )
    (tmp_path / "CAM-1").rename(tmp_path / "elsewhere")
    (tmp_path / "CAM-1").mkdir()
    (tmp_path / "CAM-1" / "notes.txt").write_text("not a recording")
    [missing] = run(archive, tmp_path, 0, 2)["without_footage"]
    assert "holds no recordings" in missing["reason"]


def test_a_gap_or_damage_fails_that_camera_with_the_reason_and_the_others_go_on(
    archive: Archive, cameras: None, tmp_path: Path
) -> None:
    flows.camera(archive.svc, "CAM-2", HERE[0] + 0.0002, HERE[1])
    segments = fx.nvr_segments(tmp_path / "CAM-1", T0, count=3, seconds=4)
    segments[1].unlink()  # 10:00:04-10:00:08 is missing
    (tmp_path / "CAM-2").mkdir()
    media.make_test_clip(tmp_path / "CAM-2" / "rec.mp4", seconds=8, creation_time=T0)
    result = run(archive, tmp_path, 2, 10)
    [failed] = result["failed"]
    assert failed["camera_id"] == "CAM-1" and "gap" in failed["error"]
    assert [c["camera_id"] for c in result["ingested"]] == ["CAM-2"]


def test_a_camera_id_that_names_a_parent_folder_is_refused_before_any_pull(
    archive: Archive, tmp_path: Path
) -> None:
    """Ids hold no path syntax (domain/ids.py), so no camera can lead a pull out of its
    source root: `..` is refused when the camera is registered and nothing is recorded."""
    before = event_count(archive)
    with pytest.raises(RuleBroken, match="invalid camera id"):
        flows.camera(archive.svc, "..", *HERE)
    assert event_count(archive) == before


def event_count(archive: Archive) -> int:
    with archive.svc.db.tx(write=False) as tx:
        row = tx.one(f"SELECT COUNT(*) AS n FROM {archive.svc.db.events_table}")
    assert row is not None
    return int(row["n"])


def test_only_members_who_may_ingest_pull_into_an_open_case(
    archive: Archive, cameras: None, tmp_path: Path
) -> None:
    for actor in ("eko", "sari", "ana"):  # not a member; an auditor; an admin
        with pytest.raises(Refused):
            run(archive, tmp_path, 0, 2, actor)
    with pytest.raises(InvalidInput):
        run(archive, tmp_path, 5, 2)  # the end before the start
    with pytest.raises(InvalidInput):
        run(archive, tmp_path / "missing", 0, 2)
    with pytest.raises(NotFound):
        pull.pull(
            archive.svc,
            Context("budi"),
            case_id="R-404",
            near=HERE,
            radius_m=10,
            start=T0,
            end=T0 + timedelta(seconds=1),
            source_root=tmp_path,
            reason="r",
        )
    cases.close_case(archive.svc, Context("budi"), case_id="R-1", reason="resolved")
    with pytest.raises(InvalidInput, match="closed"):
        run(archive, tmp_path, 0, 2)

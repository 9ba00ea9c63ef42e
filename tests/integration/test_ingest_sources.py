"""Ingest from real sources: recording files, NVR segment folders, live RTSP and HTTP cameras.

Runs on the file store and on S3 (SeaweedFS); the event store is SQLite here (the PostgreSQL
path is covered end to end in tests/e2e).
"""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from archive.errors import AlreadyExists, InvalidInput
from archive.ingest import ingest, media
from archive.ingest.segments import parse_offset
from domain.base import Context
from domain.clip import Clip
from storage.objects.port import verify_content
from tests.conftest import Archive
from tests.support import flows
from tests.support.footage import nvr_segments
from tests.support.live import http_camera, rtsp_camera

pytestmark = [
    pytest.mark.parametrize("store_kind", ["sqlite"]),
    pytest.mark.usefixtures("object_kind"),  # every test on the file store and on S3
]
T0 = datetime(2026, 11, 29, 10, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def pull(archive: Archive, source: Path | str, **options: Any) -> dict[str, Any]:
    with contextlib.suppress(AlreadyExists):
        flows.camera(archive.svc)
    return ingest.ingest(
        archive.svc,
        Context("budi"),
        camera_id="SMG-SS-0001",
        source=str(source),
        reason="verify 112 report",
        **options,
    )


def clip_of(archive: Archive, result: dict[str, Any]) -> Clip:
    clip = archive.svc.events.find(Clip, UUID(result["clip_id"]))
    assert clip is not None
    return clip


@pytest.fixture(scope="module")
def recording(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Ten seconds, a keyframe every second, recorded from T0."""
    folder = tmp_path_factory.mktemp("recording")
    return media.make_test_clip(folder / "rec.mp4", seconds=10, creation_time=T0)


def test_a_range_is_cut_from_a_recording_by_stream_copy_from_the_keyframe_before(
    archive: Archive, recording: Path, object_kind: str
) -> None:
    result = pull(archive, recording, start=at(2.5), end=at(7.2))
    # Copy cuts begin on a keyframe: the clip starts at 2 s, not 2.5 s, and says so.
    assert result["start"] == at(2).isoformat()
    assert abs(datetime.fromisoformat(result["end"]) - at(7.2)) <= timedelta(seconds=0.11)
    clip = clip_of(archive, result)
    assert clip.source["kind"] == "file" and clip.source["name"] == "rec.mp4"
    assert clip.source["requested"] == {"start": at(2.5).isoformat(), "end": at(7.2).isoformat()}
    assert clip.source["actual"]["start"] == at(2).isoformat()
    assert clip.source["tool"].startswith("ffmpeg version")
    args = clip.source["args"]
    assert args[args.index("-c") + 1] == "copy" and args[-1] == "OUTPUT"  # no re-encode
    assert clip.media["codec"] == "h264" and clip.media["fps"] == 10.0
    stored = clip.storage
    verify_content(archive.svc.objects, stored["key"], stored.get("version_id"), clip.sha256)
    assert stored["store"] == object_kind


def test_the_cut_keeps_the_original_packets(archive: Archive, recording: Path, tmp_path) -> None:
    result = pull(archive, recording, start=at(3), end=at(5))
    out = tmp_path / "copy.mp4"
    clip = clip_of(archive, result)
    with archive.svc.objects.open(clip.storage["key"], clip.storage.get("version_id")) as f:
        out.write_bytes(f.read())
    # Stream copy: the packets of frames 30-49 of the source, byte for byte.
    assert _packet_hashes(out) == _packet_hashes(recording)[30:50]


def _packet_hashes(path: Path) -> list[str]:
    import subprocess

    out = subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(path), "-map", "0:v", "-c", "copy", "-f",
         "framemd5", "-"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    return [line.split(",")[-1].strip() for line in out.splitlines() if not line.startswith("#")]


def test_a_range_is_assembled_across_nvr_segment_boundaries(
    archive: Archive, tmp_path: Path
) -> None:
    names = nvr_segments(tmp_path / "nvr", T0, count=3, seconds=4)
    result = pull(archive, tmp_path / "nvr", start=at(2.5), end=at(10.05))
    assert result["start"] == at(2).isoformat()
    assert abs(datetime.fromisoformat(result["end"]) - at(10.1)) <= timedelta(seconds=0.11)
    clip = clip_of(archive, result)
    assert clip.source["kind"] == "segments"
    assert clip.source["names"] == [p.name for p in names]  # all three, joined
    assert clip.media["container"] == "mpegts"
    kinds = {d["kind"] for d in clip.derivatives}
    assert kinds == {"poster", "proxy"}  # MPEG-TS does not play in a browser


def test_mp4_segments_named_by_local_time_take_the_recorders_zone(
    archive: Archive, tmp_path: Path
) -> None:
    wib = parse_offset("+07:00")  # names like 20261129-170000.mp4 mean 10:00 UTC
    nvr_segments(tmp_path / "nvr", T0.astimezone(wib), count=2, suffix=".mp4",
                 pattern="%Y%m%d-%H%M%S")  # fmt: skip
    result = pull(archive, tmp_path / "nvr", start=at(1), end=at(6), source_tz=wib)
    assert result["start"] == at(1).isoformat() and result["container"].startswith("mov,mp4")


def test_a_gap_between_segments_is_refused(archive: Archive, tmp_path: Path) -> None:
    names = nvr_segments(tmp_path / "nvr", T0, count=3, seconds=4)
    names[1].unlink()
    with pytest.raises(InvalidInput, match="gap"):
        pull(archive, tmp_path / "nvr", start=at(1), end=at(10))


def test_a_requested_range_outside_the_recording_is_refused_and_leaves_nothing(
    archive: Archive, recording: Path
) -> None:
    with contextlib.suppress(AlreadyExists):
        flows.camera(archive.svc)
    before = flows.event_count(archive.svc)
    with pytest.raises(InvalidInput, match="outside the recording"):
        pull(archive, recording, start=at(-60), end=at(5))
    with pytest.raises(InvalidInput, match="outside the recording"):
        pull(archive, recording, start=at(8), end=at(30))
    assert flows.event_count(archive.svc) == before
    assert list(archive.svc.objects.iter_objects()) == []


def test_a_live_rtsp_camera_is_recorded_for_the_duration(archive: Archive) -> None:
    with rtsp_camera() as url:
        secret = url.replace("rtsp://", "rtsp://viewer:hunter2@")
        result = pull(archive, secret, duration=timedelta(seconds=2))
    assert 1.9 <= result["duration_s"] <= 2.2
    clip = clip_of(archive, result)
    assert clip.source["kind"] == "stream" and "hunter2" not in str(clip.source)
    assert clip.source["url"].startswith("rtsp://viewer:***@127.0.0.1:")
    assert {d["kind"] for d in clip.derivatives} == {"poster", "proxy"}


def test_a_live_http_camera_is_recorded_for_the_duration(archive: Archive) -> None:
    with http_camera() as url:
        result = pull(archive, url, duration=timedelta(seconds=2))
    assert 1.9 <= result["duration_s"] <= 2.2
    assert clip_of(archive, result).source["url"] == url


def test_a_stream_that_stops_early_is_refused(archive: Archive) -> None:
    with contextlib.suppress(AlreadyExists):
        flows.camera(archive.svc)
    before = flows.event_count(archive.svc)
    with http_camera(seconds=1) as url, pytest.raises(InvalidInput, match="stopped after"):
        pull(archive, url, duration=timedelta(seconds=4))
    assert flows.event_count(archive.svc) == before
    assert list(archive.svc.objects.iter_objects()) == []


def test_derivatives_are_separate_objects_recorded_with_how_they_were_made(
    archive: Archive, recording: Path
) -> None:
    clip = clip_of(archive, pull(archive, recording))
    (poster,) = clip.derivatives  # an H.264 MP4 plays in browsers as it is: no proxy
    assert poster["kind"] == "poster" and poster["sha256"] != clip.sha256
    assert poster["made_with"]["tool"].startswith("ffmpeg version")
    assert poster["made_with"]["args"][-1] == "OUTPUT"
    key, version = poster["storage"]["key"], poster["storage"].get("version_id")
    with archive.svc.objects.open(key, version) as f:
        assert f.read(3) == b"\xff\xd8\xff"  # a JPEG
    assert media.hash_file(recording) == clip.sha256  # the original, untouched


def test_content_already_archived_is_a_new_pull_reusing_the_stored_bytes(
    archive: Archive, recording: Path
) -> None:
    first = clip_of(archive, pull(archive, recording))
    second = clip_of(archive, pull(archive, recording))
    assert first.id != second.id and first.sha256 == second.sha256
    assert second.storage == first.storage
    assert second.source["deduplicated"] is True
    originals = [o for o in archive.svc.objects.iter_objects() if o.key == first.storage["key"]]
    assert len(originals) == 1

"""Bad input is refused before anything is stored or recorded, on both object stores."""

from __future__ import annotations

import contextlib
import subprocess
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from archive.errors import AlreadyExists, InvalidInput, classify
from archive.ingest import ingest, media
from archive.ingest.media import MediaError
from domain.base import Context
from tests.conftest import Archive
from tests.support import flows
from tests.support.footage import truncated
from tests.support.seaweed import free_port

pytestmark = [
    pytest.mark.parametrize("store_kind", ["sqlite"]),
    pytest.mark.usefixtures("object_kind"),
]
T0 = datetime(2026, 11, 29, 10, 0, tzinfo=UTC)


def _ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-hide_banner", "-v", "error", "-y", *args], check=True)


def not_a_video(d: Path) -> Path:
    (d / "notes.mp4").write_text("minutes of the meeting\n")
    return d / "notes.mp4"


def zero_length(d: Path) -> Path:
    (d / "empty.mp4").touch()
    return d / "empty.mp4"


def truncated_mp4(d: Path) -> Path:
    # Without faststart the index comes last: a cut-off file has none.
    _ffmpeg("-f", "lavfi", "-i", "testsrc2=size=320x240:rate=10", "-t", "3", str(d / "a.mp4"))
    return truncated(d / "a.mp4", d / "cut-off.mp4")


def truncated_faststart_mp4(d: Path) -> Path:
    clip = media.make_test_clip(d / "b.mp4", seconds=3)
    return truncated(clip, d / "cut-off-fast.mp4")


def truncated_ts(d: Path) -> Path:
    _ffmpeg("-f", "lavfi", "-i", "testsrc2=size=320x240:rate=10", "-t", "3", "-f", "mpegts",
            str(d / "c.ts"))  # fmt: skip
    return truncated(d / "c.ts", d / "cut-off.ts")


def audio_only(d: Path) -> Path:
    _ffmpeg("-f", "lavfi", "-i", "sine=duration=3", str(d / "voice.m4a"))
    return d / "voice.m4a"


BAD: list[tuple[Callable[[Path], Path], str]] = [
    (not_a_video, "not a readable video"),
    (zero_length, "is empty"),
    (truncated_mp4, "not a readable video"),
    (truncated_faststart_mp4, "damaged or truncated"),
    (truncated_ts, "truncated"),
    (audio_only, "no video stream"),
]


def refused(archive: Archive, source: str, match: str, **options: Any) -> None:
    with contextlib.suppress(AlreadyExists):
        flows.camera(archive.svc)
    before = flows.event_count(archive.svc)
    with pytest.raises((InvalidInput, MediaError), match=match) as error:
        ingest.ingest(
            archive.svc,
            Context("budi"),
            camera_id="SMG-SS-0001",
            source=source,
            reason="verify 112 report",
            **options,
        )
    known = classify(error.value)
    assert known is not None and known.exit_code == 2
    assert flows.event_count(archive.svc) == before, "nothing recorded"
    assert list(archive.svc.objects.iter_objects()) == [], "nothing stored"


@pytest.mark.parametrize(("make", "message"), BAD, ids=[m.__name__ for m, _ in BAD])
def test_input_that_is_not_intact_video_is_refused(
    archive: Archive, tmp_path: Path, make: Callable[[Path], Path], message: str
) -> None:
    refused(archive, str(make(tmp_path)), message, source_start=T0)


def test_an_unreachable_stream_is_refused(archive: Archive) -> None:
    url = f"rtsp://127.0.0.1:{free_port()}/cam1"
    refused(archive, url, "Connection refused", duration=timedelta(seconds=2))


def test_a_recording_that_does_not_say_when_it_began_needs_source_start(
    archive: Archive, tmp_path: Path
) -> None:
    clip = media.make_test_clip(tmp_path / "undated.mp4", seconds=2)
    refused(archive, str(clip), "--source-start")


def test_a_segment_folder_needs_a_range(archive: Archive, tmp_path: Path) -> None:
    refused(archive, str(tmp_path), "needs --start and --end")


def test_a_live_stream_needs_a_duration_and_files_do_not_take_one(
    archive: Archive, footage: Path
) -> None:
    refused(archive, "rtsp://127.0.0.1:9/cam1", "needs --duration")
    refused(archive, str(footage), "for live streams", duration=timedelta(seconds=2))

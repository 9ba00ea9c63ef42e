"""Pure parts of ingest: segment start times from names, range coverage, public URLs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from archive.errors import InvalidInput
from archive.ingest.cutting import public_url
from archive.ingest.media import MediaInfo
from archive.ingest.segments import Segment, candidates, covering, parse_offset, time_from_name

T0 = datetime(2026, 11, 29, 10, 0, tzinfo=UTC)
WIB = parse_offset("+07:00")


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("CAM01_20261129T100000Z.ts", T0),
        ("SMG-SS-0001_20261129T100000Z.ts", T0),  # the camera number is not a date
        ("20261129-170000.mp4", datetime(2026, 11, 29, 17, 0, tzinfo=WIB)),
        ("ch1_2026-11-29_17-00-00.ts", datetime(2026, 11, 29, 17, 0, tzinfo=WIB)),
        ("cam_20261129T170000+0700.ts", T0),
        ("recording.mp4", None),
    ],
)
def test_segment_names_give_their_start_time(name: str, expected: datetime | None) -> None:
    assert time_from_name(name, WIB) == expected


def test_an_offset_is_z_utc_or_hours_and_minutes() -> None:
    assert parse_offset("Z") is UTC and parse_offset("utc") is UTC
    assert parse_offset("-03:30").utcoffset(None) == -timedelta(hours=3, minutes=30)
    with pytest.raises(InvalidInput, match="expected Z or"):
        parse_offset("WIB")


def seg(start_s: float, seconds: float = 4, codec: str = "h264") -> Segment:
    info = MediaInfo("mpegts", codec, 320, 240, 10.0, seconds, None, False, None)
    return Segment(Path(f"s{start_s:g}.ts"), T0 + timedelta(seconds=start_s), info)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def test_only_segments_that_may_cover_the_range_are_probed() -> None:
    named = [(Path(f"{i}.ts"), at(i * 60)) for i in (3, 0, 1, 2)]  # any order on disk
    assert [named[i][0].name for i in candidates(named, at(70), at(130))] == ["1.ts", "2.ts"]
    assert [named[i][0].name for i in candidates(named, at(-5), at(10))] == ["0.ts"]


def test_a_range_uses_the_overlapping_segments_in_time_order() -> None:
    used = covering([seg(8), seg(0), seg(4)], at(3), at(9))
    assert [s.path.name for s in used] == ["s0.ts", "s4.ts", "s8.ts"]
    assert [s.path.name for s in covering([seg(0), seg(4)], at(4), at(8))] == ["s4.ts"]


def test_a_range_reaching_past_the_recording_is_refused() -> None:
    with pytest.raises(InvalidInput, match="outside the recording"):
        covering([seg(0), seg(4)], at(2), at(12))
    with pytest.raises(InvalidInput, match="outside the recording"):
        covering([seg(0)], at(-3), at(2))
    assert covering([seg(0)], at(-0.5), at(4.5))  # a frame or two of clock jitter is fine


def test_gaps_overlaps_and_mixed_codecs_are_refused() -> None:
    with pytest.raises(InvalidInput, match="gap"):
        covering([seg(0), seg(6)], at(1), at(9))
    with pytest.raises(InvalidInput, match="overlap"):
        covering([seg(0), seg(2)], at(1), at(5))
    with pytest.raises(InvalidInput, match="codec"):
        covering([seg(0), seg(4, codec="hevc")], at(1), at(7))
    with pytest.raises(InvalidInput, match="after --start"):
        covering([seg(0)], at(3), at(2))


def test_camera_urls_are_logged_without_secrets() -> None:
    url = "rtsp://admin:hunter2@10.1.2.3:554/cam/realmonitor?channel=1&password=hunter2"
    assert public_url(url) == "rtsp://admin:***@10.1.2.3:554/cam/realmonitor?channel=1&password=***"

"""Recording sources: the URL each kind asks its recorder for, in the recorder's own zone, and
the sources refused (a password in the URL, a template with unknown fields)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from domain.base import RuleBroken
from domain.recording_source import RecordingSource

START, END = datetime(2026, 11, 29, 13, 55, tzinfo=UTC), datetime(2026, 11, 29, 14, 15, tzinfo=UTC)


def url(**source: object) -> str:
    return RecordingSource.check(**source).playback_url(START, END)  # type: ignore[arg-type]


def test_vendor_forms_are_built_in_and_use_the_recorders_zone() -> None:
    assert url(kind="hikvision", url="rtsp://10.0.0.5:554/", channel=3, tz="+07:00") == (
        "rtsp://10.0.0.5:554/Streaming/tracks/301"
        "?starttime=20261129T205500Z&endtime=20261129T211500Z"
    )
    assert url(kind="dahua", url="rtsp://10.0.0.6", channel=2) == (
        "rtsp://10.0.0.6/cam/playback?channel=2&subtype=0"
        "&starttime=2026_11_29_13_55_00&endtime=2026_11_29_14_15_00"
    )
    assert url(kind="hls-vod", url="http://frigate:5000", path="gate") == (
        f"http://frigate:5000/vod/gate/start/{int(START.timestamp())}"
        f"/end/{int(END.timestamp())}/index.m3u8"
    )
    assert url(kind="mediamtx", url="http://mtx:9996", path="cam/1", tz="+07:00") == (
        "http://mtx:9996/get?path=cam/1&start=2026-11-29T20:55:00%2B07:00&duration=1200&format=fmp4"
    )
    template = "rtsp://nvr/play?ch={channel}&from={start:%H%M%S}&len={duration}"
    assert url(kind="rtsp-template", url=template, channel=9) == (
        "rtsp://nvr/play?ch=9&from=135500&len=1200"
    )


@pytest.mark.parametrize(
    ("source", "why"),
    [
        ({"kind": "hikvision", "url": "rtsp://admin:pw@10.0.0.5", "channel": 1}, "password"),
        ({"kind": "hls-vod", "url": "http://f:5000?token=abc", "path": "x"}, "secret"),
        (
            {"kind": "rtsp-template", "url": "rtsp://nvr/{start:%H}/{camera}"},
            "unknown template field",
        ),
        ({"kind": "rtsp-template", "url": "rtsp://nvr/fixed"}, "{start"),
        ({"kind": "hls-vod", "url": "rtsp://f:5000", "path": "x"}, "http://"),
        ({"kind": "mediamtx", "url": "http://m:9996"}, "--path"),
        ({"kind": "dahua", "url": "rtsp://d", "channel": 1, "tz": "+25:00"}, "time zone"),
        ({"kind": "folder", "url": "relative/dir"}, "absolute"),
        ({"kind": "axis", "url": "rtsp://a"}, "unknown source kind"),
    ],
)
def test_unusable_sources_are_refused_saying_why(source: dict[str, object], why: str) -> None:
    with pytest.raises(RuleBroken) as refused:
        RecordingSource.check(**source)  # type: ignore[arg-type]
    assert why in str(refused.value)
    assert "pw" not in str(refused.value) and "abc" not in str(refused.value)

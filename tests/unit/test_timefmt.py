from datetime import timedelta

import pytest

from archive.errors import InvalidInput
from archive.timefmt import format_duration, parse_duration, parse_time


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("P90D", timedelta(days=90)),
        ("PT5S", timedelta(seconds=5)),
        ("P1Y", timedelta(days=365)),
        ("P1DT2H3M4S", timedelta(days=1, hours=2, minutes=3, seconds=4)),
        ("P2W", timedelta(days=14)),
    ],
)
def test_iso_durations(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "P", "PT", "90D", "P1.5X", "soon", "P1DT"])
def test_bad_durations_are_refused(text: str) -> None:
    with pytest.raises(InvalidInput):
        parse_duration(text)


def test_times_need_an_offset() -> None:
    assert parse_time("2026-11-29T10:00:00+07:00").utcoffset() == timedelta(hours=7)
    assert parse_time("2026-11-29T03:00:00Z").utcoffset() == timedelta(0)
    with pytest.raises(InvalidInput, match="offset"):
        parse_time("2026-11-29T10:00:00")
    with pytest.raises(InvalidInput):
        parse_time("yesterday")


def test_durations_print_back() -> None:
    assert format_duration(timedelta(days=90)) == "P90D"
    assert format_duration(timedelta(seconds=5)) == "PT5S"

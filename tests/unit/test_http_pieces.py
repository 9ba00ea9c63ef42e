"""Pure pieces of the HTTP API: Range parsing and resolution, sniffing, rate limiting."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from api.http.limits import HttpLimits, Rate, RateLimiter
from api.http.ranges import parse_range
from archive.custody.content import (
    MAX_RANGE_BYTES,
    ByteRange,
    etag,
    if_range_holds,
    media_type,
    serve_span,
)
from archive.errors import InvalidInput, RangeNotSatisfiable, Throttled
from archive.footage_requests.links import LinkPolicy
from archive.ingest.uploads import sniff_container
from archive.settings import Settings
from archive.throttle import FailedSignIns

ETAG = '"abc"'


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("bytes=0-99", [ByteRange(0, 99)]),
        ("bytes=100-", [ByteRange(100, None)]),
        ("bytes=-500", [ByteRange(None, 500)]),
        ("BYTES = 1-2 , 5-", [ByteRange(1, 2), ByteRange(5, None)]),
        ("items=0-1", None),  # another unit: ignored
        ("bytes=5-1", None),  # invalid: ignored, the whole content is sent
        ("bytes=-", None),
        ("bytes=abc", None),
        ("bytes=" + ",".join(["0-1"] * 17), None),  # too many parts
        ("", None),
    ],
)
def test_range_headers_are_parsed_or_ignored(header: str, expected: list[ByteRange] | None) -> None:
    assert parse_range(header) == expected


def test_a_range_is_honoured_only_while_if_range_matches() -> None:
    sha256 = ETAG.strip('"')
    assert etag(sha256) == ETAG
    assert if_range_holds(None, sha256) and if_range_holds(ETAG, sha256)
    assert not if_range_holds('"other"', sha256)


def test_ranges_resolve_within_the_content_as_rfc_9110_says() -> None:
    # Never the whole content (a download), never separate ranges merged (issue 18).
    assert serve_span([ByteRange(0, 99)], 50) == (0, 48)
    assert serve_span([ByteRange(None, 10)], 50) == (40, 49)
    assert serve_span([ByteRange(None, 500)], 50) == (0, 48)
    assert serve_span([ByteRange(10, 19), ByteRange(30, 39)], 50) == (10, 19)
    assert serve_span([ByteRange(0, 0), ByteRange(None, 1)], 50) == (0, 0)
    assert serve_span([ByteRange(60, None), ByteRange(0, 0)], 50) == (0, 0)
    assert serve_span([ByteRange(5, None)], 10**9) == (5, 5 + MAX_RANGE_BYTES - 1)
    with pytest.raises(RangeNotSatisfiable):
        serve_span([ByteRange(50, None)], 50)
    with pytest.raises(RangeNotSatisfiable):
        serve_span([ByteRange(None, 0)], 50)


@given(
    size=st.integers(1, 10_000),
    first=st.integers(0, 20_000) | st.none(),
    last=st.integers(0, 20_000) | st.none(),
)
def test_a_resolved_range_always_lies_inside_the_content(
    size: int, first: int | None, last: int | None
) -> None:
    span = ByteRange(first, last).resolve(size)
    if span is not None:
        assert 0 <= span[0] <= span[1] < size


@pytest.mark.parametrize(
    ("head", "container"),
    [
        (b"\x00\x00\x00\x20ftypisom", "mp4"),
        (b"\x1a\x45\xdf\xa3\x01", "matroska"),
        (b"RIFF\x00\x00\x00\x00AVI LIST", "avi"),
        (b"\x47" + b"\x00" * 187 + b"\x47" + b"\x00" * 187, "mpegts"),
        (b"\x47" + b"\x00" * 187 + b"\x00" * 188, None),
        (b"%PDF-1.7", None),
        (b"", None),
    ],
)
def test_containers_are_sniffed_from_their_first_bytes(head: bytes, container: str | None) -> None:
    assert sniff_container(head) == container


def test_media_types_follow_the_container() -> None:
    assert media_type({"container": "mov,mp4,m4a,3gp,3g2,mj2"}) == "video/mp4"
    assert media_type({"container": "matroska,webm", "codec": "vp9"}) == "video/webm"
    assert media_type({"container": "matroska,webm", "codec": "h264"}) == "video/x-matroska"
    assert media_type({"container": "mpegts"}) == "video/mp2t"
    assert media_type({}) == "application/octet-stream"


def test_the_rate_limiter_allows_a_burst_then_refills_per_token() -> None:
    clock = {"t": 0.0}
    limiter = RateLimiter({"content": Rate(per_minute=60, burst=3)}, clock=lambda: clock["t"])
    for _ in range(3):
        limiter.take("content", "budi")
    with pytest.raises(Throttled) as refused:
        limiter.take("content", "budi")
    assert refused.value.details["retry_after"] == 1
    limiter.take("content", "dodi")  # another token has its own bucket
    clock["t"] = 1.0
    limiter.take("content", "budi")  # one second refills one request at 60/min


def test_limits_come_from_the_environment() -> None:
    limits = HttpLimits.from_env(
        {"SAKSI_HTTP_MAX_UPLOAD_MB": "10", "SAKSI_HTTP_RATE_CONTENT": "600/100"}
    )
    assert limits.max_upload_bytes == 10 * 1024 * 1024
    assert limits.rates["content"] == Rate(600, 100)
    assert limits.rates["verify"] == HttpLimits().rates["verify"]
    with pytest.raises(InvalidInput):
        HttpLimits.from_env({"SAKSI_HTTP_RATE_VERIFY": "lots"})


def test_upload_links_take_their_stale_claim_bound_from_the_environment() -> None:
    def policy(env: dict[str, str]) -> LinkPolicy:
        return LinkPolicy.from_settings(Settings.from_env({"SAKSI_HOME": "/nonexistent", **env}))

    assert policy({}).upload_stale == timedelta(hours=2)
    found = policy({"SAKSI_REQUEST_UPLOAD_STALE": "PT90M"})
    assert found.upload_stale == timedelta(minutes=90)
    for bad in ("soon", "PT0S"):
        with pytest.raises(InvalidInput, match="SAKSI_REQUEST_UPLOAD_STALE"):
            policy({"SAKSI_REQUEST_UPLOAD_STALE": bad})


def test_the_failed_sign_in_log_has_a_global_cap_across_clients() -> None:
    clock = {"t": 0.0}
    limiter = FailedSignIns(window=60, global_cap=3, clock=lambda: clock["t"])
    admitted = [limiter.admit(f"10.0.0.{i}") for i in range(10)]
    assert admitted == [0, 0, 0, None, None, None, None, None, None, None]
    clock["t"] = 61
    assert limiter.admit("10.0.0.99") == 7  # the next record carries the count

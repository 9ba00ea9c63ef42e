"""HTTP video-on-demand by time: Frigate's HLS playlists and MediaMTX's playback server.

HLS: the playlist for the range is read (a master playlist's first variant followed), each
segment is fetched in order and the bytes are joined as they came (MPEG-TS segments join into
one valid stream; fragmented MP4 after its initialisation section likewise), so the archive
holds the recorder's own packets. #EXT-X-PROGRAM-DATE-TIME dates them. MediaMTX: /list says
what is recorded, /get sends the range as fragmented MP4. The Date header of every answer
measures the recorder's clock against the archive's.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import httpx
import m3u8

from archive.credentials import Credential, scrub
from archive.ingest.recorders.delivery import (
    Delivery,
    Fetch,
    NoRecording,
    RecorderFailed,
    clock_offset,
)

GAP_S = 1.0  # segments further apart than this are not one recording
_CHUNK = 1024 * 1024


def fetch_hls(req: Fetch, credential: Credential | None) -> Delivery:
    with _client(req, credential) as client:
        text, offset = _get_text(client, req.url, credential)
        playlist = m3u8.loads(text, uri=req.url)
        if playlist.is_variant:
            if not playlist.playlists:
                raise RecorderFailed("nothing", "the recorder's playlist lists no stream")
            text, _ = _get_text(client, playlist.playlists[0].absolute_uri, credential)
            playlist = m3u8.loads(text, uri=playlist.playlists[0].absolute_uri)
        segments = list(playlist.segments)
        if not segments:
            raise RecorderFailed("nothing", "the recorder's playlist holds no segments")
        dated = segments[0].current_program_date_time or segments[0].program_date_time
        _check_continuous(segments)
        init = segments[0].init_section
        out = req.out.with_suffix(".mp4" if init is not None else ".ts")
        with open(out, "wb") as f:
            if init is not None:
                _download(client, init.absolute_uri, f, credential)
            for i, seg in enumerate(segments):
                _download(client, seg.absolute_uri, f, credential)
                if req.progress:
                    req.progress((i + 1) / len(segments))
    if dated is None:
        return Delivery(out, None, "the range asked (the playlist dates no segment)", offset)
    return Delivery(out, dated, "the playlist's #EXT-X-PROGRAM-DATE-TIME", offset)


def fetch_mediamtx(
    req: Fetch,
    credential: Credential | None,
    list_url: str,
    url_for: Callable[[datetime, datetime], str],
) -> Delivery:
    """`list_url`: the recorder's /list for the camera; `url_for(start, end)`: its /get URL."""
    with _client(req, credential) as client:
        listing, offset = _get_text(client, list_url, credential)
        start, end = _recorded(_spans(listing), req.start, req.end)
        out = req.out.with_suffix(".mp4")
        with open(out, "wb") as f:
            _download(client, url_for(start, end), f, credential)
        if req.progress:
            req.progress(1.0)
    return Delivery(out, start, "the recorder's list of recordings (/list)", offset)


def _client(req: Fetch, credential: Credential | None) -> httpx.Client:
    headers = {}
    if credential is not None:
        token = base64.b64encode(f"{credential.user}:{credential.password}".encode()).decode()
        headers["Authorization"] = f"Basic {token}"
    timeout = httpx.Timeout(req.timeout_s)
    # httpx drops the Authorization header when a redirect leaves the recorder's origin.
    return httpx.Client(headers=headers, timeout=timeout, follow_redirects=True)


def _get_text(
    client: httpx.Client, url: str, credential: Credential | None
) -> tuple[str, float | None]:
    try:
        r = client.get(url)
    except httpx.HTTPError as e:
        raise _network(e, credential) from None
    _check_status(r)
    return r.text, clock_offset(r.headers.get("date"))


def _download(client: httpx.Client, url: str, f: Any, credential: Credential | None) -> None:
    try:
        with client.stream("GET", url) as r:
            _check_status(r)
            for chunk in r.iter_bytes(_CHUNK):
                f.write(chunk)
    except httpx.HTTPError as e:
        raise _network(e, credential) from None


def _check_status(r: httpx.Response) -> None:
    if r.status_code in (401, 403):
        raise RecorderFailed(
            "refused", f"the recorder refused the credential (HTTP {r.status_code})"
        )
    if r.status_code == 404:
        raise NoRecording("the recorder has no recording in the range (HTTP 404)")
    if r.status_code >= 400:
        raise RecorderFailed("error", f"the recorder answered HTTP {r.status_code}")


def _network(e: httpx.HTTPError, credential: Credential | None) -> RecorderFailed:
    detail = scrub(str(e) or type(e).__name__, credential.secrets() if credential else [])
    if isinstance(e, httpx.TimeoutException):
        return RecorderFailed("timeout", f"the recorder did not answer in time ({detail})")
    if isinstance(e, httpx.ConnectError):
        return RecorderFailed("unreachable", f"the recorder is unreachable ({detail})")
    return RecorderFailed("error", f"the recorder's answer broke off ({detail})")


def _check_continuous(segments: list[Any]) -> None:
    previous = None
    for seg in segments:
        when = seg.current_program_date_time or seg.program_date_time
        if previous is not None and when is not None:
            expected = previous[0] + timedelta(seconds=previous[1])
            if abs((when - expected).total_seconds()) > GAP_S:
                raise RecorderFailed(
                    "error",
                    f"the recorder's footage has a gap from {expected.isoformat()} to "
                    f"{when.isoformat()}",
                )
        previous = (when, float(seg.duration or 0)) if when is not None else None


def _spans(text: str) -> list[tuple[datetime, datetime]]:
    try:
        items = json.loads(text)
        spans = []
        for item in items:
            start = datetime.fromisoformat(str(item["start"]).replace("Z", "+00:00"))
            spans.append((start, start + timedelta(seconds=float(item["duration"]))))
    except (ValueError, KeyError, TypeError):
        raise RecorderFailed(
            "error", "the recorder's /list answer is not a list of recordings"
        ) from None
    return spans


def _recorded(
    spans: list[tuple[datetime, datetime]], start: datetime, end: datetime
) -> tuple[datetime, datetime]:
    """The part of [start, end] the first recording overlapping it holds."""
    for s, e in sorted(spans):
        if e > start and s < end:
            return max(s, start), min(e, end)
    raise NoRecording("the recorder has no recording in the range")

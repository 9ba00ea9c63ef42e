"""Where a camera's recordings live, and the URL that asks its recorder for a time range.

A source is one of a few kinds (docs/sources.md). RTSP playback and HTTP video-on-demand are
URL templates: `{start:FMT}` and `{end:FMT}` are the range's ends in the recorder's own zone
(`FMT` is strftime, or `unix` for epoch seconds, or `rfc3339`), `{channel}`, `{path}` and
`{duration}` (whole seconds) the rest. Hikvision, Dahua, Frigate (HLS) and MediaMTX forms are
built in. A source never holds a password: it names a credential the archive keeps outside
the event store (SAKSI_CREDENTIALS), and a URL carrying one is refused.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from typing import Any
from urllib.parse import quote, urlsplit

from domain.base import RuleBroken

# kind -> template appended to the source's base URL (None: the URL itself is the template)
TEMPLATES: dict[str, str | None] = {
    "hikvision": (
        "/Streaming/tracks/{channel}01?starttime={start:%Y%m%dT%H%M%SZ}"
        "&endtime={end:%Y%m%dT%H%M%SZ}"
    ),
    "dahua": (
        "/cam/playback?channel={channel}&subtype=0&starttime={start:%Y_%m_%d_%H_%M_%S}"
        "&endtime={end:%Y_%m_%d_%H_%M_%S}"
    ),
    "rtsp-template": None,
    "hls-vod": "/vod/{path}/start/{start:unix}/end/{end:unix}/index.m3u8",
    "mediamtx": "/get?path={path}&start={start:rfc3339}&duration={duration}&format=fmp4",
    "onvif": "",
    "folder": "",
}
KINDS = tuple(TEMPLATES)
RTSP_KINDS = frozenset({"hikvision", "dahua", "rtsp-template", "onvif"})
HTTP_KINDS = frozenset({"hls-vod", "mediamtx"})
_FIELD = re.compile(r"\{(start|end|channel|path|duration)(?::([^{}]*))?\}")
_OFFSET = re.compile(r"^([+-])(\d{2}):?(\d{2})$")
_SECRET_PARAM = re.compile(r"(?:^|[?&])(?:pass|pwd|password|token|key|secret|auth)[^=&]*=", re.I)
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


def parse_tz(text: str) -> tzinfo:
    """`Z`, `UTC` or `+07:00`: the recorder's own fixed offset."""
    t = text.strip().upper()
    if t in ("Z", "UTC", "+00:00", "+0000"):
        return UTC
    m = _OFFSET.match(t)
    if not m or int(m.group(3)) >= 60 or int(m.group(2)) > 14:
        raise RuleBroken(f"invalid time zone {text!r}: expected Z or +HH:MM, e.g. +07:00")
    sign = 1 if m.group(1) == "+" else -1
    return timezone(sign * timedelta(hours=int(m.group(2)), minutes=int(m.group(3))))


@dataclass(frozen=True)
class RecordingSource:
    kind: str
    url: str
    channel: int | None = None
    path: str | None = None
    tz: str = "Z"
    credential: str | None = None

    @classmethod
    def check(
        cls,
        kind: str,
        url: str,
        channel: int | None = None,
        path: str | None = None,
        tz: str | None = None,
        credential: str | None = None,
    ) -> RecordingSource:
        """A source the archive can use, or RuleBroken saying what is wrong with it."""
        if kind not in TEMPLATES:
            raise RuleBroken(f"unknown source kind {kind!r}: expected one of {', '.join(KINDS)}")
        url = url.strip()
        zone = (tz or "Z").strip() or "Z"
        parse_tz(zone)
        if credential is not None and not _NAME.match(credential):
            raise RuleBroken(f"invalid credential name {credential!r}")
        path = path.strip() if path else None
        if kind == "folder":
            folder = url.removeprefix("file://")
            if not folder.startswith("/"):
                raise RuleBroken("a folder source needs an absolute path (--url /srv/nvr/CAM-1)")
            return cls(kind, folder, None, None, zone, None)
        _check_url(kind, url)
        if kind in ("hikvision", "dahua") and (channel is None or not 1 <= channel <= 512):
            raise RuleBroken(f"a {kind} source needs --channel N (1-512)")
        if kind in HTTP_KINDS and not path:
            raise RuleBroken(f"a {kind} source needs --path (the recorder's name of the camera)")
        if path is not None and not re.fullmatch(r"[A-Za-z0-9._~/-]{1,200}", path):
            raise RuleBroken(f"invalid --path {path!r}: letters, digits and . _ ~ / - only")
        if kind == "rtsp-template":
            if not _FIELD.search(url) or "{start" not in url:
                raise RuleBroken("an rtsp-template URL needs {start:FMT} (and usually {end:FMT})")
            for m in re.finditer(r"\{[^{}]*\}", url):
                if not _FIELD.fullmatch(m.group(0)):
                    raise RuleBroken(f"unknown template field {m.group(0)} in the URL")
            render(url, datetime(2000, 1, 1, tzinfo=UTC), datetime(2000, 1, 1, 0, 1, tzinfo=UTC))
        return cls(
            kind, url.rstrip("/") if TEMPLATES[kind] else url, channel, path, zone, credential
        )

    def zone(self) -> tzinfo:
        return parse_tz(self.tz)

    def playback_url(self, start: datetime, end: datetime) -> str:
        """The URL asking the recorder for [start, end] (no credential in it)."""
        template = TEMPLATES[self.kind]
        full = self.url if template is None else self.url + template
        return render(full, start, end, self.channel, self.path, self.zone())

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def render(
    template: str,
    start: datetime,
    end: datetime,
    channel: int | None = None,
    path: str | None = None,
    zone: tzinfo = UTC,
) -> str:
    def field(m: re.Match[str]) -> str:
        name, fmt = m.group(1), m.group(2)
        if name in ("start", "end"):
            t = (start if name == "start" else end).astimezone(zone)
            if fmt in (None, "", "rfc3339"):
                return quote(t.isoformat(), safe=":")
            if fmt == "unix":
                return str(int(t.timestamp()))
            try:
                return t.strftime(fmt)
            except ValueError:
                raise RuleBroken(f"invalid time format {fmt!r} in the URL template") from None
        if name == "duration":
            return str(max(1, round((end - start).total_seconds())))
        if name == "channel":
            return "" if channel is None else str(channel)
        return quote(path or "", safe="/")

    return _FIELD.sub(field, template)


def _check_url(kind: str, url: str) -> None:
    schemes = ("rtsp", "rtsps") if kind in RTSP_KINDS else ("http", "https")
    try:
        parts = urlsplit(url.replace("{", "").replace("}", ""))
    except ValueError:
        raise RuleBroken("invalid URL: not a URL the archive can read") from None
    if parts.scheme.lower() not in schemes or not parts.hostname:
        want = " or ".join(f"{s}://HOST[:PORT]" for s in schemes)
        raise RuleBroken(f"a {kind} source needs a URL {want}")
    if parts.username or parts.password or "@" in parts.netloc:
        raise RuleBroken(
            "the URL carries a user or password: keep credentials in SAKSI_CREDENTIALS "
            "and name one with --credential"
        )
    if _SECRET_PARAM.search("?" + parts.query):
        raise RuleBroken(
            "the URL carries a secret in its query: keep credentials in SAKSI_CREDENTIALS "
            "and name one with --credential"
        )

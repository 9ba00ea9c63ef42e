"""Times on pages: shown and typed in the archive's local time zone (Semarang: WIB, UTC+7).

`<input type="datetime-local">` sends a wall-clock time without an offset; the zone it is
read in is SAKSI_UI_TIMEZONE (an IANA name, default Asia/Jakarta) and every page says which.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from archive.errors import InvalidInput


def zone() -> tzinfo:
    name = os.environ.get("SAKSI_UI_TIMEZONE", "Asia/Jakarta")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return timezone(timedelta(hours=7), "WIB")  # no tz database: Semarang's own offset


def zone_label() -> str:
    now = datetime.now(UTC).astimezone(zone())
    offset = now.strftime("%z")
    return f"{now.tzname()} (UTC{offset[:3]}:{offset[3:]})"


def parse_local(text: str | None, what: str) -> datetime | None:
    """A datetime-local value (or ISO 8601 with an offset) as an aware time; None if empty."""
    if not text or not text.strip():
        return None
    try:
        t = datetime.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(f"invalid {what} {text!r}: expected e.g. 2026-11-01T17:00") from None
    return t if t.tzinfo else t.replace(tzinfo=zone())


def as_input(t: datetime | None) -> str:
    """A time as a datetime-local field value in the local zone."""
    return t.astimezone(zone()).strftime("%Y-%m-%dT%H:%M") if t else ""


def clock(epoch: float) -> str:
    """A Unix time as the local wall-clock HH:MM:SS (the timeline's axis)."""
    return datetime.fromtimestamp(epoch, zone()).strftime("%H:%M:%S")


def offset_s(epoch: float) -> int:
    """The local zone's offset from UTC at that moment, in seconds (for the page's script)."""
    offset = datetime.fromtimestamp(epoch, zone()).utcoffset()
    return int(offset.total_seconds()) if offset else 0


def required_range(since: str | None, until: str | None) -> tuple[datetime, datetime]:
    """A form's start and end (datetime-local fields), both required."""
    start, end = parse_local(since, "start"), parse_local(until, "end")
    if start is None or end is None:
        raise InvalidInput("give the start and the end of the time range")
    return start, end

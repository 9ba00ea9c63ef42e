"""ISO 8601 times (always with an offset) and durations (P30D, PT5S, P1Y2M3DT4H5M6S)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from archive.errors import InvalidInput

_DURATION = re.compile(
    r"^P(?:(?P<y>\d+)Y)?(?:(?P<mo>\d+)M)?(?:(?P<w>\d+)W)?(?:(?P<d>\d+)D)?"
    r"(?:T(?:(?P<h>\d+)H)?(?:(?P<mi>\d+)M)?(?:(?P<s>\d+(?:\.\d+)?)S)?)?$"
)


def parse_time(text: str, what: str = "time") -> datetime:
    try:
        t = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise InvalidInput(
            f"invalid {what} {text!r}: expected ISO 8601, e.g. 2026-11-29T10:00:00+07:00"
        ) from None
    if t.tzinfo is None:
        raise InvalidInput(f"{what} {text!r} needs a UTC offset, e.g. +07:00 or Z")
    try:
        t.astimezone(UTC)  # 0001-01-01T00:00+01:00 has no UTC equivalent
    except OverflowError:
        raise InvalidInput(f"{what} {text!r} is out of range") from None
    return t


def parse_duration(text: str, what: str = "duration") -> timedelta:
    """Years count 365 days and months 30: retention needs a fixed length, not a calendar."""
    m = _DURATION.match(text.strip().upper())
    if not m or text.strip().upper() in ("P", "PT") or text.strip().upper().endswith("T"):
        raise InvalidInput(f"invalid {what} {text!r}: expected ISO 8601, e.g. P90D or PT30S")
    g = {k: float(v) if v else 0.0 for k, v in m.groupdict().items()}
    return timedelta(
        days=g["y"] * 365 + g["mo"] * 30 + g["w"] * 7 + g["d"],
        hours=g["h"],
        minutes=g["mi"],
        seconds=g["s"],
    )


def format_duration(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    days, rest = divmod(seconds, 86400)
    if rest == 0:
        return f"P{days}D"
    return f"P{days}DT{rest}S" if days else f"PT{rest}S"


def iso(t: datetime | None) -> str | None:
    return t.isoformat() if t is not None else None


def now() -> datetime:
    return datetime.now(UTC)

"""The HTTP `Range` header (RFC 9110 §14.1-14.2): parsed here, resolved by custody.content."""

from __future__ import annotations

import re

from archive.custody.content import ByteRange

_SPEC = re.compile(r"^\s*(\d{0,19})\s*-\s*(\d{0,19})\s*$")
MAX_RANGES = 16


def parse_range(header: str | None) -> list[ByteRange] | None:
    """The requested byte ranges, or None for the whole content.

    A header we cannot read, in another unit or with too many parts is ignored, as the RFC
    allows: the reader then gets the whole content. (If-Range is the use case's to answer: it
    compares with the hash of the clip it loads, archive/custody/content.py.)"""
    if not header:
        return None
    unit, _, specs = header.partition("=")
    if unit.strip().lower() != "bytes" or not specs:
        return None
    parts = specs.split(",")
    if len(parts) > MAX_RANGES:
        return None
    ranges = []
    for part in parts:
        m = _SPEC.match(part)
        if m is None or (not m.group(1) and not m.group(2)):
            return None
        first = int(m.group(1)) if m.group(1) else None
        last = int(m.group(2)) if m.group(2) else None
        if first is not None and last is not None and last < first:
            return None
        ranges.append(ByteRange(first, last))
    return ranges

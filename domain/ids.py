"""Names people give things (case ids, camera ids, user names) end up in URLs, file names and
command lines, so they hold no path syntax (issue 18, finding 8): ASCII letters and digits,
'.', '-' and '_', each part beginning with a letter or digit - no '.' or '..' part, no leading,
trailing or doubled '/' (case ids alone may have parts, separated by '/'), at most 64 chars."""

from __future__ import annotations

import re

from domain.base import RuleBroken

MAX_LENGTH = 64
_PART = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


def check_id(what: str, value: str, *, parts: bool = False) -> str:
    """`value` if it is a well-formed `what` (e.g. "case id"); RuleBroken saying why not."""
    pieces = value.split("/") if parts else [value]
    if 0 < len(value) <= MAX_LENGTH and all(_PART.fullmatch(p) for p in pieces):
        return value
    allowed = "letters, digits, '.', '-' or '_'" + (", parts separated by '/'" if parts else "")
    raise RuleBroken(
        f"invalid {what} {value!r}: use {allowed}, each part beginning with a letter or digit"
        f" (at most {MAX_LENGTH} characters)"
    )

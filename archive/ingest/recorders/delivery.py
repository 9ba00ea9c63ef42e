"""What a recorder delivered, and the ways a recorder fails (each reported per camera)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path

from archive.errors import InvalidInput
from archive.ingest.sources import NoFootage

Fraction = Callable[[float], None]  # how much of the range has arrived, 0..1


@dataclass(frozen=True)
class Fetch:
    """One request to a recorder: the range in the archive's terms and where to write."""

    url: str  # the playback URL without any credential (for the record and for messages)
    start: datetime
    end: datetime
    out: Path  # the file to write, without a suffix (the adapter picks the container's)
    timeout_s: float
    progress: Fraction | None = None

    @property
    def seconds(self) -> float:
        return (self.end - self.start).total_seconds()


@dataclass(frozen=True)
class Delivery:
    """The recorder's bytes in a local file, and what it said about them."""

    path: Path
    start: datetime | None  # as the recorder dates the first frame (None: it does not say)
    dated_by: str  # where `start` comes from, for the record
    clock_offset_s: float | None = None  # the recorder's clock less the archive's, if known


class RecorderFailed(InvalidInput):
    """The recorder could not be used for this camera: down, timed out, refused the
    credential, or sent nothing usable. `reason` is one of REASONS."""

    REASONS = ("unreachable", "timeout", "refused", "nothing", "error")

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message, reason=reason)
        self.reason = reason


class NoRecording(NoFootage):
    """The recorder says it holds nothing in the range (a pull reports, not fails)."""


def clock_offset(date_header: str | None) -> float | None:
    """The recorder's clock less ours, from an HTTP/RTSP Date header (whole seconds)."""
    if not date_header:
        return None
    try:
        theirs = parsedate_to_datetime(date_header)
    except (TypeError, ValueError):
        return None
    if theirs.tzinfo is None:
        return None
    return round((theirs - datetime.now(UTC)).total_seconds())

"""Saksi's error tree, mapped once to exit codes and once to HTTP statuses.

SaksiError
 ├── InvalidInput      exit 2   HTTP 422   bad ids, times, files, rules the domain refuses
 │    ├── MediaError            not usable video: not a video, audio only, damaged, truncated
 │    ├── TooLarge              HTTP 413   a request body or upload over its size limit
 │    ├── TooSlow               HTTP 408   a request body under its minimum rate
 │    └── RangeNotSatisfiable   HTTP 416   a byte range outside the content
 ├── NotFound          exit 2   HTTP 404   unknown camera, case, clip, user
 ├── AlreadyExists     exit 2   HTTP 409   a name or id taken; a concurrent change won
 ├── Refused           exit 2   HTTP 403   role or case membership forbids (AccessDenied recorded)
 ├── Unauthenticated   exit 2   HTTP 401   no valid token
 ├── Gone              exit 2   HTTP 410   the clip was purged (carries the purge record)
 ├── Throttled         exit 2   HTTP 429   too many expensive requests with one token
 ├── Unavailable       exit 3   HTTP 503   database, object store or ffmpeg unavailable; disk full
 │    └── FfmpegMissing         ffmpeg/ffprobe are not installed
 ├── IntegrityFailure  exit 1   HTTP 500   stored content does not match its recorded hash
 └── StateConflict     exit 2   HTTP 409   the clip's state forbids it now: content pending deletion
                                           (carries the pending record), a restore of a clip not
                                           pending or past its recovery window
"""

from __future__ import annotations

import errno
from typing import Any

import psycopg
from eventsourcing.persistence import (
    IntegrityError,
    InterfaceError,
    OperationalError,
)

from domain.base import RuleBroken
from storage.errors import (
    ContentMismatch,
    ObjectLocked,
    ObjectMissing,
    StoreMisconfigured,
    StoreUnavailable,
)


class SaksiError(Exception):
    exit_code = 2
    http_status = 400

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class InvalidInput(SaksiError):
    http_status = 422


class TooLarge(InvalidInput):
    http_status = 413


class TooSlow(InvalidInput):
    http_status = 408


class RangeNotSatisfiable(InvalidInput):
    http_status = 416


class NotFound(SaksiError):
    http_status = 404


class AlreadyExists(SaksiError):
    http_status = 409


class Refused(SaksiError):
    http_status = 403


class Unauthenticated(SaksiError):
    http_status = 401


class Gone(SaksiError):
    http_status = 410


class Throttled(SaksiError):
    http_status = 429


class Unavailable(SaksiError):
    exit_code = 3
    http_status = 503


class MediaError(InvalidInput):
    """The input is not usable video: not a video, audio only, damaged or truncated."""

    def __init__(self, message: str, **details: Any) -> None:
        text = message.strip()
        super().__init__(text.splitlines()[0] if text else type(self).__name__, **details)


class FfmpegMissing(Unavailable):
    """ffmpeg/ffprobe are not installed."""


class IntegrityFailure(SaksiError):
    exit_code = 1
    http_status = 500


class StateConflict(SaksiError):
    http_status = 409


def classify(exc: BaseException) -> SaksiError | None:
    """Translate an error from the domain, media or adapters into the tree; None if unknown."""
    if isinstance(exc, SaksiError):
        return exc
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
        # A full disk (spooling an upload, a work folder): the server's problem, not the input's.
        return Unavailable(f"no space left on the server's disk ({exc.strerror})")
    table: list[tuple[type[BaseException] | tuple[type[BaseException], ...], type[SaksiError]]] = [
        ((RuleBroken, StoreMisconfigured), InvalidInput),
        (StoreUnavailable, Unavailable),
        ((ContentMismatch, ObjectMissing), IntegrityFailure),
        (ObjectLocked, Refused),
        (IntegrityError, AlreadyExists),
        ((OperationalError, InterfaceError, psycopg.OperationalError), Unavailable),
    ]
    for types, target in table:
        if isinstance(exc, types):
            message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            if target is Unavailable and not isinstance(exc, StoreUnavailable):
                message = f"the event store is unavailable: {message}"
            if target is AlreadyExists:
                message = "a concurrent change was recorded first; try again"
            return target(message)
    return None

"""Streaming a clip's original to a reader: byte ranges, verification, custody per session.

Custody rule (docs/http-api.md): a read without a byte range is a download and records
`ClipDownloaded` every time. A ranged read is viewing (a video player seeks with many range
requests): the first ranged read by a user for a reason records `ClipViewed`, and further
ranged reads of the same clip by the same user with the same reason within VIEW_SESSION of
that event record nothing more. The state lives in the clip's own events, so every API worker
applies the same rule, and concurrent first reads record one view (optimistic concurrency).

So that viewing never hands out a copy (issue 18, finding 2), a ranged response serves one
span: the first requested range that lies within the content (separate ranges are never
merged into a wider one), at most MAX_RANGE_BYTES, and never the whole content - a player
asks again for the rest; whoever wants the whole in one response downloads it, recorded so.

A read of the whole content is hashed on the way out. The last chunk is held back until the
hash is checked, so a reader never receives a complete copy that does not match its record:
on a mismatch the stream fails (the HTTP connection is cut short) and the error is logged.
A ranged read cannot be hashed (finding 17): before any range is served the stored object's
size and version are compared with the record, and each object version is hashed whole once
per process (again whenever its modification time changes).
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Iterator, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, BinaryIO, NoReturn

from archive import timefmt
from archive.custody.retrieval import authorize_content
from archive.errors import IntegrityFailure, InvalidInput, RangeNotSatisfiable
from archive.services import Services
from domain.base import Context
from domain.clip import Clip
from storage.errors import ContentMismatch
from storage.objects.port import CHUNK, ObjectInfo, verify_content

VIEW_SESSION = timedelta(minutes=30)
MAX_RANGE_BYTES = 16 * 1024 * 1024  # one ranged response; a player asks for the next
log = logging.getLogger("saksi.content")


@dataclass(frozen=True)
class ByteRange:
    """One range of an HTTP Range header, inclusive: `first-last`, `first-`, or suffix `-last`."""

    first: int | None
    last: int | None

    def resolve(self, size: int) -> tuple[int, int] | None:
        """Absolute (first, last) within `size` bytes, or None if it selects nothing (RFC 9110)."""
        if self.first is None:
            if not self.last:
                return None
            return max(size - self.last, 0), size - 1
        if self.first >= size or (self.last is not None and self.last < self.first):
            return None
        last = size - 1 if self.last is None else min(self.last, size - 1)
        return self.first, last


def serve_span(ranges: Sequence[ByteRange], size: int) -> tuple[int, int]:
    """The one span a ranged response serves: the first requested range within the content,
    cut to MAX_RANGE_BYTES, and short of the whole content by its last byte at least."""
    spans = [s for s in (r.resolve(size) for r in ranges) if s is not None]
    if not spans:
        raise RangeNotSatisfiable(f"no requested range lies within the {size} bytes", size=size)
    first, last = spans[0]
    last = min(last, first + MAX_RANGE_BYTES - 1)
    if first == 0 and last == size - 1 and size > 1:
        last = size - 2  # the whole content in one response is a download, not a view
    return first, last


@dataclass(frozen=True)
class Stored:
    """An object as recorded: a clip's original or one of its derivatives."""

    clip_id: str  # named in errors
    key: str
    version_id: str | None
    sha256: str
    size: int
    media_type: str

    @classmethod
    def original(cls, clip: Clip) -> Stored:
        return cls(
            clip.clip_id,
            clip.storage["key"],
            clip.storage.get("version_id"),
            clip.sha256,
            clip.size_bytes,
            media_type(clip.media),
        )

    @classmethod
    def derivative(cls, clip: Clip, d: dict[str, Any], media: str = "video/mp4") -> Stored:
        storage = d["storage"]
        return cls(
            clip.clip_id,
            storage["key"],
            storage.get("version_id"),
            d["sha256"],
            int(d["size_bytes"]),
            media,
        )


@dataclass
class Content:
    """An open read of a clip's original: `chunks` yields bytes first..last (inclusive)."""

    clip_id: str
    sha256: str
    size: int
    first: int
    last: int
    partial: bool
    media_type: str
    chunks: Iterator[bytes]
    _stack: ExitStack = field(repr=False, default_factory=ExitStack)

    @property
    def length(self) -> int:
        return self.last - self.first + 1

    def close(self) -> None:
        self._stack.close()


def read_content(
    svc: Services,
    ctx: Context,
    *,
    clip_id: str,
    reason: str,
    ranges: Sequence[ByteRange] | None = None,
    if_range: str | None = None,
) -> Content:
    """Authorize, record the custody event, then open the original at the requested range.
    `if_range`: the request's If-Range; the clip just loaded answers it (its hash is the ETag)."""
    if not reason.strip():
        raise InvalidInput("a reason is required")
    action = "clip.view" if ranges else "clip.download"
    _who, clip = authorize_content(svc, ctx, clip_id, action)
    if ranges and not if_range_holds(if_range, clip.sha256):
        ranges = None  # the content changed since the client's copy: it gets the whole
    first, last = serve_span(ranges, clip.size_bytes) if ranges else (0, clip.size_bytes - 1)
    if ranges:
        since = timefmt.now() - VIEW_SESSION

        def view(c: Clip) -> None:
            if not c.viewed_since(ctx.actor, reason, since):
                c.record_view(reason, ctx)

        svc.events.change(clip, view)  # the clip just loaded, reloaded only on a conflict
    else:
        svc.events.change(clip, lambda c: c.record_download(reason, ctx))
    return open_content(svc, clip, first, last, partial=bool(ranges))


def etag(sha256: str) -> str:
    """A clip's entity tag is its content hash: the original never changes."""
    return f'"{sha256}"'


def if_range_holds(if_range: str | None, sha256: str) -> bool:
    """RFC 9110 §13.1.5: ranges are served while If-Range (if sent) names the current ETag."""
    return if_range is None or if_range.strip() == etag(sha256)


def open_content(svc: Services, clip: Clip, first: int, last: int, *, partial: bool) -> Content:
    """Open bytes first..last of an authorized clip's original (its custody event recorded)."""
    return open_stored(svc, Stored.original(clip), first, last, partial=partial)


def open_stored(svc: Services, obj: Stored, first: int, last: int, *, partial: bool) -> Content:
    """Open bytes first..last of a recorded object; a part only once the object is checked."""
    whole = first == 0 and last == obj.size - 1
    if not whole:
        _check_stored(svc, obj)
    stack = ExitStack()
    try:
        src = stack.enter_context(svc.objects.open(obj.key, obj.version_id))
        _skip(src, first)
    except BaseException:
        stack.close()
        raise
    return Content(
        clip_id=obj.clip_id,
        sha256=obj.sha256,
        size=obj.size,
        first=first,
        last=last,
        partial=partial,
        media_type=obj.media_type,
        chunks=_chunks(src, stack, obj, last - first + 1, verify=whole),
        _stack=stack,
    )


class _Verified:
    """Object versions this process has hashed whole and found as recorded, by what stat says
    of them (size, version, modification time): a replaced file is hashed again."""

    LIMIT = 10_000

    def __init__(self) -> None:
        self._seen: set[tuple[str, str | None, int, object]] = set()
        self._lock = threading.Lock()

    def known(self, info: ObjectInfo) -> bool:
        with self._lock:
            return self._key(info) in self._seen

    def add(self, info: ObjectInfo) -> None:
        with self._lock:
            if len(self._seen) >= self.LIMIT:
                self._seen.clear()
            self._seen.add(self._key(info))

    @staticmethod
    def _key(info: ObjectInfo) -> tuple[str, str | None, int, object]:
        return (info.key, info.version_id, info.size_bytes, info.modified)


_VERIFIED = _Verified()


def _check_stored(svc: Services, obj: Stored) -> None:
    """Size and version as recorded, and the bytes hashed once: a part of a replaced object
    is never served under the record's hash and size."""
    info = svc.objects.stat(obj.key, obj.version_id)
    if obj.version_id is not None and info.version_id != obj.version_id:
        _mismatch(obj, f"the store holds version {info.version_id}, not {obj.version_id}")
    if info.size_bytes != obj.size:
        _mismatch(obj, f"the stored object holds {info.size_bytes} bytes, not {obj.size}")
    if _VERIFIED.known(info):
        return
    try:
        verify_content(svc.objects, obj.key, obj.version_id, obj.sha256)
    except ContentMismatch as e:
        _mismatch(obj, str(e))
    _VERIFIED.add(info)


def _skip(src: BinaryIO, offset: int) -> None:
    """Position at `offset`: seek where the store's stream can, read past it where not."""
    if offset == 0:
        return
    if src.seekable():
        src.seek(offset)
        return
    left = offset
    while left > 0:
        got = src.read(min(CHUNK, left))
        if not got:
            break
        left -= len(got)


def _chunks(
    src: BinaryIO, stack: ExitStack, obj: Stored, length: int, *, verify: bool
) -> Iterator[bytes]:
    digest = hashlib.sha256() if verify else None
    left = length
    held: bytes | None = None
    try:
        while left > 0:
            chunk = src.read(min(CHUNK, left))
            if not chunk:
                break
            left -= len(chunk)
            if digest is not None:
                digest.update(chunk)
            if held is not None:
                yield held
            held = chunk
        if left > 0:
            _mismatch(obj, f"the stored object ended {left} bytes early")
        if digest is not None and digest.hexdigest() != obj.sha256:
            _mismatch(obj, f"expected sha256 {obj.sha256}, read {digest.hexdigest()}")
        if held is not None:
            yield held
    finally:
        stack.close()


def _mismatch(obj: Stored, detail: str) -> NoReturn:
    log.error(
        "content of clip %s does not match its record: %s",
        obj.clip_id,
        detail,
        extra={"clip_id": obj.clip_id, "event": "content_mismatch"},
    )
    raise IntegrityFailure(f"content of clip {obj.clip_id} does not match its record: {detail}")


_CONTAINERS = {
    "mov": "video/mp4",
    "mp4": "video/mp4",
    "matroska": "video/x-matroska",
    "webm": "video/webm",
    "mpegts": "video/mp2t",
    "avi": "video/x-msvideo",
    "flv": "video/x-flv",
}


def media_type(media: dict[str, object]) -> str:
    """The MIME type a browser needs to play the original, from ffprobe's format name."""
    names = str(media.get("container") or "").split(",")
    if "webm" in names and media.get("codec") in ("vp8", "vp9", "av1"):
        return "video/webm"
    for name in names:
        if name in _CONTAINERS and name != "webm":
            return _CONTAINERS[name]
    return "application/octet-stream"

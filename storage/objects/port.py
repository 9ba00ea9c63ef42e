"""The object store port: content-addressed, write-once storage for clip content.

Implementations: `storage.objects.files.FileObjectStore` (embedded default) and
`storage.objects.s3.S3ObjectStore` (MinIO / any S3 with object lock). Both enforce the same
rules: an object cannot be deleted before its retain-until time or while a legal hold is set,
and retention is only ever extended.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import BinaryIO, Protocol

from storage.errors import ContentMismatch

CHUNK = 1024 * 1024
Progress = Callable[[int], None]  # called with the number of bytes done so far
Gate = Callable[[], None]  # raises to abandon a put whose content is written but not yet kept


def key_for(sha256: str) -> str:
    """Content address of a blob: sha256/ab/cd/<hex>."""
    return f"sha256/{sha256[:2]}/{sha256[2:4]}/{sha256}"


@dataclass(frozen=True)
class StoredObject:
    """What a put wrote: recorded in the clip's event."""

    store: str  # "file" | "s3"
    key: str
    version_id: str | None
    sha256: str
    size_bytes: int
    existed: bool = False  # the same content was already stored (deduplicated)

    def reference(self) -> dict[str, str | None]:
        return {"store": self.store, "key": self.key, "version_id": self.version_id}


@dataclass(frozen=True)
class ObjectInfo:
    key: str
    version_id: str | None
    size_bytes: int
    retain_until: datetime | None
    legal_hold: bool
    is_latest: bool = True
    delete_marker: bool = False  # S3: a delete without version id hides, never removes
    modified: datetime | None = None  # when this version was written (orphans get a grace)


class ObjectStore(Protocol):
    kind: str

    def check(self) -> None:
        """Raise StoreUnavailable / StoreMisconfigured unless the store can take evidence."""

    def initialise(self) -> None:
        """Create what the store needs (folder, bucket with object lock); idempotent."""

    def put(
        self,
        source: BinaryIO,
        *,
        retain_until: datetime,
        progress: Progress | None = None,
        expected_sha256: str | None = None,
        gate: Gate | None = None,
    ) -> StoredObject:
        """Stream `source` in, hashing it in the same pass; the key is its SHA-256.

        With `expected_sha256` (a hash the caller computed earlier) the bytes streamed must
        have that hash, or ContentMismatch is raised and nothing is kept; stores may use it
        to write under the content key directly (docs/storage.md); content already stored
        under it is reused without reading `source`. `gate` is called once the content is
        written but before it is locked or visible: if it raises, nothing is kept and the
        error propagates (ingest lets its checks run beside the upload this way)."""

    def open(self, key: str, version_id: str | None = None) -> AbstractContextManager[BinaryIO]:
        """Raw bytes of an object (callers verify the hash)."""

    def stat(self, key: str, version_id: str | None = None) -> ObjectInfo: ...

    def versions(self, key: str) -> list[ObjectInfo]:
        """Every stored version of a key, newest first."""

    def extend_retention(self, key: str, version_id: str | None, until: datetime) -> None:
        """Push retain-until later; an earlier time is ignored (retention only extends)."""

    def set_legal_hold(self, key: str, version_id: str | None, on: bool) -> None: ...

    def delete(self, key: str, version_id: str | None = None) -> None:
        """Remove one version (or the only one); ObjectLocked if retention or a hold forbid."""

    def settings_problems(self) -> list[str]:
        """What in the store's own settings would defeat the rules above (S3: versioning not
        enabled, no object lock or a GOVERNANCE default, lifecycle rules); empty when none."""
        ...

    def iter_objects(self) -> Iterator[ObjectInfo]:
        """Every object version in the store, for fixity audits and orphan sweeps."""


class HashingReader:
    """Wraps a stream: every byte read passes through SHA-256 (the hash of the same pass)."""

    def __init__(self, source: BinaryIO, progress: Progress | None = None) -> None:
        self.source = source
        self.digest = hashlib.sha256()
        self.size = 0
        self.progress = progress

    def read(self, n: int = -1) -> bytes:
        data = self.source.read(n)
        if data:
            self.digest.update(data)
            self.size += len(data)
            if self.progress:
                self.progress(self.size)
        return data

    def hexdigest(self) -> str:
        return self.digest.hexdigest()


def hash_stream(source: BinaryIO) -> tuple[str, int]:
    """SHA-256 and size of everything left in a stream."""
    reader = HashingReader(source)
    while reader.read(CHUNK):
        pass
    return reader.hexdigest(), reader.size


def verify_content(store: ObjectStore, key: str, version_id: str | None, sha256: str) -> int:
    """Hash a full download; raise ContentMismatch (loudly, with both hashes) on a difference."""
    with store.open(key, version_id) as src:
        got, size = hash_stream(src)
    if got != sha256:
        where = f"{key} (version {version_id})" if version_id else key
        raise ContentMismatch(
            f"object {where} does not match its record: expected sha256 {sha256}, read {got}"
        )
    return size

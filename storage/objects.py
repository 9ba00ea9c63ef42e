"""The object store port: content-addressed, write-once storage for clip content.

Implementations: `storage.filestore.FileObjectStore` (embedded default) and
`storage.s3store.S3ObjectStore` (MinIO / any S3 with object lock). Both enforce the same
rules: an object cannot be deleted before its retain-until time or while a legal hold is set,
and retention is only ever extended.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import BinaryIO, Protocol

CHUNK = 1024 * 1024
Progress = Callable[[int], None]  # called with the number of bytes done so far


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


class ObjectStore(Protocol):
    kind: str

    def check(self) -> None:
        """Raise StoreUnavailable / StoreMisconfigured unless the store can take evidence."""

    def initialise(self) -> None:
        """Create what the store needs (folder, bucket with object lock); idempotent."""

    def put(
        self, source: BinaryIO, *, retain_until: datetime, progress: Progress | None = None
    ) -> StoredObject:
        """Stream `source` in, hashing it in the same pass; the key is its SHA-256."""

    def open(self, key: str, version_id: str | None = None) -> AbstractContextManager[BinaryIO]:
        """Raw bytes of an object (callers verify the hash)."""

    def stat(self, key: str, version_id: str | None = None) -> ObjectInfo: ...

    def versions(self, key: str) -> list[ObjectInfo]:
        """Every stored version of a key, newest first."""

    def extend_retention(self, key: str, version_id: str | None, until: datetime) -> None:
        """Push retain-until later; an earlier time is ignored (retention only extends)."""

    def set_legal_hold(self, key: str, version_id: str | None, on: bool) -> None: ...

    def delete(self, key: str, version_id: str | None = None) -> None:
        """Remove one version (or the only one); raises ObjectLocked if retention or a hold forbid."""

    def iter_objects(self) -> Iterator[ObjectInfo]:
        """Every object version in the store, for fixity audits and orphan sweeps."""

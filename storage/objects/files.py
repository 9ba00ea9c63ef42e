"""Object store on a local folder: the embedded default.

Content lives at <root>/sha256/ab/cd/<hex> (read-only files), with a sidecar
<hex>.meta.json holding retain-until and legal hold. The rules of S3 object lock are kept in
software: no delete before retain-until or under hold; retention only extends.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO, TextIO

from storage.errors import ContentMismatch, ObjectLocked, ObjectMissing, StoreUnavailable
from storage.objects.port import (
    CHUNK,
    Gate,
    HashingReader,
    ObjectInfo,
    Progress,
    StoredObject,
    key_for,
)

META_SUFFIX = ".meta.json"
META_LOCK_WAIT_S = 2.0  # how long a reader waits for a sidecar's writer


class FileObjectStore:
    kind = "file"

    def __init__(self, root: Path) -> None:
        self.root = root

    def initialise(self) -> None:
        try:
            (self.root / "incoming").mkdir(parents=True, exist_ok=True)
            (self.root / "sha256").mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise StoreUnavailable(
                f"object folder {self.root} is not usable: {e.strerror}"
            ) from None

    def check(self) -> None:
        if not (self.root / "sha256").is_dir() or not os.access(self.root, os.W_OK):
            raise StoreUnavailable(
                f"object folder {self.root} is missing or not writable; run `saksi init`"
            )

    def _path(self, key: str) -> Path:
        if not key.startswith("sha256/") or ".." in key:
            raise ObjectMissing(f"not an object key: {key!r}")
        return self.root / key

    def put(
        self,
        source: BinaryIO,
        *,
        retain_until: datetime,
        progress: Progress | None = None,
        expected_sha256: str | None = None,
        gate: Gate | None = None,
    ) -> StoredObject:
        self.check()
        tmp = self.root / "incoming" / f"{uuid.uuid4().hex}.part"
        reader = HashingReader(source, progress)
        try:
            with open(tmp, "wb") as out:
                while chunk := reader.read(CHUNK):
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            sha = reader.hexdigest()
            if expected_sha256 is not None and sha != expected_sha256:
                raise ContentMismatch(
                    f"the content changed while it was stored: expected sha256 "
                    f"{expected_sha256}, streamed {sha}"
                )
            if gate is not None:
                gate()
            key = key_for(sha)
            final = self._path(key)
            existed = final.exists()
            final.parent.mkdir(parents=True, exist_ok=True)
            # Retention first: a crash after this leaves a lock without content, never the reverse.
            self._update_meta(key, retain_until=retain_until)
            if existed:
                tmp.unlink()
            else:
                os.chmod(tmp, 0o444)
                os.replace(tmp, final)
                _fsync_dir(final.parent)
        except OSError as e:
            tmp.unlink(missing_ok=True)
            if e.errno in (errno.ENOSPC, errno.EDQUOT):
                raise StoreUnavailable(f"object store is full ({self.root})") from None
            raise StoreUnavailable(f"object store write failed: {e.strerror}") from None
        except BaseException:  # a mismatch, or the caller's gate refused
            tmp.unlink(missing_ok=True)
            raise
        return StoredObject("file", key, None, sha, reader.size, existed)

    @contextmanager
    def open(self, key: str, version_id: str | None = None) -> Iterator[BinaryIO]:
        try:
            f = open(self._path(key), "rb")  # noqa: SIM115 - closed below
        except FileNotFoundError:
            raise ObjectMissing(f"object {key} is missing from the store") from None
        with f:
            yield f

    def stat(self, key: str, version_id: str | None = None) -> ObjectInfo:
        path = self._path(key)
        try:
            st = path.stat()
        except FileNotFoundError:
            raise ObjectMissing(f"object {key} is missing from the store") from None
        meta = self._read_meta(key)
        until = meta.get("retain_until")
        return ObjectInfo(
            key=key,
            version_id=None,
            size_bytes=st.st_size,
            retain_until=datetime.fromisoformat(until) if until else None,
            legal_hold=bool(meta.get("legal_hold")),
            modified=datetime.fromtimestamp(st.st_mtime, UTC),
        )

    def versions(self, key: str) -> list[ObjectInfo]:
        try:
            return [self.stat(key)]
        except ObjectMissing:
            return []

    def extend_retention(self, key: str, version_id: str | None, until: datetime) -> None:
        self.stat(key)
        self._update_meta(key, retain_until=until)

    def set_legal_hold(self, key: str, version_id: str | None, on: bool) -> None:
        self.stat(key)
        self._update_meta(key, legal_hold=on)

    def delete(self, key: str, version_id: str | None = None) -> None:
        path = self._path(key)
        meta_path = self._meta_path(key)
        # Checked and removed under the sidecar's lock (the one _update_meta takes), so a put
        # of the same content that extends the lock cannot slip in between.
        try:
            f = open(meta_path, "a+")  # noqa: SIM115 - closed by the with below
        except FileNotFoundError:  # not even its folder
            raise ObjectMissing(f"object {key} is missing from the store") from None
        with f:
            fcntl.flock(f, fcntl.LOCK_EX)
            f.seek(0)
            text = f.read()
            if not path.exists():
                if not text.strip():
                    meta_path.unlink(missing_ok=True)  # the empty sidecar opening it made
                raise ObjectMissing(f"object {key} is missing from the store")
            meta: dict[str, Any] = json.loads(text) if text.strip() else {}
            until = meta.get("retain_until")
            if meta.get("legal_hold"):
                raise ObjectLocked(f"object {key} is under legal hold")
            if until and datetime.fromisoformat(until) > datetime.now(UTC):
                raise ObjectLocked(f"object {key} is retained until {until}")
            path.unlink()  # a read-only file: unlinking needs only the folder's permission
            meta_path.unlink(missing_ok=True)

    def settings_problems(self) -> list[str]:
        return []  # the rules are this class's own code: there is nothing to configure

    def iter_objects(self) -> Iterator[ObjectInfo]:
        base = self.root / "sha256"
        for path in sorted(base.rglob("*")):
            if path.is_file() and not path.name.endswith(META_SUFFIX):
                yield self.stat(path.relative_to(self.root).as_posix())

    # sidecar metadata -----------------------------------------------------------------

    def _meta_path(self, key: str) -> Path:
        return self._path(key).with_name(self._path(key).name + META_SUFFIX)

    def _read_meta(self, key: str) -> dict[str, Any]:
        # Under the lock writers take: they truncate before they write, and a delete's open
        # makes an empty sidecar for a moment; read unlocked beside them, another process saw
        # "" (not JSON). A writer holds it for microseconds: one that holds it longer is hung
        # or frozen, and must not hang every reader, so the wait is bounded.
        try:
            f = open(self._meta_path(key))  # noqa: SIM115 - closed by the with below
        except FileNotFoundError:
            return {}
        with f:
            locked = _lock_shared(f, META_LOCK_WAIT_S)
            text = f.read()
        try:
            return dict(json.loads(text)) if text.strip() else {}
        except ValueError:
            if locked:
                raise
            raise StoreUnavailable(
                f"the lock state of {key} is being written by a process that does not finish"
            ) from None

    def _update_meta(
        self, key: str, *, retain_until: datetime | None = None, legal_hold: bool | None = None
    ) -> None:
        path = self._meta_path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "a+") as f:
            fcntl.flock(f, fcntl.LOCK_EX)  # concurrent ingests of the same content
            f.seek(0)
            text = f.read()
            meta: dict[str, Any] = json.loads(text) if text.strip() else {}
            if retain_until is not None:
                old = meta.get("retain_until")
                if old is None or datetime.fromisoformat(old) < retain_until:
                    meta["retain_until"] = retain_until.astimezone(UTC).isoformat()
            if legal_hold is not None:
                meta["legal_hold"] = legal_hold
            f.seek(0)
            f.truncate()
            f.write(json.dumps(meta, sort_keys=True))
            f.flush()
            os.fsync(f.fileno())


def _lock_shared(f: TextIO, wait_s: float) -> bool:
    """A shared lock on an open file within `wait_s` (True), or none (False)."""
    deadline = time.monotonic() + wait_s
    while True:
        try:
            fcntl.flock(f, fcntl.LOCK_SH | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.001)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)

"""The object store contract, on the local file store and on S3 (SeaweedFS) alike."""

from __future__ import annotations

import hashlib
import io
import os
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest

from archive.bootstrap import open_object_store
from archive.settings import Settings
from storage.errors import ContentMismatch, ObjectLocked, ObjectMissing
from storage.objects.port import ObjectStore, key_for, verify_content

pytestmark = pytest.mark.parametrize("store_kind", ["sqlite"])


@pytest.fixture
def store(settings: Settings, object_kind: str) -> ObjectStore:
    s = open_object_store(settings.object_store)
    s.initialise()
    s.check()
    assert s.kind == object_kind
    return s


def soon(seconds: float = 3600) -> datetime:
    return datetime.now(UTC) + timedelta(seconds=seconds)


def stored_versions(store: ObjectStore) -> list[tuple[str, str | None]]:
    return [(o.key, o.version_id) for o in store.iter_objects() if not o.delete_marker]


class Failing(io.RawIOBase):
    """A source that breaks after `after` bytes, like a disk or a network giving out."""

    def __init__(self, after: int) -> None:
        self.left = after

    def readable(self) -> bool:
        return True

    def readinto(self, b: bytearray) -> int:  # type: ignore[override]
        if self.left <= 0:
            raise OSError("the source went away")
        n = min(len(b), self.left)
        b[:n] = os.urandom(n)
        self.left -= n
        return n


def test_content_is_stored_under_its_sha256_and_read_back_verified(store: ObjectStore) -> None:
    data = b"camera footage " * 1000
    sha = hashlib.sha256(data).hexdigest()
    stored = store.put(io.BytesIO(data), retain_until=soon())
    assert (stored.sha256, stored.size_bytes, stored.key) == (sha, len(data), key_for(sha))
    assert stored.existed is False
    assert (stored.version_id is not None) == (store.kind == "s3")
    assert verify_content(store, stored.key, stored.version_id, sha) == len(data)
    with store.open(stored.key, stored.version_id) as f:
        assert f.read() == data


def test_a_known_hash_that_does_not_match_the_bytes_stores_nothing(store: ObjectStore) -> None:
    with pytest.raises(ContentMismatch, match="changed while it was stored"):
        store.put(io.BytesIO(b"other bytes"), retain_until=soon(), expected_sha256="ab" * 32)
    assert stored_versions(store) == []


def test_large_content_goes_up_in_parts_and_hashes_right(store: ObjectStore, tmp_path) -> None:
    path = tmp_path / "big.bin"
    path.write_bytes(os.urandom(40 * 1024 * 1024))  # more than two 16 MiB parts on S3
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    with open(path, "rb") as f:
        stored = store.put(f, retain_until=soon(), expected_sha256=sha)
    assert stored.size_bytes == path.stat().st_size
    verify_content(store, stored.key, stored.version_id, sha)


def test_an_upload_interrupted_halfway_leaves_nothing(store: ObjectStore) -> None:
    source = io.BufferedReader(Failing(after=20 * 1024 * 1024))
    with pytest.raises(Exception, match=r"went away|unreachable|failed"):
        store.put(source, retain_until=soon())
    assert stored_versions(store) == []


def test_the_same_content_is_stored_once_and_its_lock_extended(store: ObjectStore) -> None:
    first = store.put(io.BytesIO(b"same bytes"), retain_until=soon(3600))
    later = soon(7200)
    again = store.put(io.BytesIO(b"same bytes"), retain_until=later)
    assert again.existed and (again.key, again.version_id) == (first.key, first.version_id)
    assert len(stored_versions(store)) == 1
    until = store.stat(first.key, first.version_id).retain_until
    assert until is not None and abs((until - later).total_seconds()) < 2


def test_retention_is_only_ever_extended(store: ObjectStore) -> None:
    stored = store.put(io.BytesIO(b"locked"), retain_until=soon(3600))
    store.extend_retention(stored.key, stored.version_id, soon(60))
    until = store.stat(stored.key, stored.version_id).retain_until
    assert until is not None and until > soon(3500)


def test_deletion_waits_for_retention_and_for_the_legal_hold(store: ObjectStore) -> None:
    stored = store.put(io.BytesIO(b"short lived"), retain_until=soon(2))
    store.set_legal_hold(stored.key, stored.version_id, True)
    assert store.stat(stored.key, stored.version_id).legal_hold
    with pytest.raises(ObjectLocked):
        store.delete(stored.key, stored.version_id)
    time.sleep(3)  # retention over, the hold still stands
    with pytest.raises(ObjectLocked, match="legal hold"):
        store.delete(stored.key, stored.version_id)
    store.set_legal_hold(stored.key, stored.version_id, False)
    store.delete(stored.key, stored.version_id)
    assert stored_versions(store) == []
    with pytest.raises(ObjectMissing):
        store.stat(stored.key, stored.version_id)


def test_reading_a_missing_object_says_so(store: ObjectStore) -> None:
    with pytest.raises(ObjectMissing), store.open(key_for("0" * 64)) as f:
        f.read()


def test_a_download_that_does_not_hash_right_fails_loudly(store: ObjectStore) -> None:
    stored = store.put(io.BytesIO(b"evidence"), retain_until=soon())
    with pytest.raises(ContentMismatch, match=r"expected sha256 f{64}"):
        verify_content(store, stored.key, stored.version_id, "f" * 64)


def test_content_whose_gate_refuses_is_not_kept(store: ObjectStore) -> None:
    data = b"footage whose checks failed beside the upload"

    def refuse() -> None:
        raise RuntimeError("the integrity check found damage")

    with pytest.raises(RuntimeError, match="damage"):
        store.put(
            io.BytesIO(data),
            retain_until=soon(),
            expected_sha256=hashlib.sha256(data).hexdigest(),
            gate=refuse,
        )
    assert stored_versions(store) == []
    stored = store.put(io.BytesIO(data), retain_until=soon(), gate=lambda: None)
    assert stored.existed is False and stored_versions(store) == [(stored.key, stored.version_id)]


def test_the_lock_state_reads_whole_while_another_writer_changes_it(store: ObjectStore) -> None:
    """Servers share the store: a stat (fixity, the sweep) beside an ingest extending the same
    object's lock never sees it half-written (the file store's sidecar once read as "")."""
    stored = store.put(io.BytesIO(b"read while extended"), retain_until=soon())
    until = time.monotonic() + 1.0
    failures: list[str] = []

    def extend() -> None:
        n = 0
        while time.monotonic() < until:
            n += 1
            store.extend_retention(stored.key, stored.version_id, soon(3600 + n))

    writer = threading.Thread(target=extend)
    writer.start()
    reads = 0
    while time.monotonic() < until:
        try:
            info = store.stat(stored.key, stored.version_id)
            assert info.retain_until is not None and info.retain_until > soon(3000)
        except Exception as e:  # each failure is what the test counts
            failures.append(repr(e))
        reads += 1
    writer.join()
    assert reads > 10 and failures == [], failures[:3]

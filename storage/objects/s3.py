"""Object store on S3 with object lock (MinIO in production, SeaweedFS in the tests).

Content lives under its SHA-256 (`sha256/ab/cd/<hex>`) in a bucket created with object lock
(and so versioning). Every original is locked in COMPLIANCE mode until its retain-until, which
is only ever extended; legal holds are S3 legal holds; the server itself refuses deletes.

How a content key meets a hash computed while uploading (docs/storage.md has the figures):
- The caller knows the hash (ingest hashes the file first, while ffprobe reads it): upload
  straight to the content key, hashing again in the same pass as the upload, and lock the
  version only when both hashes agree and the caller's gate (its checks still running beside
  the upload) passes; otherwise delete the version (it is not locked yet) and re-raise.
  One upload, no copy.
- The hash is not known (a stream that cannot be read twice): upload to `incoming/<uuid>`
  hashing in the same pass, then a server-side copy to the content key with the lock, and
  delete the temporary version. Correct for any source, but the copy costs about 0.6 of the
  upload time again on SeaweedFS, which is why ingest takes the first path.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import parse_qs, unquote, urlsplit

import certifi
import urllib3
from minio import Minio
from minio.commonconfig import COMPLIANCE, GOVERNANCE, REPLACE, CopySource
from minio.error import MinioException, S3Error
from minio.retention import Retention

from storage.errors import (
    ContentMismatch,
    ObjectLocked,
    ObjectMissing,
    StoreMisconfigured,
    StoreUnavailable,
)
from storage.objects.port import (
    Gate,
    HashingReader,
    ObjectInfo,
    Progress,
    StoredObject,
    key_for,
    verify_content,
)

PART_SIZE = 16 * 1024 * 1024  # memory per part in flight: (PARALLEL + 1) parts at most
PARALLEL = 3
MAX_PARTS = 9000  # S3 allows 10,000; keep a margin
META_SHA = "sha256"
CREDENTIAL_CODES = {"InvalidAccessKeyId", "SignatureDoesNotMatch", "AccessDenied"}
MISSING_CODES = {"NoSuchKey", "NoSuchVersion", "NoSuchObject", "MethodNotAllowed"}


class S3ObjectStore:
    kind = "s3"

    def __init__(self, client: Minio, bucket: str, endpoint: str) -> None:
        self.client = client
        self.bucket = bucket
        self.endpoint = endpoint
        self._checked = False

    @classmethod
    def from_url(cls, url: str, ca_file: Path | None = None) -> S3ObjectStore:
        """s3://ACCESS:SECRET@HOST:PORT/BUCKET[?secure=true][&region=NAME]; `ca_file`: the CA
        bundle a TLS server's certificate must chain to (certifi's by default)."""
        parts = urlsplit(url)
        bucket = parts.path.strip("/")
        if parts.scheme != "s3" or not parts.hostname or not bucket or "/" in bucket:
            raise StoreMisconfigured(
                "SAKSI_OBJECT_STORE: expected s3://ACCESS:SECRET@HOST:PORT/BUCKET[?secure=true]"
            )
        if parts.username is None or parts.password is None:
            raise StoreMisconfigured("SAKSI_OBJECT_STORE: the S3 URL needs ACCESS:SECRET@")
        query = parse_qs(parts.query)
        secure = query.get("secure", ["false"])[0].lower() in ("1", "true", "yes")
        endpoint = f"{parts.hostname}:{parts.port}" if parts.port else parts.hostname
        http = urllib3.PoolManager(
            # Fail fast when the server is down (exit 3), yet survive slow parts.
            timeout=urllib3.Timeout(connect=5, read=300),
            maxsize=PARALLEL + 2,
            cert_reqs="CERT_REQUIRED",
            ca_certs=str(ca_file) if ca_file else certifi.where(),
            retries=urllib3.Retry(total=2, backoff_factor=0.2, status_forcelist=[502, 503, 504]),
        )
        client = Minio(
            endpoint,
            access_key=unquote(parts.username),
            secret_key=unquote(parts.password),
            secure=secure,
            region=query.get("region", [None])[0],
            http_client=http,
        )
        return cls(client, bucket, endpoint)

    # set-up -----------------------------------------------------------------------------

    def initialise(self) -> None:
        with self._errors():
            if not self.client.bucket_exists(self.bucket):
                self.client.make_bucket(self.bucket, object_lock=True)

    def check(self) -> None:
        with self._errors():
            if not self.client.bucket_exists(self.bucket):
                raise StoreUnavailable(
                    f"bucket {self.bucket} does not exist at {self.endpoint}; run `saksi init`"
                )
            try:
                self.client.get_object_lock_config(self.bucket)
            except S3Error as e:
                if e.code == "ObjectLockConfigurationNotFoundError":
                    raise StoreMisconfigured(
                        f"bucket {self.bucket} at {self.endpoint} has no object lock, so "
                        "evidence in it could be deleted or overwritten; use a bucket created "
                        "with object lock (`saksi init` creates one)"
                    ) from None
                raise
        self._checked = True

    def _ready(self) -> None:
        if not self._checked:
            self.check()

    # writing ----------------------------------------------------------------------------

    def put(
        self,
        source: BinaryIO,
        *,
        retain_until: datetime,
        progress: Progress | None = None,
        expected_sha256: str | None = None,
        gate: Gate | None = None,
    ) -> StoredObject:
        self._ready()
        with self._errors():
            if expected_sha256 is not None:
                return self._put_known(source, expected_sha256, retain_until, progress, gate)
            return self._put_unknown(source, retain_until, progress, gate)

    def _put_known(
        self,
        source: BinaryIO,
        sha: str,
        until: datetime,
        progress: Progress | None,
        gate: Gate | None,
    ) -> StoredObject:
        key = key_for(sha)
        found = self._reuse(key, sha, until, gate)
        if found is not None:
            return found
        reader = HashingReader(source, progress)
        version = self._upload(key, reader, _remaining(source), sha)
        try:  # the version is not locked yet: on any failure it goes again
            if reader.hexdigest() != sha:
                raise ContentMismatch(
                    f"the content changed while it was stored: expected sha256 {sha}, "
                    f"streamed {reader.hexdigest()}"
                )
            if gate is not None:
                gate()
        except BaseException:
            self.client.remove_object(self.bucket, key, version_id=version)
            raise
        self._lock(key, version, until)
        return StoredObject("s3", key, version, sha, reader.size)

    def _put_unknown(
        self, source: BinaryIO, until: datetime, progress: Progress | None, gate: Gate | None
    ) -> StoredObject:
        temp = f"incoming/{uuid.uuid4().hex}"
        reader = HashingReader(source, progress)
        temp_version = self._upload(temp, reader, _remaining(source), None)
        sha = reader.hexdigest()
        key = key_for(sha)
        try:
            found = self._reuse(key, sha, until, gate)
            if found is not None:
                return found
            if gate is not None:
                gate()
            copied = self.client.copy_object(
                self.bucket,
                key,
                CopySource(self.bucket, temp, version_id=temp_version),
                metadata={META_SHA: sha},
                metadata_directive=REPLACE,
            )
            # Locked by its own request: not every server honours lock headers on a copy.
            self._lock(key, copied.version_id, until)
            return StoredObject("s3", key, copied.version_id, sha, reader.size)
        finally:
            self.client.remove_object(self.bucket, temp, version_id=temp_version)

    def _upload(self, key: str, reader: HashingReader, length: int, sha: str | None) -> str:
        part = PART_SIZE if length < 0 else max(PART_SIZE, _ceil_mib(length // MAX_PARTS + 1))
        result = self.client.put_object(
            self.bucket,
            key,
            reader,  # type: ignore[arg-type]  # has read(n), all the SDK needs
            length,
            content_type="application/octet-stream",
            metadata={META_SHA: sha} if sha else None,
            part_size=part,
            num_parallel_uploads=PARALLEL,
        )
        if not result.version_id:
            raise StoreMisconfigured(f"bucket {self.bucket} did not return a version id")
        return str(result.version_id)

    def _lock(self, key: str, version_id: str | None, until: datetime) -> None:
        # S3 refuses a retain-until in the past: a recording already older than its retention
        # is stored unlocked (the sweep is due to purge it anyway).
        if _utc(until) <= datetime.now(UTC):
            return
        self.client.set_object_retention(
            self.bucket, key, Retention(COMPLIANCE, _utc(until)), version_id=version_id
        )

    def _reuse(self, key: str, sha: str, until: datetime, gate: Gate | None) -> StoredObject | None:
        """Content already stored: the oldest locked version whose bytes hash right (read
        back, so a version planted under the key is never mistaken for the content; unlocked
        versions are uploads still waiting for their gate, or abandoned ones)."""
        for info in reversed(self.versions(key)):
            if info.delete_marker or info.retain_until is None:
                continue
            try:
                verify_content(self, key, info.version_id, sha)
            except ContentMismatch:
                continue
            if gate is not None:
                gate()
            self.extend_retention(key, info.version_id, until)
            return StoredObject("s3", key, info.version_id, sha, info.size_bytes, existed=True)
        return None

    # reading ----------------------------------------------------------------------------

    @contextmanager
    def open(self, key: str, version_id: str | None = None) -> Iterator[BinaryIO]:
        with self._errors(key):
            response = self.client.get_object(self.bucket, key, version_id=version_id)
        try:
            yield response  # type: ignore[misc]  # urllib3 response: read(n) streams
        finally:
            response.close()
            response.release_conn()

    def stat(self, key: str, version_id: str | None = None) -> ObjectInfo:
        info = self._head(key, version_id)
        if version_id is None:
            return info
        return replace(info, is_latest=_latest(self.versions(key)) == version_id)

    def _head(self, key: str, version_id: str | None) -> ObjectInfo:
        with self._errors(key):
            st = self.client.stat_object(self.bucket, key, version_id=version_id)
        meta = st.metadata or {}
        until = meta.get("x-amz-object-lock-retain-until-date")
        return ObjectInfo(
            key=key,
            version_id=st.version_id,
            size_bytes=int(st.size or 0),
            retain_until=_parse_time(until) if until else None,
            legal_hold=str(meta.get("x-amz-object-lock-legal-hold", "")).upper() == "ON",
            modified=st.last_modified,
        )

    def versions(self, key: str) -> list[ObjectInfo]:
        with self._errors(key):
            listed = [
                o
                for o in self.client.list_objects(self.bucket, prefix=key, include_version=True)
                if o.object_name == key
            ]
        # Newest first. Servers differ in how they order delete markers among versions, so
        # sort by the latest flag, then time; the listing's own order breaks ties.
        listed.sort(key=_age)
        return [info for o in listed if (info := self._listed(o)) is not None]

    def iter_objects(self) -> Iterator[ObjectInfo]:
        with self._errors():
            listed = list(
                self.client.list_objects(self.bucket, recursive=True, include_version=True)
            )
        for o in listed:
            if (info := self._listed(o)) is not None:
                yield info

    def _listed(self, o: Any) -> ObjectInfo | None:
        """A listed version with its lock state; None when it was deleted after the listing
        (a sweep in another process), since the listing and the HEAD are two requests."""
        latest = str(o.is_latest).lower() == "true"
        if o.is_delete_marker:
            return ObjectInfo(
                o.object_name, o.version_id, 0, None, False, latest, True, o.last_modified
            )
        try:
            return replace(self._head(o.object_name, o.version_id), is_latest=latest)
        except ObjectMissing:
            return None

    def settings_problems(self) -> list[str]:
        """The bucket as the archive needs it: versioning on (a write never replaces a
        version), object lock on with no GOVERNANCE default (that mode can be bypassed), and
        no lifecycle rule (expiry would add delete markers or remove versions)."""
        found = []
        where = f"bucket {self.bucket} at {self.endpoint}"
        with self._errors():
            status = self.client.get_bucket_versioning(self.bucket).status
            if status != "Enabled":
                found.append(f"{where}: versioning is {status or 'off'}, not Enabled")
            try:
                lock = self.client.get_object_lock_config(self.bucket)
            except S3Error as e:
                if e.code != "ObjectLockConfigurationNotFoundError":
                    raise
                found.append(f"{where}: object lock is not enabled")
            else:
                if lock.mode == GOVERNANCE:
                    found.append(
                        f"{where}: default retention is GOVERNANCE, which a privileged user can "
                        "bypass; use COMPLIANCE or none (the archive locks each object itself)"
                    )
            lifecycle = self.client.get_bucket_lifecycle(self.bucket)
            if lifecycle is not None and lifecycle.rules:
                ids = ", ".join(str(r.rule_id or "unnamed") for r in lifecycle.rules)
                found.append(
                    f"{where}: {len(lifecycle.rules)} lifecycle rule(s) ({ids}) could expire "
                    "evidence; the archive's retention decides deletion"
                )
        return found

    # locks ------------------------------------------------------------------------------

    def extend_retention(self, key: str, version_id: str | None, until: datetime) -> None:
        with self._errors(key):
            current = self._head(key, version_id).retain_until
            if _utc(until) <= datetime.now(UTC):
                return  # nothing to protect any more; a past date would be refused
            if current is None or current < _utc(until):  # retention only extends
                self._lock(key, version_id, until)

    def set_legal_hold(self, key: str, version_id: str | None, on: bool) -> None:
        with self._errors(key):
            if on:
                self.client.enable_object_legal_hold(self.bucket, key, version_id)
            else:
                self.client.disable_object_legal_hold(self.bucket, key, version_id)

    def delete(self, key: str, version_id: str | None = None) -> None:
        info = self._head(key, version_id)
        if info.legal_hold:
            raise ObjectLocked(f"object {key} is under legal hold")
        if info.retain_until and info.retain_until > datetime.now(UTC):
            raise ObjectLocked(f"object {key} is retained until {info.retain_until.isoformat()}")
        try:
            # Always by version: a delete without one would only hide the content.
            self.client.remove_object(self.bucket, key, version_id=info.version_id)
        except S3Error as e:
            if e.code == "AccessDenied":
                raise ObjectLocked(f"the object store refuses to delete {key}: locked") from None
            raise self._translate(e, key) from None

    # errors -----------------------------------------------------------------------------

    @contextmanager
    def _errors(self, key: str | None = None) -> Iterator[None]:
        """Library and network errors become the adapter's error tree."""
        try:
            yield
        except S3Error as e:
            raise self._translate(e, key) from None
        except MinioException as e:
            raise StoreUnavailable(f"object store at {self.endpoint} failed: {e}") from None
        except (urllib3.exceptions.HTTPError, OSError) as e:
            raise StoreUnavailable(
                f"object store at {self.endpoint} is unreachable: {type(e).__name__}"
            ) from None

    def _translate(self, e: S3Error, key: str | None) -> Exception:
        if e.code in MISSING_CODES and key is not None:
            return ObjectMissing(f"object {key} is missing from the store")
        if e.code == "NoSuchBucket":
            return StoreUnavailable(
                f"bucket {self.bucket} does not exist at {self.endpoint}; run `saksi init`"
            )
        if e.code in CREDENTIAL_CODES:
            return StoreUnavailable(
                f"object store at {self.endpoint} refused our credentials ({e.code})"
            )
        return StoreUnavailable(f"object store at {self.endpoint} failed: {e.code}: {e.message}")


def _remaining(source: BinaryIO) -> int:
    """Bytes left in a file-backed stream (-1 if unknown): a known length means exact parts."""
    try:
        return os.fstat(source.fileno()).st_size - source.tell()
    except (AttributeError, OSError, ValueError):
        return -1


def _ceil_mib(n: int) -> int:
    mib = 1024 * 1024
    return -(-n // mib) * mib


def _utc(t: datetime) -> datetime:
    """S3 lock times have whole seconds: round up, never lock for less than asked."""
    t = t.astimezone(UTC)
    return t.replace(microsecond=0) + timedelta(seconds=1) if t.microsecond else t


def _age(o: Any) -> tuple[int, float]:
    latest = str(o.is_latest).lower() == "true"
    return (0 if latest else 1, -(o.last_modified.timestamp() if o.last_modified else 0.0))


def _parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def _latest(versions: list[ObjectInfo]) -> str | None:
    return versions[0].version_id if versions else None

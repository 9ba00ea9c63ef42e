"""Evidence stays put: object lock seen through the raw S3 API, fixity audits, orphans."""

from __future__ import annotations

import io
import os
from datetime import timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from minio import Minio
from minio.commonconfig import COMPLIANCE
from minio.error import S3Error
from minio.retention import Retention

from archive.audit import fixity
from archive.audit.verify import verify
from archive.ingest import ingest
from domain.base import Context
from domain.clip import Clip
from retention import holds
from storage.objects.port import verify_content
from tests.conftest import Archive
from tests.support import flows
from tests.support.principals import HOST
from tests.support.seaweed import SeaweedServer

pytestmark = pytest.mark.parametrize("store_kind", ["sqlite"])


def raw_s3(seaweed: SeaweedServer) -> Minio:
    """The S3 API as anyone holding the archive's credentials could use it."""
    return Minio(seaweed.endpoint, seaweed.access_key, seaweed.secret_key, secure=False)


def ingested_into_s3(archive: Archive, footage: Path) -> tuple[dict[str, Any], str, Any]:
    """A clip in a case; its bucket; the stored original's key and version."""
    clip = flows.clip_in_case(archive.svc, footage)
    return clip, archive.svc.objects.bucket, clip["storage"]  # type: ignore[attr-defined]


def kinds(problems: list[dict[str, Any]]) -> list[str]:
    return sorted(p["kind"] for p in problems)


@pytest.mark.parametrize("object_kind", ["s3"])
def test_the_s3_api_cannot_delete_or_shorten_the_lock_of_an_ingested_original(
    archive: Archive, footage: Path, seaweed: SeaweedServer, object_kind: str
) -> None:
    clip, bucket, ref = ingested_into_s3(archive, footage)
    s3 = raw_s3(seaweed)
    retention = s3.get_object_retention(bucket, ref["key"], ref["version_id"])
    assert retention is not None and retention.mode == COMPLIANCE
    with pytest.raises(S3Error) as refused:
        s3.remove_object(bucket, ref["key"], version_id=ref["version_id"])
    assert refused.value.code == "AccessDenied"
    shorter = Retention(COMPLIANCE, retention.retain_until_date - timedelta(days=1))
    with pytest.raises(S3Error):  # COMPLIANCE: not even shortened
        s3.set_object_retention(bucket, ref["key"], shorter, version_id=ref["version_id"])
    # A legal hold mirrored onto the object holds it too.
    archive.svc.objects.set_legal_hold(ref["key"], ref["version_id"], True)
    assert s3.is_object_legal_hold_enabled(bucket, ref["key"], ref["version_id"])
    with pytest.raises(S3Error):
        s3.remove_object(bucket, ref["key"], version_id=ref["version_id"])
    verify_content(archive.svc.objects, ref["key"], ref["version_id"], clip["sha256"])
    assert verify(archive.svc, HOST)["ok"] and fixity.check(archive.svc, HOST) == []


@pytest.mark.parametrize("object_kind", ["s3"])
def test_overwriting_an_original_through_s3_leaves_the_locked_version_and_is_reported(
    archive: Archive, footage: Path, seaweed: SeaweedServer, object_kind: str
) -> None:
    clip, bucket, ref = ingested_into_s3(archive, footage)
    forged = b"not the footage"
    raw_s3(seaweed).put_object(bucket, ref["key"], io.BytesIO(forged), len(forged))
    # On a versioned bucket the overwrite is a new version; the recorded one stays, intact.
    versions = archive.svc.objects.versions(ref["key"])
    assert [v.version_id for v in versions][1:] == [ref["version_id"]]
    verify_content(archive.svc.objects, ref["key"], ref["version_id"], clip["sha256"])
    report = fixity.include(archive.svc, HOST, verify(archive.svc, HOST))
    assert not report["ok"]
    (problem,) = report["problems"]
    assert problem["kind"] == "replaced_content"
    assert problem["originator_id"] == clip["clip_id"]
    assert "behind the archive's back" in problem["detail"]


@pytest.mark.parametrize("object_kind", ["s3"])
def test_a_delete_marker_hiding_an_original_is_reported(
    archive: Archive, footage: Path, seaweed: SeaweedServer, object_kind: str
) -> None:
    clip, bucket, ref = ingested_into_s3(archive, footage)
    raw_s3(seaweed).remove_object(bucket, ref["key"])  # no version id: a delete marker
    assert kinds(fixity.check(archive.svc, HOST)) == ["replaced_content"]
    verify_content(archive.svc.objects, ref["key"], ref["version_id"], clip["sha256"])


@pytest.mark.parametrize("object_kind", ["file"])
def test_content_replaced_on_the_file_store_is_caught(
    archive: Archive, footage: Path, object_kind: str
) -> None:
    clip = flows.clip_in_case(archive.svc, footage)
    path = archive.svc.objects.root / clip["storage"]["key"]  # type: ignore[attr-defined]
    os.chmod(path, 0o644)
    path.write_bytes(path.read_bytes()[:-1] + b"\x00")
    problems = fixity.check(archive.svc, HOST)
    assert kinds(problems) == ["replaced_content"]
    assert problems[0]["originator_id"] == clip["clip_id"]


@pytest.mark.parametrize("object_kind", ["file"])
def test_a_missing_object_is_reported_for_every_clip_using_it(
    archive: Archive, footage: Path, object_kind: str
) -> None:
    first = flows.clip_in_case(archive.svc, footage)
    again = ingest.ingest_file(
        archive.svc, Context("budi"), camera_id="SMG-SS-0001", source=footage, reason="again"
    )
    (archive.svc.objects.root / first["storage"]["key"]).unlink()  # type: ignore[attr-defined]
    problems = fixity.check(archive.svc, HOST)
    assert kinds(problems) == ["missing_object", "missing_object"]
    assert {p["originator_id"] for p in problems} == {first["clip_id"], again["clip_id"]}


@pytest.mark.usefixtures("object_kind")
def test_fixity_rehashes_originals_and_derivatives(archive: Archive, footage: Path) -> None:
    flows.clip_in_case(archive.svc, footage)
    seen: list[int] = []
    assert fixity.check(archive.svc, HOST, progress=seen.append) == []
    assert seen == [1, 2]  # the original and its poster frame


@pytest.mark.usefixtures("object_kind")
def test_content_stored_without_its_event_is_an_orphan(
    archive: Archive, footage: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    flows.camera(archive.svc)
    before = flows.event_count(archive.svc)

    def crash(*_: object) -> None:
        raise SystemExit("the process died between storing and recording")

    monkeypatch.setattr(archive.svc.events, "save", crash)
    with pytest.raises(SystemExit):
        ingest.ingest_file(
            archive.svc, Context("budi"), camera_id="SMG-SS-0001", source=footage, reason="r"
        )
    monkeypatch.undo()
    assert flows.event_count(archive.svc) == before  # never an event without content
    orphans = fixity.find_orphans(archive.svc)
    assert len(orphans) == 2  # the original and its poster, waiting for the sweep
    assert fixity.check(archive.svc, HOST) == []


@pytest.mark.usefixtures("object_kind")
def test_a_clips_legal_hold_and_lock_reach_every_stored_object(
    archive: Archive, footage: Path
) -> None:
    result = flows.clip_in_case(archive.svc, footage)
    holds.set_hold(
        archive.svc, Context("ana"), on=True, reason="court order", clip_id=result["clip_id"]
    )
    clip = archive.svc.events.find(Clip, UUID(result["clip_id"]))
    assert clip is not None
    refs = [{"key": key, "version_id": version} for _kind, key, version in clip.object_refs()]
    assert len(refs) == 2  # the original and its poster
    infos = [archive.svc.objects.stat(r["key"], r.get("version_id")) for r in refs]
    assert all(i.legal_hold for i in infos)
    holds.set_hold(
        archive.svc, Context("ana"), on=False, reason="case closed", clip_id=result["clip_id"]
    )
    assert not any(archive.svc.objects.stat(r["key"], r.get("version_id")).legal_hold for r in refs)

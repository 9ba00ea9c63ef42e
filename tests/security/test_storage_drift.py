"""Finding 16 of issue 18: storage changed behind the archive is reported by fixity (`audit
verify --fixity`): a legal hold removed or a lock shortened on a stored object, and bucket
settings that defeat object lock (lifecycle rules). The production MinIO policy grants
Saksi's user only what the archive does.
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from minio import Minio
from minio.commonconfig import ENABLED, Filter
from minio.lifecycleconfig import Expiration, LifecycleConfig, Rule

from archive.audit import fixity
from archive.timefmt import now
from domain.base import Context
from retention import holds
from tests.conftest import Archive
from tests.support import flows
from tests.support.principals import HOST
from tests.support.seaweed import SeaweedServer

POLICY = Path(__file__).resolve().parents[2] / "docker" / "minio-saksi-policy.json"


def raw_s3(seaweed: SeaweedServer) -> Minio:
    """The S3 API as anyone holding the archive's credentials could use it."""
    return Minio(seaweed.endpoint, seaweed.access_key, seaweed.secret_key, secure=False)


def held_clip(archive: Archive, footage: Path) -> dict[str, Any]:
    clip = flows.clip_in_case(archive.svc, footage)
    holds.set_hold(archive.svc, Context("ana"), on=True, reason="court", clip_id=clip["clip_id"])
    assert fixity.check(archive.svc, HOST) == []
    return clip


@pytest.mark.parametrize("object_kind", ["s3"])
def test_a_legal_hold_removed_through_the_s3_api_is_reported(
    archive: Archive, footage: Path, seaweed: SeaweedServer, object_kind: str
) -> None:
    clip = held_clip(archive, footage)
    ref = clip["storage"]
    bucket = archive.svc.objects.bucket  # type: ignore[attr-defined]
    raw_s3(seaweed).disable_object_legal_hold(bucket, ref["key"], ref["version_id"])
    problems = fixity.check(archive.svc, HOST)
    assert [p["kind"] for p in problems] == ["lock_drift"], problems
    assert problems[0]["originator_id"] == clip["clip_id"]
    assert "no legal hold" in problems[0]["detail"]


@pytest.mark.parametrize("store_kind", ["sqlite"])
@pytest.mark.parametrize("object_kind", ["file"])
def test_a_hold_or_lock_shortened_on_the_file_store_is_reported(
    archive: Archive, footage: Path, object_kind: str
) -> None:
    clip = held_clip(archive, footage)
    sidecar = archive.svc.objects.root / (clip["storage"]["key"] + ".meta.json")  # type: ignore[attr-defined]
    sidecar.write_text(
        json.dumps({"legal_hold": False, "retain_until": (now() + timedelta(days=1)).isoformat()})
    )
    details = sorted(p["detail"] for p in fixity.check(archive.svc, HOST))
    assert len(details) == 2, details
    assert "has no legal hold" in details[0] and "is locked until" in details[1]


@pytest.mark.parametrize("store_kind", ["sqlite"])
@pytest.mark.parametrize("object_kind", ["s3"])
def test_a_lifecycle_rule_on_the_bucket_is_reported(
    archive: Archive, footage: Path, seaweed: SeaweedServer, object_kind: str
) -> None:
    flows.clip_in_case(archive.svc, footage)
    bucket = archive.svc.objects.bucket  # type: ignore[attr-defined]
    rule = Rule(
        ENABLED, rule_filter=Filter(prefix=""), rule_id="expire", expiration=Expiration(days=1)
    )
    raw_s3(seaweed).set_bucket_lifecycle(bucket, LifecycleConfig([rule]))
    problems = fixity.check(archive.svc, HOST)
    assert [p["kind"] for p in problems] == ["storage_settings"], problems
    assert "lifecycle rule" in problems[0]["detail"] and "expire" in problems[0]["detail"]


def test_the_production_minio_policy_grants_only_what_saksi_does() -> None:
    granted = {a for s in json.loads(POLICY.read_text())["Statement"] for a in s["Action"]}
    needed = {
        # reading and listing content and versions; the bucket checks of fixity
        "s3:GetBucketLocation", "s3:GetBucketVersioning", "s3:GetBucketObjectLockConfiguration",
        "s3:GetLifecycleConfiguration", "s3:ListBucket", "s3:ListBucketVersions",
        "s3:GetObject", "s3:GetObjectVersion",
        # ingest (multipart) and locking each version; mirroring legal holds; the sweep
        # deleting expired versions by version id (MinIO checks s3:DeleteObject for those too;
        # a delete marker it could add is reported by fixity)
        "s3:PutObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts",
        "s3:GetObjectRetention", "s3:PutObjectRetention",
        "s3:GetObjectLegalHold", "s3:PutObjectLegalHold",
        "s3:DeleteObject", "s3:DeleteObjectVersion",
    }  # fmt: skip
    assert granted == needed, granted ^ needed
    # Never: changing the bucket's versioning, lock or lifecycle, bypassing GOVERNANCE, or
    # anything by wildcard.
    assert not any("*" in a or a.startswith(("s3:PutBucket", "s3:PutLifecycle")) for a in granted)
    assert "s3:BypassGovernanceRetention" not in granted

"""End to end through the command line with the production pair: PostgreSQL and S3."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from minio import Minio

from archive.ingest import media
from archive.settings import Settings
from tests.support.seaweed import SeaweedServer, free_port

T0 = "2026-11-29T10:00:00Z"


def raw_s3(seaweed: SeaweedServer) -> Minio:
    return Minio(seaweed.endpoint, seaweed.access_key, seaweed.secret_key, secure=False)


def bucket_of(settings: Settings) -> str:
    return settings.object_store.rsplit("/", 1)[1]


def ok(cli: Any, *args: str) -> Any:
    result = cli(*args)
    assert result.code == 0, result.err
    return result.json() if "--json" in args else result.out


def set_up(cli: Any) -> None:
    ok(cli, "init", "--admin", "ana", "--json")
    ok(cli, "user", "add", "budi", "--role", "investigator", "--actor", "ana")
    ok(cli, "user", "add", "dodi", "--role", "operator", "--actor", "ana")
    ok(cli, "camera", "add", "SMG-SS-0001", "--name", "Simpang Lima", "--owner", "public",
       "--district", "Semarang Selatan", "--actor", "dodi")  # fmt: skip


@pytest.mark.parametrize(("store_kind", "object_kind"), [("postgres", "s3")])
def test_postgresql_and_s3_ingest_a_cut_retrieve_it_and_audit_its_fixity(
    cli: Any, settings: Settings, seaweed: SeaweedServer, tmp_path: Path, object_kind: str
) -> None:
    set_up(cli)
    s3 = raw_s3(seaweed)
    assert s3.get_object_lock_config(bucket_of(settings)) is not None  # init made it locked
    recording = media.make_test_clip(tmp_path / "rec.mp4", seconds=8)
    cut = ["--source-start", T0, "--start", "2026-11-29T10:00:02.5Z", "--end", T0[:-3] + "06Z"]
    clip = ok(cli, "ingest", "--camera", "SMG-SS-0001", "--source", str(recording), *cut,
              "--actor", "budi", "--reason", "112", "--json")  # fmt: skip
    assert clip["start"] == datetime(2026, 11, 29, 10, 0, 2, tzinfo=UTC).isoformat()
    assert clip["source"]["kind"] == "file" and clip["derivatives"][0]["kind"] == "poster"
    # clip get needs a case the reader is a member of
    ok(cli, "case", "open", "R-2026-0001", "--kind", "report", "--title", "112", "--actor", "budi")
    ok(cli, "case", "attach", "R-2026-0001", clip["clip_id"], "--actor", "budi", "--reason", "r")
    ok(cli, "clip", "get", clip["clip_id"], "--out", str(tmp_path / "copy.mp4"),
       "--actor", "budi", "--reason", "review")  # fmt: skip
    assert media.hash_file(tmp_path / "copy.mp4") == clip["sha256"]
    assert ok(cli, "audit", "verify", "--fixity", "--json")["ok"] is True
    # Someone with the bucket's credentials writes over the original.
    assert clip["storage"]["store"] == "s3" and clip["storage"]["version_id"]
    s3.put_object(bucket_of(settings), clip["storage"]["key"], io.BytesIO(b"forged"), 6)
    audit = cli("audit", "verify", "--fixity", "--json")
    assert audit.code == 1
    assert [p["kind"] for p in audit.json()["problems"]] == ["replaced_content"]


@pytest.mark.parametrize(("store_kind", "object_kind"), [("sqlite", "s3")])
def test_a_bucket_without_object_lock_is_refused_with_exit_2(
    cli: Any,
    settings: Settings,
    seaweed: SeaweedServer,
    monkeypatch: pytest.MonkeyPatch,
    object_kind: str,
) -> None:
    raw_s3(seaweed).make_bucket("plain-bucket")
    monkeypatch.setenv("SAKSI_OBJECT_STORE", seaweed.url("plain-bucket"))
    result = cli("init", "--admin", "ana")
    assert result.code == 2
    assert result.err.startswith("error: bucket plain-bucket") and "no object lock" in result.err
    assert len(result.err.strip().splitlines()) == 1


@pytest.mark.parametrize(("store_kind", "object_kind"), [("sqlite", "s3")])
def test_an_unavailable_object_store_exits_3_and_records_nothing(
    cli: Any,
    settings: Settings,
    seaweed: SeaweedServer,
    footage: Path,
    monkeypatch: pytest.MonkeyPatch,
    object_kind: str,
) -> None:
    set_up(cli)
    events = ok(cli, "audit", "verify", "--json")["events"]
    unusable = {
        "server down": f"s3://a:b@127.0.0.1:{free_port()}/evidence",
        "wrong credentials": settings.object_store.replace(seaweed.secret_key, "wrong-secret"),
        "bucket missing": seaweed.url("no-such-bucket"),
    }
    for what, url in unusable.items():
        monkeypatch.setenv("SAKSI_OBJECT_STORE", url)
        result = cli("ingest", "--camera", "SMG-SS-0001", "--source", str(footage),
                     "--actor", "budi", "--reason", "112")  # fmt: skip
        assert result.code == 3, what
        assert result.err.startswith("error: ") and len(result.err.strip().splitlines()) == 1
        assert "wrong-secret" not in result.err
    monkeypatch.setenv("SAKSI_OBJECT_STORE", settings.object_store)
    assert ok(cli, "audit", "verify", "--json")["events"] == events
    assert [o.object_name for o in raw_s3(seaweed).list_objects(bucket_of(settings))] == []

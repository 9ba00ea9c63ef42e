"""POST /api/cases/{id}/export streams a package that verifies; /pull fills the case from the
server's recordings. Members only, refusals recorded; 401/403/404/422 in the contract's shape."""

from __future__ import annotations

import json
import os
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from archive.errors import IntegrityFailure
from archive.export import export
from archive.ingest import media
from archive.sealing import seal as sealing
from domain.base import Context
from domain.case import Case
from domain.clip import Clip
from ledger.package.verify import verify_package
from tests.e2e.conftest import Api
from tests.e2e.test_http_errors import assert_error
from tests.support import flows

CASE = "R-2026-0001"
BODY = {"reason": "hand-over for prosecution", "recipient": "Kejaksaan Negeri Semarang"}


def stream_types(api: Api, oid: uuid.UUID) -> list[dict[str, Any]]:
    return [
        {"type": r["topic"].rsplit(".", 1)[-1], **json.loads(bytes(r["state"]))}
        for r in flows.stream(api.archive.svc, oid)
    ]


def test_a_member_gets_a_package_that_verifies_with_the_archives_key(
    server: Api, case_clip: dict[str, Any], tmp_path: Path
) -> None:
    response = server.post(f"/api/cases/{CASE}/export", "budi", json=BODY)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/zip"
    export_id = response.headers["x-export-id"]
    assert f"saksi-export-{export_id}.zip" in response.headers["content-disposition"]
    package = tmp_path / "p.zip"
    package.write_bytes(response.content)
    report = verify_package(package, sealing.key_string(server.archive.svc))
    assert report.ok, report.problems
    assert report.export_id == export_id and report.clips == 1
    last = stream_types(server, uuid.UUID(case_clip["clip_id"]))[-1]
    assert last["type"] == "ClipExported" and last["export_id"] == export_id
    assert (last["actor"], last["channel"], last["client"]) == ("budi", "http", "127.0.0.1")
    assert (last["recipient"], last["reason"]) == (BODY["recipient"], BODY["reason"])


@pytest.mark.parametrize("user", ["eko", "sari", "ana"])
def test_non_members_auditors_and_admins_are_refused_and_it_is_recorded(
    api: Api, case_clip: dict[str, Any], user: str
) -> None:
    assert_error(api.post(f"/api/cases/{CASE}/export", user, json=BODY), 403)
    clip = stream_types(api, uuid.UUID(case_clip["clip_id"]))
    case = stream_types(api, Case.create_id(CASE))
    for events in (clip, case):
        [denied] = [e for e in events if e["type"] == "AccessDenied"]
        assert (denied["actor"], denied["channel"], denied["client"]) == (
            user,
            "http",
            "testclient",
        )
    assert not [e for e in clip if e["type"] == "ClipExported"]


def test_export_errors_answer_in_the_contracts_shape(api: Api, case_clip: dict[str, Any]) -> None:
    assert_error(api.post(f"/api/cases/{CASE}/export", json=BODY), 401)
    assert_error(api.post("/api/cases/R-9999/export", "budi", json=BODY), 404)
    for body in (
        {"reason": "x"},
        {**BODY, "recipient": "   "},
        {**BODY, "reason": ""},
        {**BODY, "format": "tar"},
        {**BODY, "reason": "bad\x00reason"},
    ):
        assert_error(api.post(f"/api/cases/{CASE}/export", "budi", json=body), 422)
    flows.case(api.archive.svc, "R-EMPTY")
    assert_error(api.post("/api/cases/R-EMPTY/export", "budi", json=BODY), 422)


def pull_body(**over: Any) -> dict[str, Any]:
    t0 = datetime(2026, 11, 1, 10, 0, tzinfo=UTC)
    body = {
        "lat": -6.9903,
        "lon": 110.4229,
        "radius_m": 200,
        "start": (t0 + timedelta(seconds=1)).isoformat(),
        "end": (t0 + timedelta(seconds=2)).isoformat(),
        "reason": "112 call",
    }
    return {**body, **over}


def test_a_pull_over_http_reads_the_servers_recordings(
    api: Api, tmp_path: Path, footage: Path
) -> None:
    svc = api.archive.svc
    flows.camera(svc)
    flows.case(svc, CASE)
    # Without SAKSI_PULL_ROOT, a camera without a registered recording source has no footage.
    nothing = api.post(f"/api/cases/{CASE}/pull", "budi", json=pull_body())
    assert nothing.status_code == 200, nothing.text
    [without] = nothing.json()["without_footage"]
    assert "no recording source registered" in without["reason"]
    root = tmp_path / "nvr"
    (root / "SMG-SS-0001").mkdir(parents=True)
    media.make_test_clip(
        root / "SMG-SS-0001" / "rec.mp4",
        seconds=3,
        creation_time=datetime(2026, 11, 1, 10, 0, tzinfo=UTC),
    )
    svc.settings = svc.settings.model_copy(update={"pull_root": root})
    response = api.post(f"/api/cases/{CASE}/pull", "budi", json=pull_body())
    assert response.status_code == 200, response.text
    [clip] = response.json()["ingested"]
    assert clip["camera_id"] == "SMG-SS-0001" and response.json()["cameras"] == 1
    assert clip["source"]["kind"] == "folder" and clip["covers"] == "all"
    assert api.get(f"/api/cases/{CASE}", "budi").json()["clip_ids"] == [clip["clip_id"]]
    assert_error(api.post(f"/api/cases/{CASE}/pull", "eko", json=pull_body()), 403)
    assert_error(api.post(f"/api/cases/{CASE}/pull", "sari", json=pull_body()), 403)
    assert_error(api.post("/api/cases/R-404/pull", "budi", json=pull_body()), 404)
    for bad in ({"radius_m": 0}, {"lat": 91}, {"start": "yesterday"}, {"source_root": "/etc"}):
        assert_error(api.post(f"/api/cases/{CASE}/pull", "budi", json=pull_body(**bad)), 422)
    assert_error(api.post(f"/api/cases/{CASE}/pull", json=pull_body()), 401)


def test_a_purged_clip_makes_its_cases_export_gone_with_the_purge_record(
    api: Api, case_clip: dict[str, Any]
) -> None:
    clip_id = case_clip["clip_id"]
    api.archive.svc.events.update(
        Clip,
        uuid.UUID(clip_id),
        lambda c: c.purge("retention ended", [], Context("system", "system")),
    )
    body = assert_error(api.post(f"/api/cases/{CASE}/export", "budi", json=BODY), 410)
    assert body["purge"]["clip_id"] == clip_id and "--clip" in body["error"]


def test_footage_that_no_longer_matches_its_record_never_makes_a_complete_package(
    server: Api, case_clip: dict[str, Any], tmp_path: Path, log_output
) -> None:  # type: ignore[no-untyped-def]
    svc = server.archive.svc
    [path] = [p for p in flows.object_files(svc) if p.name == case_clip["sha256"]]
    os.chmod(path, 0o644)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(httpx.RemoteProtocolError):  # the zip never completes
        server.post(f"/api/cases/{CASE}/export", "budi", json=BODY)
    lines = [json.loads(line) for line in log_output.getvalue().splitlines()]
    [aborted] = [line for line in lines if line.get("msg") == "response aborted"]
    assert "does not match its record" in aborted["error"] and "Traceback" not in str(lines)
    [access] = [line for line in lines if line.get("status") and "export" in line["path"]]
    assert access["aborted"] is True
    # The command line leaves nothing behind and says why (exit 1: integrity).
    folder = tmp_path / "out"
    folder.mkdir()
    out = folder / "p.zip"
    with pytest.raises(IntegrityFailure, match="does not match its record"):
        export.export_to_file(svc, Context("budi"), out=out, reason="r", recipient="c",
                              case_id=CASE)  # fmt: skip
    assert list(folder.iterdir()) == []

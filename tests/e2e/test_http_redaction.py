"""POST /api/clips/{id}/redactions makes a redacted copy for members of the clip's case; the
copy is exported instead of its original through POST /api/cases/{id}/export and verifies.
401/403/404/422 in the contract's shape; refusals recorded on the original's trail."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest

from archive.ingest import ingest
from archive.sealing import seal as sealing
from domain.base import Context
from ledger.package.verify import verify_package
from tests.e2e.conftest import Api
from tests.e2e.test_http_errors import assert_error
from tests.support import flows
from tests.support import pixels as px

CASE = "R-2026-0001"
BODY = {
    "boxes": [{"x": 20, "y": 30, "w": 60, "h": 40, "start": 1, "end": 2}, {"x": 200, "y": 100,
              "w": 80, "h": 60}],
    "mode": "blur",
    "mute": True,
    "reason": "release to the prosecutor",
}  # fmt: skip


@pytest.fixture(scope="module")
def detailed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return px.detailed_footage(tmp_path_factory.mktemp("detail") / "detail.mp4")


@pytest.fixture
def original(api: Api, detailed: Path) -> dict[str, Any]:
    svc = api.archive.svc
    flows.camera(svc)
    flows.case(svc)
    return ingest.ingest_file(
        svc, Context("budi"), camera_id="SMG-SS-0001", source=detailed, reason="112 report",
        case_id=CASE,
    )  # fmt: skip


@pytest.mark.parametrize(("store_kind", "object_kind"), [("sqlite", "file"), ("postgres", "s3")])
def test_a_member_makes_a_redacted_copy_and_exports_it_instead_of_the_original(
    api: Api, original: dict[str, Any], tmp_path: Path, store_kind: str, object_kind: str
) -> None:
    url = f"/api/clips/{original['clip_id']}/redactions"
    response = api.post(url, "dodi", json=BODY)  # an operator who is a member of the case
    assert response.status_code == 201, response.text
    copy = response.json()
    assert copy["derived_from"] == original["clip_id"] and copy["case_ids"] == [CASE]
    assert copy["source_sha256"] == original["sha256"] != copy["sha256"]
    assert copy["ffmpeg"]["version"].startswith("ffmpeg version") and copy["mute"] is True
    assert copy["boxes"][0] == {"x": 20, "y": 30, "w": 60, "h": 40, "start": 1.0, "end": 2.0}
    shown = api.get(f"/api/clips/{copy['clip_id']}", "sari").json()  # metadata: any role
    assert shown["derived_from"] == original["clip_id"] and shown["sha256"] == copy["sha256"]
    [made] = [e for e in flows.custody(api.archive.svc, original["clip_id"])
              if e["type"] == "RedactedCopyMade"]  # fmt: skip
    assert (made["actor"], made["channel"], made["client"]) == ("dodi", "http", "testclient")

    response = api.post(
        f"/api/cases/{CASE}/export",
        "budi",
        json={"reason": "hand-over", "recipient": "Kejaksaan Negeri Semarang", "redacted": "only"},
    )
    assert response.status_code == 200, response.text
    package = tmp_path / "only.zip"
    package.write_bytes(response.content)
    report = verify_package(package, sealing.key_string(api.archive.svc))
    assert report.ok, report.problems
    assert report.clips == 1


@pytest.mark.parametrize("user", ["eko", "sari", "ana"])
def test_non_members_auditors_and_admins_are_refused_on_the_originals_trail(
    api: Api, original: dict[str, Any], user: str
) -> None:
    assert_error(api.post(f"/api/clips/{original['clip_id']}/redactions", user, json=BODY), 403)
    [denied] = [e for e in flows.custody(api.archive.svc, original["clip_id"])
                if e["type"] == "AccessDenied"]  # fmt: skip
    assert denied["actor"] == user and denied["channel"] == "http"


@pytest.mark.parametrize(
    ("change", "status"),
    [
        ({"boxes": [{"x": 300, "y": 10, "w": 40, "h": 40}]}, 422),  # outside the picture
        ({"boxes": [{"x": 1, "y": 1, "w": 8, "h": 8, "start": 1, "end": 30}]}, 422),
        ({"boxes": [{"x": 1, "y": 1, "w": 8, "h": 8, "start": 1}]}, 422),  # no end
        ({"boxes": []}, 422),
        ({"mode": "pixelate"}, 422),
        ({"reason": " "}, 422),
        ({"colour": "red"}, 422),
    ],
)
def test_invalid_redactions_are_422_and_record_nothing(
    api: Api, original: dict[str, Any], change: dict[str, Any], status: int
) -> None:
    before = flows.event_count(api.archive.svc)
    url = f"/api/clips/{original['clip_id']}/redactions"
    assert_error(api.post(url, "budi", json={**BODY, **change}), status)
    assert flows.event_count(api.archive.svc) == before


def test_unknown_clips_are_404_and_a_missing_token_is_401(
    api: Api, original: dict[str, Any]
) -> None:
    assert_error(api.post(f"/api/clips/{uuid.UUID(int=7)}/redactions", "budi", json=BODY), 404)
    assert_error(api.post(f"/api/clips/{original['clip_id']}/redactions", json=BODY), 401)

"""Every route family answers 401/403/404/410/422 with the contract's JSON `{"error": ...}`."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from domain.base import Context
from domain.clip import Clip
from storage.db import Row
from tests.e2e.conftest import Api

UNKNOWN = str(uuid.UUID(int=7))
CASE = "R-2026-0001"

# (method, url, json body) per route family; {clip} is the test's clip.
PROTECTED = [
    ("GET", "/api/clips", None),
    ("GET", "/api/clips/{clip}", None),
    ("GET", "/api/clips/{clip}/content?reason=review", None),
    ("POST", "/api/clips", None),
    ("GET", f"/api/cases/{CASE}", None),
    ("POST", "/api/cases", {"case_id": "R-2", "kind": "report", "title": "t"}),
    ("POST", f"/api/cases/{CASE}/clips", {"clip_id": "{clip}", "reason": "r"}),
    ("POST", f"/api/cases/{CASE}/members", {"user": "eko"}),
    ("POST", "/api/users", {"name": "fajar", "role": "operator"}),
    ("DELETE", "/api/users/budi/token", None),
    ("GET", "/api/cameras", None),
    ("POST", "/api/cameras", {"camera_id": "C-9", "name": "n", "owner": "public", "district": "d"}),
    ("GET", "/api/audit/verify", None),
    ("GET", "/api/audit/trail/{clip}", None),
    ("GET", "/api/audit/checkpoint", None),
    ("POST", "/api/audit/checkpoint", None),
    ("GET", "/api/audit/proof?index=0", None),
    ("GET", "/api/audit/consistency?from=0&to=1", None),
    ("GET", "/api/retention/policies", None),
    ("PUT", "/api/retention/policies/report", {"keep": "P30D"}),
    ("GET", "/api/retention/due", None),
    ("POST", "/api/holds", {"clip_id": "{clip}", "reason": "court order"}),
    ("DELETE", "/api/holds/clip:{clip}?reason=done", None),
    ("POST", "/api/clips/{clip}/restore", {"reason": "wanted"}),
]


def _fill(value: Any, clip_id: str) -> Any:
    if isinstance(value, str):
        return value.replace("{clip}", clip_id)
    if isinstance(value, dict):
        return {k: _fill(v, clip_id) for k, v in value.items()}
    return value


def call(api: Api, method: str, url: str, body: Any, clip_id: str, **kw: Any):  # type: ignore[no-untyped-def]
    return api.request(method, _fill(url, clip_id), json=_fill(body, clip_id), **kw)


def refusals(api: Api) -> list[Row]:
    with api.archive.svc.db.tx(write=False) as tx:
        return tx.all("SELECT * FROM rm_refusals ORDER BY position")


def assert_error(response, status: int) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert isinstance(body["error"], str) and body["error"]
    return dict(body)


@pytest.mark.parametrize(("method", "url", "body"), PROTECTED)
def test_every_api_route_refuses_a_request_without_a_token(
    api: Api, case_clip: dict[str, Any], method: str, url: str, body: Any
) -> None:
    response = call(api, method, url, body, case_clip["clip_id"])
    assert_error(response, 401)
    assert response.headers["www-authenticate"].startswith("Bearer")


def test_health_and_readiness_need_no_token(api: Api) -> None:
    assert api.get("/health").json()["status"] == "ok"
    ready = api.get("/ready")
    assert ready.status_code == 200
    assert ready.json() == {"ready": True, "checks": {"event_store": True, "object_store": True}}


FORBIDDEN = [
    ("sari", "GET", "/api/clips/{clip}/content?reason=curious", None),
    ("eko", "POST", f"/api/cases/{CASE}/clips", {"clip_id": "{clip}", "reason": "mine now"}),
    ("eko", "POST", f"/api/cases/{CASE}/members", {"user": "eko"}),
    ("sari", "POST", "/api/cases", {"case_id": "R-2", "kind": "report", "title": "t"}),
    ("budi", "POST", "/api/users", {"name": "fajar", "role": "admin"}),
    ("budi", "DELETE", "/api/users/ana/token", None),
    (
        "budi",
        "POST",
        "/api/cameras",
        {"camera_id": "C-9", "name": "n", "owner": "public", "district": "d"},
    ),
    ("budi", "GET", "/api/audit/verify", None),
    ("budi", "GET", "/api/audit/trail/{clip}", None),
    ("dodi", "POST", "/api/audit/checkpoint", None),
    ("budi", "GET", "/api/audit/proof?index=0", None),
    ("dodi", "PUT", "/api/retention/policies/report", {"keep": "P30D"}),
    ("budi", "GET", "/api/retention/due", None),
    ("eko", "POST", "/api/holds", {"clip_id": "{clip}", "reason": "not my case"}),
    ("budi", "DELETE", "/api/holds/clip:{clip}?reason=done", None),
    ("budi", "POST", "/api/clips/{clip}/restore", {"reason": "mine"}),
]


@pytest.mark.parametrize(("user", "method", "url", "body"), FORBIDDEN)
def test_a_forbidden_request_is_refused_and_recorded(
    api: Api, case_clip: dict[str, Any], user: str, method: str, url: str, body: Any
) -> None:
    before = len(refusals(api))
    response = call(api, method, url, body, case_clip["clip_id"], headers=api.auth(user))
    assert_error(response, 403)
    recorded = refusals(api)[before:]
    assert len(recorded) == 1
    assert (recorded[0]["actor"], recorded[0]["channel"]) == (user, "http")
    assert recorded[0]["client"] == "testclient"  # the client address TestClient reports


def test_an_upload_by_a_role_that_may_not_ingest_is_refused_before_its_body_is_read(
    api: Api, case_clip: dict[str, Any]
) -> None:
    response = api.post(
        "/api/clips",
        "sari",
        data={"camera_id": "SMG-SS-0001", "reason": "r"},
        files={"file": ("x.mp4", b"\x00" * 1000, "video/mp4")},
    )
    assert_error(response, 403)
    assert refusals(api)[-1]["action"] == "clip.ingest"


NOT_FOUND = [
    ("budi", "GET", f"/api/clips/{UNKNOWN}", None),
    ("budi", "GET", f"/api/clips/{UNKNOWN}/content?reason=r", None),
    ("budi", "GET", "/api/cases/R-NOPE", None),
    ("budi", "POST", "/api/cases/R-NOPE/clips", {"clip_id": "{clip}", "reason": "r"}),
    ("budi", "POST", f"/api/cases/{CASE}/clips", {"clip_id": UNKNOWN, "reason": "r"}),
    ("budi", "POST", f"/api/cases/{CASE}/members", {"user": "nobody"}),
    ("ana", "DELETE", "/api/users/nobody/token", None),
    ("budi", "GET", "/api/nothing-here", None),
]


@pytest.mark.parametrize(("user", "method", "url", "body"), NOT_FOUND)
def test_an_unknown_id_is_404(
    api: Api, case_clip: dict[str, Any], user: str, method: str, url: str, body: Any
) -> None:
    assert_error(call(api, method, url, body, case_clip["clip_id"], headers=api.auth(user)), 404)


def test_an_upload_for_an_unknown_camera_is_404(
    api: Api, case_clip: dict[str, Any], footage
) -> None:  # type: ignore[no-untyped-def]
    response = api.post(
        "/api/clips",
        "budi",
        data={"camera_id": "NOPE-1", "reason": "r"},
        files={"file": ("cam.mp4", footage.read_bytes(), "video/mp4")},
    )
    assert_error(response, 404)


def test_unknown_routes_and_methods_answer_json(api: Api) -> None:
    assert_error(api.get("/nothing"), 404)
    assert_error(api.request("PUT", "/health"), 405)


INVALID = [
    ("budi", "GET", "/api/clips?since=yesterday", None),
    ("budi", "GET", "/api/clips?since=2026-11-01T10:00:00", None),  # no UTC offset
    ("budi", "GET", "/api/clips?limit=0", None),
    ("budi", "GET", "/api/clips/not-a-uuid", None),
    ("budi", "GET", "/api/clips/{clip}/content", None),  # no reason
    ("budi", "GET", "/api/clips/{clip}/content?reason=%20", None),
    ("budi", "GET", "/api/cases/R%20bad", None),
    ("budi", "POST", "/api/cases", {"case_id": "R-3", "kind": "rumour", "title": "t"}),
    ("budi", "POST", "/api/cases", {"case_id": "R-3", "kind": "report", "title": "t", "x": 1}),
    ("budi", "POST", f"/api/cases/{CASE}/clips", {"clip_id": "nope", "reason": "r"}),
    ("budi", "POST", f"/api/cases/{CASE}/clips", "not json"),
    ("ana", "POST", "/api/users", {"name": "fajar", "role": "king"}),
    ("ana", "POST", "/api/users", {"name": "fa jar", "role": "operator"}),
    ("ana", "POST", "/api/users", {"name": "fajar", "role": "operator", "expires": "P"}),
    (
        "dodi",
        "POST",
        "/api/cameras",
        {"camera_id": "C-9", "name": "n", "owner": "public", "district": "d", "lat": 200, "lon": 0},
    ),
    (
        "dodi",
        "POST",
        "/api/cameras",
        {"camera_id": "C-9", "name": "n", "owner": "public", "district": "d", "lat": 1},
    ),
    ("budi", "GET", "/api/cameras?lat=1", None),
]


@pytest.mark.parametrize(("user", "method", "url", "body"), INVALID)
def test_invalid_input_is_422_and_changes_nothing(
    api: Api, case_clip: dict[str, Any], user: str, method: str, url: str, body: Any
) -> None:
    before = api.archive.svc.store.recorder.max_notification_id()
    body_text = assert_error(
        call(api, method, url, body, case_clip["clip_id"], headers=api.auth(user)), 422
    )["error"]
    assert api.archive.tokens[user] not in body_text
    assert api.archive.svc.store.recorder.max_notification_id() == before


def test_the_content_of_a_purged_clip_is_gone_with_its_purge_record(
    api: Api, case_clip: dict[str, Any]
) -> None:
    clip_id = case_clip["clip_id"]
    api.archive.svc.events.update(
        Clip,
        uuid.UUID(clip_id),
        lambda c: c.purge("retention ended", [], Context("system", "system")),
    )
    body = assert_error(api.get(f"/api/clips/{clip_id}/content?reason=review", "budi"), 410)
    assert body["purge"]["clip_id"] == clip_id
    assert body["purge"]["sha256"] == case_clip["sha256"]
    # The metadata (the tombstone) stays readable.
    assert api.get(f"/api/clips/{clip_id}", "budi").json()["status"] == "purged"


def test_a_json_body_over_its_limit_is_413(api: Api) -> None:
    big = {"case_id": "R-4", "kind": "report", "title": "x" * 100_000}
    assert_error(api.post("/api/cases", "budi", json=big), 413)

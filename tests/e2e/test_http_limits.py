"""Request limits: per-token rate limits on expensive endpoints, use-case deadlines."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.http import create_app
from api.http.limits import HttpLimits, Rate
from tests.conftest import Archive
from tests.e2e.conftest import Api


def client_with(archive: Archive, limits: HttpLimits) -> Iterator[Api]:
    app = create_app(archive.svc, limits)
    with TestClient(app) as client:
        yield Api(client, archive, app)


@pytest.fixture
def strict(archive: Archive, log_output: Any) -> Iterator[Api]:
    rates = {"content": Rate(6, 2), "upload": Rate(6, 2), "verify": Rate(6, 2)}
    yield from client_with(archive, HttpLimits(rates=rates))


def test_expensive_requests_over_the_rate_get_429_with_retry_after(
    strict: Api, case_clip: dict[str, Any]
) -> None:
    url = f"/api/clips/{case_clip['clip_id']}/content?reason=review"
    assert [strict.get(url, "budi").status_code for _ in range(2)] == [200, 200]
    throttled = strict.get(url, "budi")
    assert throttled.status_code == 429
    assert int(throttled.headers["retry-after"]) >= 1
    assert "too many content requests" in throttled.json()["error"]
    # The limit is per token: another member is not held back, and cheap reads go on.
    assert strict.get(url, "dodi").status_code == 200
    assert strict.get("/api/clips", "budi").status_code == 200


def test_audit_verify_is_rate_limited(strict: Api) -> None:
    codes = [strict.get("/api/audit/verify", "sari").status_code for _ in range(3)]
    assert codes == [200, 200, 429]


def test_a_use_case_past_its_deadline_answers_503(archive: Archive, log_output: Any) -> None:
    for api in client_with(archive, HttpLimits(use_case_timeout_s=1e-9)):
        response = api.get("/api/clips", "budi")
        assert response.status_code == 503
        assert "did not answer" in response.json()["error"]

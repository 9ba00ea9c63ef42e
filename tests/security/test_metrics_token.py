"""The /metrics bearer token is compared as bytes (issue 18, finding 6): a token with
characters outside ASCII is a wrong token (401), never a server error (500)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from api.http import create_app
from api.http.limits import HttpLimits
from tests.conftest import Archive

pytestmark = pytest.mark.parametrize("store_kind", ["sqlite"])
TOKEN = "metrics-token-for-the-scraper"


@pytest.fixture
def client(archive: Archive, monkeypatch: pytest.MonkeyPatch) -> TestClient:
    monkeypatch.setenv("SAKSI_METRICS_TOKEN", TOKEN)
    return TestClient(create_app(archive.svc, HttpLimits()), raise_server_exceptions=False)


@pytest.mark.parametrize("given", ["métriques-é", "Ωmega", TOKEN + "ü"])
def test_a_bearer_token_outside_ascii_is_refused_with_401(client: TestClient, given: str) -> None:
    # httpx sends header values as Latin-1 when they are not ASCII; UTF-8 bytes go as they are.
    header = f"Bearer {given}".encode()
    response = client.get("/metrics", headers={"Authorization": header})  # type: ignore[dict-item]
    assert response.status_code == 401, response.text
    assert "error" in response.json()


def test_the_right_token_still_opens_metrics(client: TestClient) -> None:
    assert client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200

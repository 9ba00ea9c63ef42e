"""/metrics is written by prometheus-client: parsed by its own parser, the per-route latency
histogram moves with requests, labelled by route template (never the raw path)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from api.http import create_app
from api.http.limits import HttpLimits
from tests.conftest import Archive

pytestmark = pytest.mark.parametrize("store_kind", ["sqlite"])
TOKEN = "scraper-token"
LATENCY = "saksi_http_request_duration_seconds"

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


@pytest.fixture
def client(archive: Archive, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    monkeypatch.setenv("SAKSI_METRICS_TOKEN", TOKEN)
    with TestClient(create_app(archive.svc, HttpLimits()), raise_server_exceptions=False) as c:
        yield c


def scrape(client: TestClient) -> tuple[Samples, set[str]]:
    response = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    families = list(text_string_to_metric_families(response.text))
    samples = {
        (s.name, tuple(sorted(s.labels.items()))): s.value for f in families for s in f.samples
    }
    return samples, {f.name for f in families}


def test_the_latency_histogram_of_a_route_moves_after_requests(
    client: TestClient, archive: Archive
) -> None:
    route = (("method", "GET"), ("route", "/api/clips/{clip_id}"))
    before, names = scrape(client)
    assert {"process_cpu_seconds", "python_info", "saksi_clips"} <= names
    auth = {"Authorization": f"Bearer {archive.tokens['budi']}"}
    asked = [str(uuid.uuid4()) for _ in range(3)]
    for clip_id in asked:
        assert client.get(f"/api/clips/{clip_id}", headers=auth).status_code == 404
    after, _ = scrape(client)
    assert before.get((f"{LATENCY}_count", route), 0) == 0
    assert after[(f"{LATENCY}_count", route)] == 3
    assert after[(f"{LATENCY}_sum", route)] > 0
    assert after[(f"{LATENCY}_bucket", tuple(sorted((*route, ("le", "+Inf")))))] == 3
    requests = ("saksi_http_requests_total", (*route, ("status", "404")))
    assert after[requests] == 3
    # Raw paths never become labels: one series for the three clip ids.
    assert not any(clip_id in str(labels) for _, labels in after for clip_id in asked)


def test_a_refused_request_is_counted_by_status_and_reason(
    client: TestClient, archive: Archive
) -> None:
    assert (
        client.get("/api/clips", headers={"Authorization": "Bearer sks_wrong"}).status_code == 401
    )
    got, _ = scrape(client)
    assert got[("saksi_refusals_total", (("reason", "unauthenticated"), ("status", "401")))] == 1
    assert got[("saksi_access_denied_by_action", (("action", "auth"),))] >= 1

"""Finding 10 of issue 18: share and upload links come from SAKSI_PUBLIC_URL alone, never from
a request's Host header (`Host: evil.example` produced http://evil.example/share/shr_...);
without the setting no link is made, with a clear error and nothing recorded."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from archive.errors import InvalidInput
from archive.settings import Settings
from tests.conftest import Archive
from tests.e2e.conftest import Api, serve_at
from tests.e2e.test_footage_requests import ASK
from tests.support import flows

PUBLIC = "https://saksi.example.go.id"
EVIL = {"Host": "evil.example", "X-Forwarded-Host": "evil.example"}


def share_body(owners: Archive, footage: Path) -> dict[str, Any]:
    clip = flows.ingest_into(owners.svc, footage, "R-2026-0001")
    return {"clip_ids": [clip["clip_id"]], "recipient": "Kejaksaan", "expires": "P1D"}


@pytest.mark.parametrize("object_kind", ["file"])
def test_links_are_made_from_the_public_url_whatever_the_host_header(
    api: Api, owners: Archive, footage: Path, object_kind: str
) -> None:
    serve_at(api.archive, PUBLIC)
    share = api.post("/api/shares", "budi", json=share_body(owners, footage), headers=EVIL)
    assert share.status_code == 201, share.text
    assert share.json()["url"].startswith(f"{PUBLIC}/share/shr_")
    rid = api.post("/api/requests", "budi", json=ASK).json()["request_id"]
    approved = api.post(f"/api/requests/{rid}/approve", "pak.agus", headers=EVIL)
    assert approved.status_code == 200, approved.text
    assert approved.json()["upload"]["url"].startswith(f"{PUBLIC}/upload/requests/{rid}?token=")


@pytest.mark.parametrize("object_kind", ["file"])
def test_without_a_public_url_no_link_is_made_and_nothing_is_recorded(
    api: Api, owners: Archive, footage: Path, object_kind: str
) -> None:
    rid = api.post("/api/requests", "budi", json=ASK).json()["request_id"]
    body = share_body(owners, footage)
    api.archive.svc.settings = api.archive.svc.settings.model_copy(update={"public_url": None})
    before = flows.event_count(api.archive.svc)
    share = api.post("/api/shares", "budi", json=body, headers=EVIL)
    assert share.status_code == 422 and "SAKSI_PUBLIC_URL" in share.json()["error"]
    approved = api.post(f"/api/requests/{rid}/approve", "pak.agus", headers=EVIL)
    assert approved.status_code == 422 and "SAKSI_PUBLIC_URL" in approved.json()["error"]
    assert flows.event_count(api.archive.svc) == before
    assert api.get(f"/api/requests/{rid}", "budi").json()["status"] == "sent"


@pytest.mark.parametrize(
    "url", ["javascript:alert(1)", "https://", "https://a@evil.example", "http://x/?q", "ftp://x"]
)
def test_a_public_url_that_is_not_an_http_address_is_refused_at_start(url: str) -> None:
    with pytest.raises(InvalidInput, match="SAKSI_PUBLIC_URL"):
        Settings.from_env({"SAKSI_PUBLIC_URL": url})
    assert Settings.from_env({"SAKSI_PUBLIC_URL": PUBLIC + "/"}).public_url == PUBLIC

"""Uploading recordings: streamed to disk, checked, then ingested; bad uploads leave nothing."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.http import create_app
from api.http.limits import HttpLimits
from tests.conftest import Archive
from tests.e2e.conftest import Api
from tests.support import flows

FIELDS = {"camera_id": "SMG-SS-0001", "reason": "footage handed in by a shop owner"}


@pytest.fixture
def ready(archive: Archive) -> Archive:
    flows.camera(archive.svc)
    flows.case(archive.svc)
    return archive


def upload(api: Api, data: bytes, user: str = "budi", name: str = "cam.mp4", **fields: str):  # type: ignore[no-untyped-def]
    return api.post(
        "/api/clips", user, data={**FIELDS, **fields}, files={"file": (name, data, "video/mp4")}
    )


def nothing_stored(archive: Archive, events_before: int) -> bool:
    return flows.event_count(archive.svc) == events_before and not flows.object_files(archive.svc)


def test_an_uploaded_recording_becomes_a_clip_in_its_case(
    server: Api, ready: Archive, footage: Path
) -> None:
    data = footage.read_bytes()
    sha = hashlib.sha256(data).hexdigest()
    response = upload(server, data, case_id="R-2026-0001", sha256=sha.upper())
    assert response.status_code == 201, response.text
    clip = response.json()
    assert (clip["sha256"], clip["size_bytes"], clip["codec"]) == (sha, len(data), "h264")
    assert clip["case_ids"] == ["R-2026-0001"]
    assert clip["start"] == "2026-11-01T10:00:00+00:00"  # the file's creation time
    # ... and its content comes back byte for byte.
    got = server.get(f"/api/clips/{clip['clip_id']}/content?reason=check", "budi")
    assert got.content == data


def test_source_start_overrides_the_recording_time(api: Api, ready: Archive, footage: Path) -> None:
    response = upload(api, footage.read_bytes(), source_start="2026-11-29T10:00:00+07:00")
    assert response.status_code == 201, response.text
    assert response.json()["start"] == "2026-11-29T03:00:00+00:00"


def test_a_sha256_that_does_not_match_stores_nothing(
    api: Api, ready: Archive, footage: Path
) -> None:
    before = flows.event_count(ready.svc)
    response = upload(api, footage.read_bytes(), sha256="0" * 64)
    assert response.status_code == 422
    assert "sha256" in response.json()["error"]
    assert nothing_stored(ready, before)


@pytest.mark.parametrize(
    "data",
    [
        b"%PDF-1.7 this is a document, not a recording" * 50,
        b"#!/bin/sh\nrm -rf /\n",
        b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 5000,  # looks like MP4, is not playable
    ],
)
def test_anything_but_video_is_refused_and_stores_nothing(
    api: Api, ready: Archive, data: bytes
) -> None:
    before = flows.event_count(ready.svc)
    response = upload(api, data)
    assert response.status_code == 422
    assert nothing_stored(ready, before)


def test_missing_or_unknown_fields_are_422(api: Api, ready: Archive, footage: Path) -> None:
    data = footage.read_bytes()
    no_reason = api.post(
        "/api/clips", "budi", data={"camera_id": "SMG-SS-0001"}, files={"file": ("a.mp4", data)}
    )
    assert no_reason.status_code == 422 and "reason" in no_reason.json()["error"]
    no_file = api.post("/api/clips", "budi", data=FIELDS, files={"other": ("a.mp4", data)})
    assert no_file.status_code == 422
    not_multipart = api.post("/api/clips", "budi", json=FIELDS)
    assert not_multipart.status_code == 422
    bad_time = upload(api, data, source_start="yesterday")
    assert bad_time.status_code == 422


def test_an_upload_over_the_size_limit_is_413_and_stores_nothing(
    ready: Archive, footage: Path, log_output: Any
) -> None:
    app = create_app(ready.svc, HttpLimits(max_upload_bytes=10_000))
    with TestClient(app) as client:
        api = Api(client, ready, app)
        before = flows.event_count(ready.svc)
        response = upload(api, footage.read_bytes())
        assert response.status_code == 413
        # Without a Content-Length the limit is enforced by counting as the body arrives.
        chunked = api.post(
            "/api/clips",
            "budi",
            content=iter([b"--x\r\n", b"\x00" * 20_000]),
            headers={"Content-Type": "multipart/form-data; boundary=x"},
        )
        assert chunked.status_code == 413
    assert nothing_stored(ready, before)

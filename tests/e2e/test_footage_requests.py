"""Footage requests to private camera owners, end to end over HTTP: request, approval, upload
through the one-time link, clip in the case; declines; owners scoped to their own; refused
links (used, expired, oversized, unknown) recorded and leaving nothing behind."""

from __future__ import annotations

import hashlib
import io
import json
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import suppress
from datetime import timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx
import pytest
from fastapi.testclient import TestClient

from archive.accounts import users
from archive.cameras import registry as cameras
from archive.errors import AlreadyExists
from archive.footage_requests import link_uploads
from archive.footage_requests import requests as footage_requests
from archive.services import Services
from archive.settings import Settings
from archive.timefmt import parse_time
from domain.base import Context
from tests.conftest import Archive
from tests.e2e.conftest import Api, free_port
from tests.e2e.test_http_auth import _all_stored_text
from tests.support import cluster, flows, processes
from tests.support.ui import Pages

BACKENDS = pytest.mark.parametrize(
    ("store_kind", "object_kind"), [("sqlite", "file"), ("postgres", "s3")]
)
CASE = "R-2026-0001"
ASK = {
    "camera_id": "SMG-PV-0001",
    "start": "2026-11-01T10:00:00Z",
    "end": "2026-11-01T10:00:03Z",
    "case_id": CASE,
    "reason": "fight outside the shop, 112 report",
}


def link_settings(svc: Services, **changes: Any) -> None:
    """Upload links under other settings from now on (an operator's restart, in one step)."""
    svc.settings = svc.settings.model_copy(update=changes)


@pytest.fixture
def owners(archive: Archive) -> Archive:
    """Two private camera owners, one camera each, and case R-2026-0001 (lead budi, dodi)."""
    admin = Context("ana")
    for name, camera_id in (("pak.agus", "SMG-PV-0001"), ("bu.sri", "SMG-PV-0002")):
        archive.tokens[name] = str(users.add_user(archive.svc, admin, name, "owner")["token"])
        cameras.register_camera(
            archive.svc,
            Context("dodi"),
            camera_id=camera_id,
            name=f"Toko {name}",
            owner="private",
            district="Semarang Tengah",
            owner_user=name,
        )
    flows.camera(archive.svc)  # a public camera, SMG-SS-0001
    flows.case(archive.svc, CASE)
    return archive


def send(api: Api, user: str = "budi", **fields: str) -> httpx.Response:
    return api.post("/api/requests", user, json={**ASK, **fields})


def link_for(api: Api, request_id: str, owner: str = "pak.agus") -> dict[str, Any]:
    response = api.post(f"/api/requests/{request_id}/approve", owner)
    assert response.status_code == 200, response.text
    return dict(response.json()["upload"])


def upload(api: Api, url: str, data: bytes, **fields: str) -> httpx.Response:
    return api.post(url, data=fields, files={"file": ("rec.mp4", data, "video/mp4")})


def stream_types(archive: Archive, originator_id: str) -> list[str]:
    return [e["type"] for e in flows.custody(archive.svc, originator_id)]


def case_events(archive: Archive) -> list[dict[str, Any]]:
    from domain.case import Case

    return flows.custody(archive.svc, str(Case.create_id(CASE)))


def refusals(archive: Archive, action: str) -> list[dict[str, Any]]:
    with archive.svc.db.tx(write=False) as tx:
        return tx.all("SELECT * FROM rm_refusals WHERE action=? ORDER BY position", (action,))


def stored(archive: Archive) -> tuple[int, int]:
    """Clips and stored objects: what an upload would leave behind."""
    with archive.svc.db.tx(write=False) as tx:
        row = tx.one("SELECT COUNT(*) AS n FROM rm_clips")
    assert row is not None
    return int(row["n"]), len(list(archive.svc.objects.iter_objects()))


@BACKENDS
def test_a_request_is_approved_uploaded_through_its_link_and_lands_in_the_case(
    server: Api, owners: Archive, footage: Path, log_output: io.StringIO, object_kind: str
) -> None:
    # An investigator of the case asks the owner of a private camera for ten seconds.
    sent = send(server)
    assert sent.status_code == 201, sent.text
    request = sent.json()
    rid = request["request_id"]
    assert (request["status"], request["owner_user"], request["case_id"]) == (
        "sent",
        "pak.agus",
        CASE,
    )
    # The owner sees it, approves it and gets a one-time upload link.
    mine = server.get("/api/requests", "pak.agus").json()["requests"]
    assert [r["request_id"] for r in mine] == [rid]
    link = link_for(server, rid)
    assert link["url"] == f"{server.client.base_url}/upload/requests/{rid}?token={link['token']}"
    assert server.get(f"/api/requests/{rid}", "pak.agus").json()["status"] == "approved"
    # Through the link (no account token), the recording is ingested and attached to the case.
    data = footage.read_bytes()
    sha = hashlib.sha256(data).hexdigest()
    delivered = upload(server, link["url"], data, sha256=sha)
    assert delivered.status_code == 201, delivered.text
    answer = delivered.json()
    clip = answer["clip"]
    assert (answer["status"], answer["clip_id"], answer["sha256"]) == (
        "fulfilled",
        clip["clip_id"],
        sha,
    )
    assert (clip["sha256"], clip["size_bytes"], clip["case_ids"]) == (sha, len(data), [CASE])
    assert clip["ingested_by"] == "pak.agus"
    case = server.get(f"/api/cases/{CASE}", "budi").json()
    assert case["clip_ids"] == [clip["clip_id"]]
    content = server.get(f"/api/clips/{clip['clip_id']}/content?reason=review", "budi")
    assert content.status_code == 200 and content.content == data
    # Every step is an event: on the request, on the case, on the clip.
    shown = server.get(f"/api/requests/{rid}", "budi").json()
    assert shown["chain_intact"] is True
    assert [e["type"] for e in shown["events"]] == [
        "Sent",
        "Approved",
        "LinkIssued",
        "UploadStarted",
        "Fulfilled",
    ]
    assert [e["actor"] for e in shown["events"]] == ["budi", *["pak.agus"] * 4]
    on_case = [e for e in case_events(owners) if e["type"] != "CaseOpened"]
    assert [e["type"] for e in on_case] == [
        "FootageRequested",
        "FootageRequestAnswered",
        "ClipAttached",
    ]
    assert on_case[0]["request_id"] == rid and on_case[1]["answer"] == "approved"
    assert rid in on_case[2]["reason"]
    on_clip = flows.custody(owners.svc, clip["clip_id"])
    assert on_clip[0]["type"] == "ClipIngested" and on_clip[0]["sha256"] == sha
    assert on_clip[0]["source"]["request_id"] == rid
    assert on_clip[0]["source"]["delivered"] == "upload link"
    assert on_clip[0]["source"]["covers_request"] == "all"
    assert on_clip[0]["source"]["requested"] == {
        "start": "2026-11-01T10:00:00+00:00",
        "end": "2026-11-01T10:00:03+00:00",
    }
    assert "AttachedToCase" in [e["type"] for e in on_clip]
    # The link worked once: a second use is refused, recorded, and stores nothing more.
    before = stored(owners)
    again = upload(server, link["url"], data)
    assert again.status_code == 410 and "already used" in again.json()["error"]
    assert stored(owners) == before
    assert refusals(owners, "request.upload")[-1]["target"] == f"request:{rid}"
    # The log verifies; the link's token is nowhere in clear, neither stored nor logged.
    verified = server.get("/api/audit/verify", "sari").json()
    assert verified["ok"] is True, verified["problems"]
    assert link["token"] not in _all_stored_text(owners)
    assert users.hash_token(link["token"]) in _all_stored_text(owners)
    assert link["token"] not in log_output.getvalue()
    assert f"POST /upload/requests/{rid} 201" in log_output.getvalue()


def test_a_recording_outside_the_requested_range_is_kept_and_flagged(
    server: Api, owners: Archive, footage: Path, log_output: io.StringIO
) -> None:
    """A private recorder's clock may be off: its recording is evidence all the same, so it is
    kept, and the investigator is told how much of the asked range it holds."""
    for start, end, covers in (
        ("2026-11-01T09:00:00Z", "2026-11-01T09:30:00Z", "none"),
        ("2026-11-01T10:00:02Z", "2026-11-01T10:05:00Z", "part"),
    ):
        sent = send(server, start=start, end=end)
        assert sent.status_code == 201, sent.text
        rid = sent.json()["request_id"]
        delivered = upload(server, link_for(server, rid)["url"], footage.read_bytes())
        assert delivered.status_code == 201, delivered.text
        on_clip = flows.custody(owners.svc, delivered.json()["clip_id"])
        assert on_clip[0]["source"]["covers_request"] == covers
        assert f"footage request {rid}: the recording delivered covers {covers}" in (
            log_output.getvalue()
        )


@BACKENDS
def test_an_owner_declines_with_a_reason_and_the_case_records_it(
    api: Api, owners: Archive, footage: Path, object_kind: str
) -> None:
    rid = send(api).json()["request_id"]
    declined = api.post(
        f"/api/requests/{rid}/decline", "pak.agus", json={"reason": "the camera was off"}
    )
    assert declined.status_code == 200, declined.text
    assert (declined.json()["status"], declined.json()["decline_reason"]) == (
        "declined",
        "the camera was off",
    )
    answered = case_events(owners)[-1]
    assert (answered["type"], answered["answer"], answered["reason"]) == (
        "FootageRequestAnswered",
        "declined",
        "the camera was off",
    )
    assert stream_types(owners, rid) == ["Sent", "Declined"]
    # A declined request takes no approval and no upload.
    assert api.post(f"/api/requests/{rid}/approve", "pak.agus").status_code == 422
    assert stored(owners) == (0, 0)


@BACKENDS
def test_an_owner_sees_only_their_own_cameras_and_requests_and_is_refused_the_rest(
    api: Api, owners: Archive, footage: Path, object_kind: str
) -> None:
    theirs = send(api, camera_id="SMG-PV-0002").json()["request_id"]
    mine = send(api).json()["request_id"]
    cams = api.get("/api/cameras", "pak.agus").json()["cameras"]
    assert [c["camera_id"] for c in cams] == ["SMG-PV-0001"]
    assert len(api.get("/api/cameras", "budi").json()["cameras"]) == 3
    listed = api.get("/api/requests", "pak.agus").json()["requests"]
    assert [r["request_id"] for r in listed] == [mine]
    # Someone else's request: refused, and recorded on that request's own stream.
    assert api.get(f"/api/requests/{theirs}", "pak.agus").status_code == 403
    assert api.post(f"/api/requests/{theirs}/approve", "pak.agus").status_code == 403
    refused = api.post(f"/api/requests/{theirs}/decline", "pak.agus", json={"reason": "no"})
    assert refused.status_code == 403 and "not sent to pak.agus" in refused.json()["error"]
    assert stream_types(owners, theirs) == ["Sent", *["AccessDenied"] * 3]
    assert {r["actor"] for r in refusals(owners, "request.approve")} == {"pak.agus"}
    # Anything else is refused and recorded too: clips, cases, sending requests.
    assert api.get("/api/clips", "pak.agus").status_code == 403
    assert api.get(f"/api/cases/{CASE}", "pak.agus").status_code == 403
    assert send(api, "pak.agus").status_code == 403
    with owners.svc.db.tx(write=False) as tx:
        actions = {
            r["action"] for r in tx.all("SELECT action FROM rm_refusals WHERE actor='pak.agus'")
        }
    assert actions >= {"request.read", "request.approve", "request.decline", "metadata.search"}
    assert "request.send" in actions
    # Case members see the case's requests; an investigator outside the case sees none.
    assert len(api.get("/api/requests", "budi").json()["requests"]) == 2
    assert api.get("/api/requests", "eko").json()["requests"] == []
    assert api.get(f"/api/requests/{mine}", "eko").status_code == 403
    # Requests go to private cameras with an owner, from members of the case only.
    assert send(api, camera_id="SMG-SS-0001").status_code == 422
    assert send(api, "eko").status_code == 403


@BACKENDS
def test_an_expired_link_is_refused_recorded_and_keeps_nothing(
    api: Api, owners: Archive, footage: Path, object_kind: str
) -> None:
    link_settings(owners.svc, request_link_ttl=timedelta(seconds=1))
    rid = send(api).json()["request_id"]
    link = link_for(api, rid)
    time.sleep(1.2)
    response = upload(api, link["url"], footage.read_bytes())
    assert response.status_code == 410 and "expired" in response.json()["error"]
    assert stored(owners) == (0, 0)
    assert "expired" in refusals(owners, "request.upload")[-1]["detail"]
    # The owner can approve again: a fresh link replaces the old one, which stays dead.
    link_settings(owners.svc, request_link_ttl=timedelta(hours=72))
    fresh = link_for(api, rid)
    assert upload(api, link["url"], footage.read_bytes()).status_code == 404
    assert upload(api, fresh["url"], footage.read_bytes()).status_code == 201


@BACKENDS
def test_an_upload_over_the_links_limit_is_refused_and_keeps_nothing(
    api: Api, owners: Archive, footage: Path, object_kind: str
) -> None:
    link_settings(owners.svc, request_upload_max_bytes=10_000)
    rid = send(api).json()["request_id"]
    link = link_for(api, rid)
    data = footage.read_bytes()
    assert len(data) > 10_000
    # A declared size over the limit is refused before a byte is read.
    declared = upload(api, link["url"], data)
    assert declared.status_code == 413, declared.text
    assert "over the link's limit" in refusals(owners, "request.upload")[-1]["detail"]
    # Without a Content-Length, the body is counted as it arrives and cut off past the limit.
    chunked = api.post(
        link["url"],
        content=_multipart(data),
        headers={"Content-Type": "multipart/form-data; boundary=xyz"},
    )
    assert chunked.status_code == 413, chunked.text
    assert stream_types(owners, rid)[-2:] == ["UploadStarted", "UploadFailed"]
    assert stored(owners) == (0, 0)
    assert api.get(f"/api/requests/{rid}", "pak.agus").json()["status"] == "approved"


@BACKENDS
def test_a_failed_upload_leaves_the_link_usable_and_unknown_tokens_open_nothing(
    api: Api, owners: Archive, footage: Path, object_kind: str
) -> None:
    rid = send(api).json()["request_id"]
    link = link_for(api, rid)
    # Not a video: 422, nothing kept, the link still works afterwards.
    bad = upload(api, link["url"], b"%PDF-1.7 not a recording" * 40)
    assert bad.status_code == 422
    assert stored(owners) == (0, 0)
    # Unknown tokens, and unknown requests, open nothing; the attempts are recorded.
    wrong = api.post(f"/upload/requests/{rid}?token=skl_guess", files={"file": ("a.mp4", b"x")})
    assert wrong.status_code == 404 and wrong.json()["error"].startswith("no such upload link")
    nowhere = api.post(
        f"/upload/requests/{UUID(int=7)}?token={link['token']}", files={"file": ("a.mp4", b"x")}
    )
    assert nowhere.status_code == 404
    attempts = refusals(owners, "request.upload")
    assert attempts[0]["target"] == f"request:{rid}" and "unknown" in attempts[0]["detail"]
    assert stored(owners) == (0, 0)
    ok = upload(api, link["url"], footage.read_bytes())
    assert ok.status_code == 201, ok.text
    assert stream_types(owners, rid)[-5:] == [
        "UploadStarted",
        "UploadFailed",
        "AccessDenied",
        "UploadStarted",
        "Fulfilled",
    ]


def _multipart(data: bytes) -> Iterator[bytes]:
    yield b'--xyz\r\nContent-Disposition: form-data; name="file"; filename="a.mp4"\r\n\r\n'
    for i in range(0, len(data), 4096):
        yield data[i : i + 4096]
    yield b"\r\n--xyz--\r\n"


def test_an_approved_request_shows_neither_its_link_token_nor_its_hash(
    api: Api, owners: Archive
) -> None:
    rid = send(api).json()["request_id"]
    link = link_for(api, rid)
    for user in ("pak.agus", "budi", "ana"):
        shown = json.dumps(api.get(f"/api/requests/{rid}", user).json())
        assert "LinkIssued" in shown
        assert link["token"] not in shown and users.hash_token(link["token"]) not in shown


@pytest.mark.parametrize(("store_kind", "object_kind"), [("postgres", "s3")])
def test_two_uploads_through_one_link_at_once_deliver_exactly_one_clip(
    server: Api, owners: Archive, footage: Path, object_kind: str
) -> None:
    rid = server.post("/api/requests", "budi", json=ASK).json()["request_id"]
    url = server.post(f"/api/requests/{rid}/approve", "pak.agus").json()["upload"]["url"]
    data = footage.read_bytes()
    answers: list[int] = []
    start = threading.Barrier(2)

    def upload() -> None:
        start.wait()
        with httpx.Client(timeout=60) as client:
            answers.append(client.post(url, files={"file": ("a.mp4", data)}).status_code)

    threads = [threading.Thread(target=upload) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(90)
    assert sorted(answers)[0] == 201 and sorted(answers)[1] in (409, 410), answers
    with server.archive.svc.db.tx(write=False) as tx:
        assert tx.all("SELECT clip_id FROM rm_clips") == [
            {"clip_id": server.get(f"/api/requests/{rid}", "budi").json()["clip_id"]}
        ]


def test_admins_add_owners_and_operators_link_them_to_private_cameras_over_http(
    api: Api, owners: Archive
) -> None:
    added = api.post("/api/users", "ana", json={"name": "bu.tini", "role": "owner"})
    assert added.status_code == 201 and added.json()["role"] == "owner"
    camera = {"name": "Warung", "owner": "private", "district": "Candisari"}
    linked = api.post(
        "/api/cameras", "dodi", json={**camera, "camera_id": "SMG-PV-0009", "owner_user": "bu.tini"}
    )
    assert linked.status_code == 201 and linked.json()["owner_user"] == "bu.tini"
    not_an_owner = api.post(
        "/api/cameras", "dodi", json={**camera, "camera_id": "SMG-PV-0010", "owner_user": "budi"}
    )
    assert not_an_owner.status_code == 422 and "needs role owner" in not_an_owner.json()["error"]
    public = {**camera, "owner": "public", "camera_id": "SMG-PB-0010", "owner_user": "bu.tini"}
    assert api.post("/api/cameras", "dodi", json=public).status_code == 422
    owner_token = {"Authorization": f"Bearer {added.json()['token']}"}
    cams = api.get("/api/cameras", headers=owner_token).json()["cameras"]
    assert [c["camera_id"] for c in cams] == ["SMG-PV-0009"]


def test_the_web_ui_shows_owners_to_admins_and_refuses_owners_its_pages(
    api: Api, owners: Archive
) -> None:
    admin = Pages(TestClient(api.app, raise_server_exceptions=False))
    admin.sign_in(owners.tokens["ana"])
    listed = admin.get("/admin/users", headers={"Accept-Language": "en"})
    assert listed.status_code == 200 and "camera owner" in listed.text
    added = admin.submit("/admin/users", "/admin/users", {"name": "bu.tini", "role": "owner"})
    assert added.status_code in (200, 303), added.text
    owner = Pages(TestClient(api.app, raise_server_exceptions=False))
    owner.sign_in(owners.tokens["pak.agus"])
    for page in ("/clips", "/cases", "/map"):
        assert owner.get(page).status_code == 403, page
    assert {r["actor"] for r in refusals(owners, "metadata.search")} == {"pak.agus"}


@BACKENDS
def test_an_upload_claim_left_by_a_killed_server_blocks_while_fresh_and_yields_once_stale(
    api: Api, owners: Archive, settings: Settings, footage: Path, tmp_path: Path, object_kind: str
) -> None:
    rid = send(api).json()["request_id"]
    path = link_for(api, rid)["path"]
    data = footage.read_bytes()
    # A real `saksi serve` takes an upload through the link, which claims it (UploadStarted)
    # before the body arrives; then the process is killed (kill -9) before any outcome.
    first = cluster.Node("serve-a", *_serve(settings, tmp_path / "a.log"))
    held = threading.Event()
    cut_off = threading.Thread(target=_stalled_upload, args=(first.url + path, data, held))
    try:
        cut_off.start()
        _wait_for(lambda: stream_types(owners, rid)[-1] == "UploadStarted", first)
    finally:
        first.kill()
        held.set()
    cut_off.join(30)
    assert stream_types(owners, rid)[-1] == "UploadStarted"
    # Fresh (under the default bound, PT2H), the claim still holds the link: busy, recorded.
    busy = upload(api, path, data)
    assert busy.status_code == 409 and "under way" in busy.json()["error"], busy.text
    shown = api.get(f"/api/requests/{rid}", "budi").json()
    assert (shown["status"], shown["stale"]) == ("uploading", False)
    assert shown["upload_started_at"] is not None
    # With the bound at one second, operators see the claim marked stale ...
    stale_env = {"SAKSI_REQUEST_UPLOAD_STALE": "PT1S", "SAKSI_TOKEN": owners.tokens["budi"]}
    time.sleep(1.1)
    link_settings(owners.svc, request_upload_stale=timedelta(seconds=1))
    shown = api.get(f"/api/requests/{rid}", "budi").json()
    assert (shown["status"], shown["stale"]) == ("uploading", True)
    listed = processes.run(settings, "request", "list", "--actor", "budi", **stale_env)
    assert listed.returncode == 0 and "uploading (stale)" in listed.stdout, listed
    told = processes.run(settings, "request", "show", rid, "--actor", "budi", "--json", **stale_env)
    assert told.returncode == 0, told.stderr
    assert (json.loads(told.stdout)["status"], json.loads(told.stdout)["stale"]) == (
        "uploading",
        True,
    )
    # ... and the next upload through the link (to a new server) records the claim abandoned,
    # claims the link itself and delivers.
    second = cluster.Node("serve-b", *_serve(settings, tmp_path / "b.log", **stale_env))
    try:
        delivered = httpx.post(
            second.url + path, files={"file": ("rec.mp4", data, "video/mp4")}, timeout=120
        )
    finally:
        second.stop()
    assert delivered.status_code == 201, delivered.text
    assert (delivered.json()["status"], delivered.json()["stale"]) == ("fulfilled", False)
    events = flows.custody(owners.svc, rid)
    assert [e["type"] for e in events][3:] == [
        "UploadStarted",
        "AccessDenied",
        "UploadFailed",
        "UploadStarted",
        "Fulfilled",
    ]
    abandoned = events[-3]
    assert abandoned["detail"].startswith("abandoned: no outcome within PT1S of its start at")
    assert (abandoned["actor"], abandoned["channel"]) == ("system", "system")
    # Exactly one clip, in the case; the log verifies.
    case = api.get(f"/api/cases/{CASE}", "budi").json()
    assert case["clip_ids"] == [delivered.json()["clip_id"]]
    assert stored(owners)[0] == 1
    verified = api.get("/api/audit/verify", "sari").json()
    assert verified["ok"] is True, verified["problems"]


def _serve(settings: Settings, log: Path, **extra: str) -> tuple[subprocess.Popen[str], Path, int]:
    port = free_port()
    proc = processes.start(
        settings, "serve", "--port", str(port), "--no-scheduler", log=log, **extra
    )
    node = cluster.Node("serve", proc, log, port)
    _wait_for(lambda: _ready(node), node)
    return proc, log, port


def _ready(node: cluster.Node) -> bool:
    try:
        return httpx.get(f"{node.url}/ready", timeout=5).status_code == 200
    except httpx.TransportError:
        return False


def _wait_for(condition: Callable[[], bool], node: cluster.Node, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert node.proc.poll() is None, f"{node.name} exited:\n{node.tail()}"
        assert time.monotonic() < deadline, f"timed out:\n{node.tail()}"
        time.sleep(0.05)


def _stalled_upload(url: str, data: bytes, held: threading.Event) -> None:
    """An upload whose body stops after its first bytes until `held` is set; its failure (the
    server is killed meanwhile) is the point."""

    def body() -> Iterator[bytes]:
        parts = _multipart(data)
        yield next(parts)
        yield next(parts)
        held.wait(60)
        yield from parts

    with suppress(httpx.HTTPError):
        httpx.post(
            url,
            content=body(),
            headers={"Content-Type": "multipart/form-data; boundary=xyz"},
            timeout=60,
        )


@BACKENDS
def test_a_direct_delivery_takes_over_a_stale_upload_claim_but_not_a_fresh_one(
    owners: Archive, footage: Path, object_kind: str
) -> None:
    svc, owner = owners.svc, Context("pak.agus")
    rid = footage_requests.send_request(
        svc, Context("budi"), **{**ASK, "start": parse_time(ASK["start"]),
        "end": parse_time(ASK["end"])},
    )["request_id"]  # fmt: skip
    token = footage_requests.approve(svc, owner, request_id=rid)["upload"]["token"]
    # An upload claims the link and never reports an outcome (its process died).
    link_uploads.claim(svc, request_id=rid, token=token, client="127.0.0.1")
    with pytest.raises(AlreadyExists, match="under way"):
        footage_requests.approve(svc, owner, request_id=rid, source=footage)
    link_settings(svc, request_upload_stale=timedelta(milliseconds=50))
    time.sleep(0.1)
    delivered = footage_requests.approve(svc, owner, request_id=rid, source=footage)
    assert delivered["status"] == "fulfilled"
    assert stream_types(owners, rid)[-3:] == ["UploadStarted", "UploadFailed", "Fulfilled"]
    assert flows.custody(svc, rid)[-2]["detail"].startswith("abandoned: no outcome within")
    assert stored(owners)[0] == 1

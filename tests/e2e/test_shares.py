"""Shares for prosecutors and courts, end to end: an investigator shares a case by a link, the
recipient (no account) watches through it and downloads the evidence package, which verifies
offline; every use is a custody event naming the share and the client; a revoked, expired or
unknown link is refused and the refusal recorded; a view-only link refuses the package."""

from __future__ import annotations

import io
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest

from archive.accounts.users import hash_token
from tests.e2e.conftest import Api

CASE = "R-2026-0001"
PROSECUTOR = "Kejaksaan Negeri Semarang"


def ok(result: Any) -> Any:
    assert result.code == 0, (result.code, result.out, result.err)
    return result.json() if result.out.lstrip().startswith(("{", "[")) else result.out


def events_of(cli: Any, clip_id: str, kind: str) -> list[dict[str, Any]]:
    trail = ok(cli("audit", "trail", clip_id, "--json"))
    return [e for e in trail["events"] if e["type"] == kind]


def share_stream(api: Api, share_id: str) -> list[Any]:
    """The share's own events, straight from the event store."""
    from uuid import UUID

    return list(api.archive.svc.store.events.get(UUID(share_id)))


@pytest.mark.parametrize(("store_kind", "object_kind"), [("sqlite", "file"), ("postgres", "s3")])
def test_a_prosecutor_watches_and_downloads_through_a_link_until_it_is_revoked(  # type: ignore[no-untyped-def]
    server: Api,
    case_clip: dict[str, Any],
    cli,
    tmp_path: Path,
    log_output: io.StringIO,
    store_kind: str,
    object_kind: str,
) -> None:
    clip_id = case_clip["clip_id"]
    # The case's lead shares the case with the prosecutor's office for a week.
    created = ok(
        cli("share", "create", "--case", CASE, "--recipient", PROSECUTOR, "--expires", "P7D",
            "--actor", "budi", "--reason", "case file for prosecution", "--json")
    )  # fmt: skip
    share_id, token, url = created["share_id"], created["token"], created["url"]
    assert token.startswith("shr_") and url.endswith(f"/share/{token}")
    assert created["clip_ids"] == [clip_id] and created["status"] == "active"
    [shared] = events_of(cli, clip_id, "ClipShared")
    assert shared["actor"] == "budi" and shared["details"]["share_id"] == share_id
    assert shared["details"]["recipient"] == PROSECUTOR
    link = urlparse(url).path

    # The recipient opens the link: the clip, a player, the package button.
    page = server.get(link)
    assert page.status_code == 200, page.text
    assert (
        clip_id in page.text and "<video" in page.text and f'action="{link}/package"' in page.text
    )
    assert page.headers["referrer-policy"] == "no-referrer"
    info = server.get(f"{link}/info").json()
    assert info["share_id"] == share_id and info["recipient"] == PROSECUTOR
    assert [c["clip_id"] for c in info["clips"]] == [clip_id]
    content = info["clips"][0]["content_url"]

    # The player streams with ranges and seeks: one viewing session, one custody event.
    first = server.get(content, headers={"Range": "bytes=0-99"})
    assert first.status_code == 206 and len(first.content) == 100
    assert first.headers["content-range"] == f"bytes 0-99/{case_clip['size_bytes']}"
    rest = server.get(content, headers={"Range": "bytes=100-"})
    assert rest.status_code == 206
    whole = first.content + rest.content
    assert len(whole) == case_clip["size_bytes"]
    [viewed] = events_of(cli, clip_id, "ViewedThroughShare")
    assert viewed["actor"] == f"share:{share_id}" and viewed["details"]["share_id"] == share_id
    assert viewed["client"] == "127.0.0.1" and viewed["channel"] == "http"
    assert [type(e).__name__ for e in share_stream(server, share_id)] == [
        "ShareCreated",
        "ShareViewed",
    ]

    # Loose footage is not handed out: a read without a range is refused, and recorded.
    loose = server.get(content)
    assert loose.status_code == 403 and "evidence package" in loose.json()["error"]
    [denied] = events_of(cli, clip_id, "AccessDenied")
    assert (
        denied["actor"] == f"share:{share_id}" and denied["details"]["action"] == "share.download"
    )

    # The package: the same evidence package `saksi export` writes, verified offline.
    package = server.post(f"{link}/package")
    assert package.status_code == 200, package.text
    assert package.headers["content-type"] == "application/zip"
    zip_path = tmp_path / "from-the-link.zip"
    zip_path.write_bytes(package.content)
    key = ok(cli("audit", "key")).strip()
    verified = ok(cli("verify", str(zip_path), "--key", key, "--json"))
    assert verified["ok"] and verified["key_checked"] and verified["clips"] == 1
    assert verified["export_id"] == package.headers["x-export-id"]
    [exported] = events_of(cli, clip_id, "ClipExported")
    assert exported["actor"] == f"share:{share_id}" and exported["client"] == "127.0.0.1"
    assert exported["details"]["recipient"] == PROSECUTOR
    assert exported["details"]["export_id"] == verified["export_id"]
    [listed] = ok(cli("share", "list", "--case", CASE, "--json"))["shares"]
    assert (listed["views"], listed["downloads"], listed["status"]) == (1, 1, "active")

    # Revoked: every door of the link closes at once, and each refusal is recorded.
    revoked = ok(cli("share", "revoke", share_id, "--actor", "budi", "--reason",
                     "package delivered", "--json"))  # fmt: skip
    assert revoked["status"] == "revoked" and revoked["revoked_by"] == "budi"
    [ended] = events_of(cli, clip_id, "ShareRevoked")  # the clip's own trail says so too
    assert ended["actor"] == "budi" and ended["details"]["share_id"] == share_id
    assert ended["reason"] == "package delivered"
    gone_page = server.get(link)
    assert gone_page.status_code == 410 and "revoked" in gone_page.text
    assert gone_page.headers["content-type"].startswith("text/html")
    assert server.get(f"{link}/info").status_code == 410
    assert server.get(content, headers={"Range": "bytes=0-9"}).status_code == 410
    refused = server.post(f"{link}/package")
    assert refused.status_code == 410 and "revoked" in refused.json()["error"]
    denials = [
        e
        for e in share_stream(server, share_id)
        if type(e).__name__ == "AccessDenied" and "revoked" in e.detail
    ]
    assert sorted(e.action for e in denials) == ["share.open", "share.package", "share.view"]
    assert all(e.actor == f"share:{share_id}" and e.client == "127.0.0.1" for e in denials)
    report = tmp_path / "case.csv"
    ok(cli("audit", "report", "--case", CASE, "--format", "csv", "--out", str(report)))
    rows = report.read_text()
    assert f"AccessDenied,share:{share_id}" in rows and "ShareRevoked,budi" in rows

    # The token never reached the log or the event store; only its hash did.
    assert token not in log_output.getvalue() and "shr_[redacted]" in log_output.getvalue()
    [created_event] = share_stream(server, share_id)[:1]
    assert created_event.token_hash == hash_token(token)
    stored = server.archive.svc.db
    with stored.tx(write=False) as tx:
        states = [bytes(r["state"]) for r in tx.all(f"SELECT state FROM {stored.events_table}")]
    assert not any(token.encode() in s for s in states)


@pytest.mark.parametrize("object_kind", ["s3"])
def test_a_view_only_link_plays_but_refuses_the_package(
    api: Api, case_clip: dict[str, Any], object_kind: str
) -> None:
    clip_id = case_clip["clip_id"]
    made = api.post(
        "/api/shares",
        "budi",
        json={"clip_ids": [clip_id], "recipient": "Pengadilan Negeri Semarang",
              "expires": "P1D", "view_only": True},
    )  # fmt: skip
    assert made.status_code == 201, made.text
    share = made.json()
    link = urlparse(share["url"]).path
    assert share["view_only"] and share["token"] in share["url"]
    info = api.get(f"{link}/info").json()
    assert info["view_only"] and info["package_url"] is None
    page = api.get(link)
    assert "<video" in page.text and "/package" not in page.text
    watched = api.get(f"{link}/clips/{clip_id}/content", headers={"Range": "bytes=0-"})
    assert watched.status_code == 206  # a viewing copy (tests/security/test_ranges.py)
    refused = api.post(f"{link}/package")
    assert refused.status_code == 403 and "view-only" in refused.json()["error"]
    kinds = [type(e).__name__ for e in share_stream(api, share["share_id"])]
    assert kinds == ["ShareCreated", "ShareViewed", "AccessDenied"]
    trail = api.get(f"/api/audit/trail/{clip_id}", "sari").json()["events"]
    assert not [e for e in trail if e["type"] == "ClipExported"]


def test_an_expired_link_is_refused_and_the_refusal_recorded(
    api: Api, case_clip: dict[str, Any]
) -> None:
    made = api.post(
        "/api/shares", "dodi", json={"case_id": CASE, "recipient": "Kejaksaan", "expires": "PT1S"}
    )
    assert made.status_code == 201, made.text
    share = made.json()
    link = urlparse(share["url"]).path
    assert api.get(f"{link}/info").status_code == 200
    time.sleep(1.2)
    expired = api.get(f"{link}/info")
    assert expired.status_code == 410 and "expired" in expired.json()["error"]
    page = api.get(link)
    assert page.status_code == 410 and "expired" in page.text
    [listed] = api.get("/api/shares", "dodi").json()["shares"]
    assert listed["status"] == "expired"
    [denied] = [
        e for e in share_stream(api, share["share_id"]) if type(e).__name__ == "AccessDenied"
    ]
    assert denied.action == "share.open" and "expired" in denied.detail


def test_an_unknown_link_is_not_found_and_recorded_once_a_minute_per_client(
    api: Api, case_clip: dict[str, Any]
) -> None:
    for path in ("/share/shr_nosuchtoken/info", "/share/shr_another/info", "/share/x/info"):
        answer = api.get(path)
        assert answer.status_code == 404 and answer.json() == {"error": "no such share link"}
    page = api.get("/share/shr_nosuchtoken")
    assert page.status_code == 404 and "text/html" in page.headers["content-type"]
    with api.archive.svc.db.tx(write=False) as tx:
        rows = tx.all("SELECT * FROM rm_refusals WHERE target = 'share:unknown'")
    assert len(rows) == 1 and rows[0]["action"] == "share.open"
    assert rows[0]["actor"] == "anonymous" and rows[0]["client"] == "testclient"


def test_only_members_of_the_case_may_share_and_the_refusals_are_recorded(  # type: ignore[no-untyped-def]
    cli, api: Api, case_clip: dict[str, Any]
) -> None:
    clip_id = case_clip["clip_id"]
    for who in ("eko", "sari", "ana"):  # an outside investigator, an auditor, an admin
        result = cli("share", "create", "--clip", clip_id, "--recipient", "x", "--expires",
                     "P1D", "--actor", who)  # fmt: skip
        assert result.code == 2 and result.err.startswith("error: refused"), result.err
    refusals = events_of(cli, clip_id, "AccessDenied")
    assert [e["actor"] for e in refusals] == ["eko", "sari", "ana"]
    outsider = api.post(
        "/api/shares", "eko", json={"case_id": CASE, "recipient": "x", "expires": "P1D"}
    )
    assert outsider.status_code == 403
    assert not api.get("/api/shares", "sari").json()["shares"]
    too_long = api.post(
        "/api/shares", "budi", json={"case_id": CASE, "recipient": "x", "expires": "P2Y"}
    )
    assert too_long.status_code == 422


def test_a_share_is_revoked_by_its_maker_a_case_member_or_an_admin_only(
    api: Api, case_clip: dict[str, Any]
) -> None:
    made = [
        api.post(
            "/api/shares",
            "budi",
            json={"case_id": CASE, "recipient": "Kejaksaan", "expires": "P3D"},
        ).json()
        for _ in range(3)
    ]
    ids = [m["share_id"] for m in made]
    # Listing: members see the case's shares, outsiders none, auditors all (never tokens).
    assert {s["share_id"] for s in api.get("/api/shares", "dodi").json()["shares"]} == set(ids)
    assert api.get("/api/shares", "eko").json()["shares"] == []
    listed = api.get(f"/api/shares?case={CASE}", "sari").json()["shares"]
    assert len(listed) == 3 and all("token" not in s and "url" not in s for s in listed)
    # An outside investigator may not revoke (recorded), the maker, a member, an admin may.
    refused = api.delete(f"/api/shares/{ids[0]}?reason=mine%20now", "eko")
    assert refused.status_code == 403
    with api.archive.svc.db.tx(write=False) as tx:
        rows = tx.all("SELECT * FROM rm_refusals WHERE target = ?", (f"share:{ids[0]}",))
    assert [(r["actor"], r["action"]) for r in rows] == [("eko", "share.revoke")]
    for share_id, who in zip(ids, ("budi", "dodi", "ana"), strict=True):
        done = api.delete(f"/api/shares/{share_id}?reason=no%20longer%20needed", who)
        assert done.status_code == 200 and done.json()["revoked_by"] == who
    again = api.delete(f"/api/shares/{ids[0]}?reason=twice", "budi")
    assert again.status_code == 422 and "already revoked" in again.json()["error"]
    assert api.delete(f"/api/shares/{ids[0]}", "budi").status_code == 422  # a reason is needed

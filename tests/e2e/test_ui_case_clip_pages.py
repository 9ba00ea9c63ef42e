"""The case page's shares and the clip page's redaction and safe-deletion displays, over HTTP
(TestClient) on SQLite with files and on PostgreSQL with SeaweedFS S3: forms carry CSRF tokens,
refusals are the use cases' and are recorded. The browser drives sharing in
test_ui_browser.py."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from archive.custody import retrieval
from archive.redaction import redact as redactions
from domain.base import Context
from domain.case import Case
from domain.redaction import Box
from retention import sweep
from tests.e2e.conftest import Api
from tests.e2e.test_http_export import stream_types
from tests.support import flows, seed
from tests.support.principals import HOST
from tests.support.retention import ANA, policy
from tests.support.settings import configure
from tests.support.ui import Pages

BACKENDS = pytest.mark.parametrize(
    ("store_kind", "object_kind"), [("sqlite", "file"), ("postgres", "s3")]
)
CASE_PAGE = "/cases/R-2026-0001"
SHARES = f"{CASE_PAGE}/shares"
SHARING = {"recipient": "Kejaksaan Negeri Semarang", "reason": "for the prosecutor", "days": "7"}


def browser(api: Api) -> Pages:
    """A browser asking for English pages."""
    client = TestClient(api.app, raise_server_exceptions=False)
    client.headers["accept-language"] = "en"
    return Pages(client)


@pytest.fixture
def pages(api: Api) -> Pages:
    return browser(api)


def shares_of_case(api: Api) -> list[dict[str, Any]]:
    with api.archive.svc.db.tx(write=False) as tx:
        return tx.all("SELECT * FROM rm_shares WHERE case_id=?", ("R-2026-0001",))


@BACKENDS
def test_a_member_shares_the_case_sees_the_link_once_and_revokes_it_from_the_case_page(
    api: Api, pages: Pages, case_clip: dict[str, Any], store_kind: str, object_kind: str
) -> None:
    pages.sign_in(api.archive.tokens["budi"])
    assert f'action="{SHARES}"' in pages.get(CASE_PAGE).text
    assert pages.client.post(SHARES, data=SHARING).status_code == 403  # no CSRF token
    assert not shares_of_case(api)
    answer = pages.submit(CASE_PAGE, SHARES, {**SHARING, "view_only": "1"})
    assert answer.status_code == 200, answer.text
    [link] = [w for w in answer.text.split('"') if "/share/shr_" in w]
    token = link.rsplit("/", 1)[1]
    assert link == f"http://testserver/share/{token}"
    # Shown this once: the page reloaded has the share listed, but not its link.
    again = pages.get(CASE_PAGE).text
    assert token not in again and "Kejaksaan Negeri Semarang" in again
    [row] = shares_of_case(api)
    assert row["view_only"] and row["created_by"] == "budi" and token not in str(row)
    shared = flows.custody(api.archive.svc, case_clip["clip_id"])[-1]
    assert (shared["type"], shared["actor"], shared["channel"]) == ("ClipShared", "budi", "http")
    assert api.get(f"/share/{token}/info").status_code == 200

    revoke = f"{SHARES}/{row['share_id']}/revoke"
    assert f'action="{revoke}"' in again
    done = pages.submit(CASE_PAGE, revoke, {"reason": "sent to the wrong office"})
    assert done.status_code == 303 and done.headers["location"] == CASE_PAGE
    [row] = shares_of_case(api)
    assert row["revoked_by"] == "budi" and row["revoked_at"]
    assert f'action="{revoke}"' not in pages.get(CASE_PAGE).text  # nothing left to revoke
    assert api.get(f"/share/{token}/info").status_code == 410


@BACKENDS
@pytest.mark.parametrize("user", ["eko", "sari", "ana"])
def test_non_members_see_no_share_form_and_a_forced_share_is_refused_and_recorded(
    api: Api,
    pages: Pages,
    case_clip: dict[str, Any],
    user: str,
    store_kind: str,
    object_kind: str,
) -> None:
    pages.sign_in(api.archive.tokens[user])
    case_page = pages.get(CASE_PAGE)
    assert case_page.status_code == 200 and SHARES not in case_page.text
    refused = pages.submit(CASE_PAGE, SHARES, SHARING)
    assert refused.status_code == 403
    assert "text/html" in refused.headers["content-type"] and "AccessDenied" in refused.text
    assert "/share/shr_" not in refused.text and not shares_of_case(api)
    clip_events = flows.custody(api.archive.svc, case_clip["clip_id"])
    case_events = stream_types(api, Case.create_id("R-2026-0001"))
    for denied in (clip_events[-1], case_events[-1]):
        assert (denied["type"], denied["actor"], denied["channel"]) == (
            "AccessDenied",
            user,
            "http",
        )
    # A member-less investigator is refused sharing itself; the others by their role.
    assert clip_events[-1]["action"] == ("share.create" if user == "eko" else "content.read")
    assert not [e for e in clip_events if e["type"] == "ClipShared"]


@BACKENDS
def test_the_clip_page_links_an_original_and_its_redacted_copy_and_shows_the_derivation(
    api: Api, pages: Pages, case_clip: dict[str, Any], store_kind: str, object_kind: str
) -> None:
    original = case_clip["clip_id"]
    copy = redactions.redact(
        api.archive.svc,
        Context("dodi"),
        clip_id=original,
        boxes=[Box(10, 20, 40, 30, 0.5, 1.5), Box(60, 40, 30, 30)],
        reason="faces of bystanders",
        mode="black",
        mute=True,
    )
    pages.sign_in(api.archive.tokens["sari"])  # an auditor: metadata, no footage
    shown = pages.get(f"/clips/{original}").text
    assert 'id="redacted-copies"' in shown and f'href="/clips/{copy["clip_id"]}"' in shown
    assert 'id="derivation"' not in shown
    page = pages.get(f"/clips/{copy['clip_id']}")
    assert page.status_code == 200
    assert 'id="redacted-copies"' not in page.text
    assert f'href="/clips/{original}"' in page.text
    assert f'id="source-sha256">{case_clip["sha256"]}<' in page.text
    assert copy["ffmpeg"]["version"].startswith("ffmpeg version")
    assert copy["ffmpeg"]["version"] in page.text
    assert "x=10 y=20 w=40 h=30 · 0.5–1.5 s" in page.text
    assert "x=60 y=40 w=30 h=30 · whole clip" in page.text
    assert "blacked out" in page.text
    assert '<dd id="redaction-audio">removed</dd>' in page.text


@pytest.fixture
def pending(api: Api, monkeypatch: pytest.MonkeyPatch) -> str:
    """A clip of budi's (in no case, so budi may view it) in its seven-day recovery window."""
    svc = api.archive.svc
    flows.camera(svc)
    policy(svc, "report", 1)
    [clip_id] = seed.clips(svc, 1)
    configure(svc, monkeypatch, SAKSI_RECOVERY_WINDOW="P7D")
    assert sweep.sweep(svc, ANA)["scheduled"] == [clip_id]
    return clip_id


@BACKENDS
def test_a_clip_pending_deletion_shows_when_it_goes_instead_of_a_player(
    api: Api, pages: Pages, pending: str, store_kind: str, object_kind: str
) -> None:
    delete_after = retrieval.show_clip(api.archive.svc, HOST, pending)["pending_deletion"]
    day = delete_after["delete_after"][:10]
    pages.sign_in(api.archive.tokens["budi"])
    for url in (f"/clips/{pending}", f"/clips/{pending}?reason=review"):
        page = pages.get(url)
        assert page.status_code == 200, page.text
        assert "Scheduled for deletion on" in page.text and "restorable until then" in page.text
        assert day in page.text  # shown in Jakarta time: the date may differ by one day at most
        assert "<video" not in page.text and 'name="reason"' not in page.text
        assert "/restore" not in page.text  # only admins restore
    assert not [e for e in flows.custody(api.archive.svc, pending) if e["type"] == "ClipViewed"]
    # In Indonesian too.
    pages.submit(f"/clips/{pending}", "/lang", {"lang": "id", "next": f"/clips/{pending}"})
    assert "Dijadwalkan untuk dihapus pada" in pages.get(f"/clips/{pending}").text


@BACKENDS
def test_an_admin_restores_a_pending_clip_from_its_page_and_others_are_refused_and_recorded(
    api: Api, pages: Pages, pending: str, store_kind: str, object_kind: str
) -> None:
    page, restore = f"/clips/{pending}", f"/clips/{pending}/restore"
    pages.sign_in(api.archive.tokens["budi"])
    refused = pages.submit(page, restore, {"reason": "I want it back"})
    assert refused.status_code == 403 and "AccessDenied" in refused.text
    denied = flows.custody(api.archive.svc, pending)[-1]
    assert (denied["type"], denied["actor"], denied["channel"]) == ("AccessDenied", "budi", "http")
    assert retrieval.show_clip(api.archive.svc, HOST, pending)["pending_deletion"] is not None

    admin = browser(api)
    admin.sign_in(api.archive.tokens["ana"])
    shown = admin.get(page).text
    assert f'action="{restore}"' in shown and "Why you restore (recorded)" in shown
    assert admin.client.post(restore, data={"reason": "no token"}).status_code == 403  # CSRF
    done = admin.submit(page, restore, {"reason": "wanted by the prosecutor"})
    assert done.status_code == 303 and done.headers["location"] == page
    restored = flows.custody(api.archive.svc, pending)[-1]
    assert (restored["type"], restored["actor"], restored["channel"]) == ("Restored", "ana", "http")
    assert restored["reason"] == "wanted by the prosecutor"
    assert retrieval.show_clip(api.archive.svc, HOST, pending)["pending_deletion"] is None
    assert "Scheduled for deletion" not in admin.get(page).text
    # Readable again: budi's page offers the player.
    assert 'name="reason"' in pages.get(page).text

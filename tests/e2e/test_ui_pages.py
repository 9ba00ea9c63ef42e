"""The web UI's pages over HTTP (TestClient), on both event stores: sessions, CSRF, roles,
refusals recorded, languages. The browser itself is driven in test_ui_browser.py."""

from __future__ import annotations

import re
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.http.ui import i18n
from archive.bootstrap import bootstrap, scheduled_jobs
from archive.guard import scheduler_principal
from archive.jobs import runs, scheduler
from archive.sealing import seal as sealing
from domain.case import Case
from ledger.package.verify import verify_package
from tests.e2e.conftest import Api
from tests.e2e.test_http_export import stream_types
from tests.support import flows
from tests.support.principals import HOST
from tests.support.ui import Pages, verify_proof

TEMPLATES = Path(i18n.__file__).parent / "templates"


@pytest.fixture
def pages(api: Api) -> Pages:
    return Pages(TestClient(api.app, raise_server_exceptions=False))


def refusals(api: Api) -> list[dict[str, Any]]:
    with api.archive.svc.db.tx(write=False) as tx:
        return tx.all("SELECT * FROM rm_refusals ORDER BY position")


def test_signing_in_sets_an_httponly_strict_cookie_holding_a_session_id_not_the_token(
    api: Api, pages: Pages
) -> None:
    response = pages.sign_in(api.archive.tokens["budi"], "/clips")
    assert response.status_code == 303 and response.headers["location"] == "/clips"
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("saksi_session=")
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/" in cookie
    session_id = cookie.split(";")[0].split("=", 1)[1]
    assert session_id != api.archive.tokens["budi"]
    with api.archive.svc.db.tx(write=False) as tx:
        stored = tx.all("SELECT * FROM ui_sessions")
    assert len(stored) == 1 and stored[0]["user_name"] == "budi"
    assert session_id not in str(stored) and api.archive.tokens["budi"] not in str(stored)
    page = pages.get("/clips")
    assert page.status_code == 200 and "budi" in page.text
    assert "default-src 'self'" in page.headers["content-security-policy"]


def test_pages_without_a_session_send_the_browser_to_sign_in(pages: Pages) -> None:
    for url in ("/clips", "/map", "/cases", "/audit", "/admin/users"):
        response = pages.get(url)
        assert response.status_code == 303, url
        assert response.headers["location"].startswith("/signin?next=")


def test_a_wrong_token_is_refused_on_the_page_and_recorded(api: Api, pages: Pages) -> None:
    response = pages.sign_in("sks_not-a-real-token")
    assert response.status_code == 401
    assert "saksi_session" not in response.headers.get("set-cookie", "")
    denied = [r for r in refusals(api) if r["action"] == "auth"]
    assert denied and denied[-1]["target"] == "ui:sign-in"


def test_a_form_without_its_csrf_token_is_refused_and_changes_nothing(
    api: Api, pages: Pages, case_clip: dict[str, Any]
) -> None:
    # Before sign-in: the sign-in form itself.
    response = pages.client.post("/signin", data={"token": api.archive.tokens["budi"]})
    assert response.status_code == 403 and "saksi_session" not in str(response.cookies)
    pages.sign_in(api.archive.tokens["budi"])
    for token in ("", "forged"):
        response = pages.client.post(
            "/cases/R-2026-0001/members", data={"user": "eko", "csrf": token}
        )
        assert response.status_code == 403
    # A form posted from another site's page is refused even with a token.
    forged = pages.client.post(
        "/cases/R-2026-0001/members",
        data={"user": "eko", "csrf": re.sub(".", "0", "x")},
        headers={"Origin": "https://evil.example"},
    )
    assert forged.status_code == 403
    assert "eko" not in pages.get("/cases/R-2026-0001").text
    added = pages.submit("/cases/R-2026-0001", "/cases/R-2026-0001/members", {"user": "eko"})
    assert added.status_code == 303
    assert "eko" in pages.get("/cases/R-2026-0001").text


def test_signing_out_ends_the_session_at_once(api: Api, pages: Pages) -> None:
    pages.sign_in(api.archive.tokens["budi"])
    old = pages.client.cookies.get("saksi_session")
    assert pages.get("/clips").status_code == 200
    response = pages.submit("/clips", "/signout", {})
    assert response.status_code == 303
    pages.client.cookies.set("saksi_session", old)  # a copied cookie no longer works either
    assert pages.get("/clips").status_code == 303


def test_revoking_a_users_token_ends_their_sessions(api: Api, pages: Pages) -> None:
    pages.sign_in(api.archive.tokens["eko"])
    assert pages.get("/clips").status_code == 200
    assert api.delete("/api/users/eko/token", "ana").status_code == 200
    assert pages.get("/clips").status_code == 303


def test_the_player_source_serves_ranges_with_the_cookie_and_records_one_view(
    api: Api, pages: Pages, case_clip: dict[str, Any], footage: Path
) -> None:
    url = f"/clips/{case_clip['clip_id']}/content?reason=review"
    assert pages.get(url).status_code == 303  # no session, no bytes
    pages.sign_in(api.archive.tokens["budi"])
    data = footage.read_bytes()
    for first, last in ((0, 99), (100, 4095), (len(data) - 10, len(data) - 1)):
        part = pages.get(url, headers={"Range": f"bytes={first}-{last}"})
        assert part.status_code == 206
        assert part.content == data[first : last + 1]
    views = [
        e for e in flows.custody(api.archive.svc, case_clip["clip_id"]) if e["type"] == "ClipViewed"
    ]
    assert len(views) == 1 and views[0]["actor"] == "budi" and views[0]["channel"] == "http"
    # The API itself still takes bearer tokens only.
    assert pages.get(f"/api/clips/{case_clip['clip_id']}").status_code == 401


def test_an_investigator_of_another_case_is_refused_the_footage_and_it_is_recorded(
    api: Api, pages: Pages, case_clip: dict[str, Any]
) -> None:
    pages.sign_in(api.archive.tokens["eko"])
    clip_page = f"/clips/{case_clip['clip_id']}"
    assert pages.get(clip_page).status_code == 200  # metadata is for every role
    refused = pages.get(f"{clip_page}?reason=curious")
    assert refused.status_code == 403
    assert "eko is not a member" in refused.text and "AccessDenied" in refused.text
    assert 'id="player"' not in refused.text
    denied = [
        e
        for e in flows.custody(api.archive.svc, case_clip["clip_id"])
        if e["type"] == "AccessDenied"
    ]
    assert denied and denied[-1]["actor"] == "eko" and denied[-1]["channel"] == "http"
    assert pages.get(f"{clip_page}/content?reason=curious").status_code == 403


def test_the_language_switch_changes_every_text_of_the_page(api: Api, pages: Pages) -> None:
    signin = pages.get("/signin", headers={"Accept-Language": "id-ID,id;q=0.9"})
    assert "Masuk" in signin.text and 'lang="id"' in signin.text
    switched = pages.submit("/signin", "/lang", {"lang": "en", "next": "/signin"})
    assert switched.status_code == 303 and switched.headers["location"] == "/signin"
    english = pages.get("/signin", headers={"Accept-Language": "id-ID"})
    assert 'lang="en"' in english.text and "Enter the access token" in english.text
    pages.sign_in(api.archive.tokens["budi"])
    pages.submit("/clips", "/lang", {"lang": "id", "next": "/clips"})
    indonesian = pages.get("/clips")
    assert "Klip rekaman" in indonesian.text and "Keluar" in indonesian.text
    # An outside address as `next` is not followed.
    away = pages.submit("/clips", "/lang", {"lang": "en", "next": "https://evil.example/"})
    assert away.headers["location"] == "/"


def test_every_text_key_exists_in_both_languages_and_every_template_key_in_the_catalogue() -> None:
    ids, ens = i18n.CATALOGUE["id"], i18n.CATALOGUE["en"]
    assert set(ids) == set(ens)
    assert all(ids[k].strip() and ens[k].strip() for k in ids)
    used = set()
    for template in TEMPLATES.glob("*.html"):
        used |= set(re.findall(r"""\bt\(["']([a-z0-9_]+)["']\s*[,)]""", template.read_text()))
    assert used and not used - set(ens), sorted(used - set(ens))
    for prefix, values in {
        "role_": ("operator", "investigator", "auditor", "admin"),
        "status_": ("active", "purged"),
        "kind_": ("report", "incident", "investigation"),
        "case_": ("open", "closed"),
        "owner_": ("public", "private"),
    }.items():
        assert all(prefix + v in ens for v in values), prefix


@pytest.mark.parametrize(
    ("user", "page", "target"),
    [
        ("budi", "/audit", "ledger"),
        ("dodi", "/audit", "ledger"),
        ("sari", "/admin/users", "users"),
        ("budi", "/admin/users", "users"),
    ],
)
def test_a_page_the_role_may_not_see_answers_403_and_the_refusal_is_recorded(
    api: Api, pages: Pages, user: str, page: str, target: str
) -> None:
    pages.sign_in(api.archive.tokens[user])
    response = pages.get(page)
    assert response.status_code == 403
    assert "text/html" in response.headers["content-type"] and "AccessDenied" in response.text
    last = refusals(api)[-1]
    assert (last["actor"], last["target"]) == (user, target)


def test_an_auditor_verifies_now_and_follows_the_progress_to_intact(api: Api, pages: Pages) -> None:
    pages.sign_in(api.archive.tokens["sari"])
    started = pages.submit("/audit", "/audit/verify", {})
    assert started.status_code == 303
    job = started.headers["location"]
    for _ in range(200):
        progress = pages.get(f"{job}/progress").json()
        if not progress["running"]:
            break
        time.sleep(0.05)
    assert progress["ok"] is True, progress
    assert progress["done"] >= progress["total"] > 0
    result = pages.get(job)
    intact = i18n.CATALOGUE["id"]["verify_intact"]  # no Accept-Language: Indonesian
    assert 'class="verdict ok" id="verdict"' in result.text and intact in result.text
    assert intact in pages.get("/audit").text  # the last run, on the overview
    # Another user cannot follow someone else's run.
    other = Pages(TestClient(api.app, raise_server_exceptions=False))
    other.sign_in(api.archive.tokens["ana"])
    assert other.get(job).status_code == 404


def test_an_admin_adds_a_user_whose_token_is_shown_once_and_works(api: Api, pages: Pages) -> None:
    pages.sign_in(api.archive.tokens["ana"])
    added = pages.submit("/admin/users", "/admin/users", {"name": "fajar", "role": "auditor"})
    assert added.status_code == 200
    token = re.search(r'id="issued-token"[^>]*value="(sks_[^"]+)"', added.text)
    assert token, added.text
    assert token.group(1) not in pages.get("/admin/users").text
    newcomer = Pages(TestClient(api.app, raise_server_exceptions=False))
    assert newcomer.sign_in(token.group(1)).status_code == 303
    assert newcomer.get("/audit").status_code == 200
    revoked = pages.submit("/admin/users", "/admin/users/fajar/revoke", {"reason": "left"})
    assert revoked.status_code == 303
    assert newcomer.get("/audit").status_code == 303  # the session ended with the token


def test_an_admin_previews_a_shorter_policy_then_applies_it_and_sees_what_is_due(
    api: Api, pages: Pages, footage: Path
) -> None:
    # A clip in no case: only its class's period keeps it (recorded 2026-11-01).
    loose = flows.clip_in_no_case(api.archive.svc, footage, by="budi")
    pages.sign_in(api.archive.tokens["ana"])
    before = pages.get("/admin/retention?within=P0D")
    assert loose["clip_id"][:8] not in before.text
    preview = pages.submit(
        "/admin/retention", "/admin/retention/report", {"keep": "P1D", "action": "preview"}
    )
    assert preview.status_code == 200 and 'id="preview"' in preview.text
    assert loose["clip_id"][:8] in preview.text.split('id="preview"')[1].split('id="due"')[0]
    assert "P90D" in pages.get("/admin/retention").text  # a preview changes nothing
    applied = pages.submit(
        "/admin/retention",
        "/admin/retention/report",
        {"keep": "P1D", "action": "apply", "reason": "data minimisation"},
    )
    assert applied.status_code == 200 and 'id="changed"' in applied.text
    due = applied.text.split('id="due"')[1]
    assert loose["clip_id"][:8] in due
    # A hold keeps it: the due list says so.
    pages.submit(
        "/admin/holds",
        "/holds",
        {"target": "clip", "id": loose["clip_id"], "reason": "court order", "action": "place"},
    )
    held = pages.get("/admin/holds")
    assert loose["clip_id"][:8] in held.text
    kept = i18n.CATALOGUE["id"]["kept_on_hold"]
    assert kept in pages.get("/admin/retention?within=P0D").text.split('id="due"')[1]


def test_an_auditor_may_not_change_retention_and_the_attempt_is_recorded(
    api: Api, pages: Pages
) -> None:
    pages.sign_in(api.archive.tokens["sari"])
    assert pages.get("/admin/retention").status_code == 403
    assert pages.get("/admin/runs").status_code == 200  # runs are the auditor's too
    refused = pages.submit("/audit", "/admin/retention/report", {"keep": "P1D", "action": "apply"})
    assert refused.status_code == 403
    assert refusals(api)[-1]["actor"] == "sari"


def test_the_custody_trail_is_for_auditors_and_case_members_and_others_are_recorded(
    api: Api, case_clip: dict[str, Any]
) -> None:
    trail = f"/clips/{case_clip['clip_id']}/trail"
    for user, status in (("sari", 200), ("ana", 200), ("budi", 200), ("dodi", 200), ("eko", 403)):
        pages = Pages(TestClient(api.app, raise_server_exceptions=False))
        pages.sign_in(api.archive.tokens[user])
        response = pages.get(trail)
        assert response.status_code == status, user
        if status == 200:
            assert "ClipIngested" in response.text and 'class="verdict ok"' in response.text
    last = flows.custody(api.archive.svc, case_clip["clip_id"])[-1]
    assert (last["type"], last["actor"], last["action"]) == ("AccessDenied", "eko", "clip.trail")


def test_an_auditor_seals_a_checkpoint_and_downloads_an_inclusion_proof_that_verifies(
    api: Api, pages: Pages, case_clip: dict[str, Any]
) -> None:
    pages.sign_in(api.archive.tokens["sari"])
    assert pages.submit("/audit", "/audit/checkpoint", {}).status_code == 303
    overview = pages.get("/audit").text
    assert "saksi.local/archive" in overview  # the checkpoint's origin line
    trail = pages.get(f"/clips/{case_clip['clip_id']}/trail").text
    links = re.findall(r'href="(/audit/proof\?index=\d+)"', trail)
    assert links, trail
    response = pages.get(links[0])
    assert response.status_code == 200 and "attachment" in response.headers["content-disposition"]
    proof = response.json()
    verify_proof(proof)
    assert (proof["checkpoint"] and proof["root"] in overview) or proof["checkpoint"]
    # An investigator sees the trail of their clip, but proofs are the auditors'.
    member = Pages(TestClient(api.app, raise_server_exceptions=False))
    member.sign_in(api.archive.tokens["budi"])
    assert "/audit/proof" not in member.get(f"/clips/{case_clip['clip_id']}/trail").text
    assert member.get(links[0]).status_code == 403


EXPORT = "/cases/R-2026-0001/export"
HANDOVER = {"recipient": "Kejaksaan Negeri Semarang", "reason": "hand-over for prosecution"}


def test_a_case_member_exports_the_case_from_its_page_and_the_package_verifies(
    api: Api, pages: Pages, case_clip: dict[str, Any], object_kind: str, tmp_path: Path
) -> None:
    pages.sign_in(api.archive.tokens["budi"])
    assert f'action="{EXPORT}"' in pages.get("/cases/R-2026-0001").text
    response = pages.submit("/cases/R-2026-0001", EXPORT, HANDOVER)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/zip"
    export_id = response.headers["x-export-id"]
    disposition = response.headers["content-disposition"]
    assert disposition == f'attachment; filename="saksi-export-{export_id}.zip"'
    package = tmp_path / "package.zip"
    package.write_bytes(response.content)
    report = verify_package(package, sealing.key_string(api.archive.svc))
    assert report.ok, report.problems
    assert report.export_id == export_id and report.clips == 1
    # Recorded on the clip and on the case, by the signed-in user, over HTTP.
    clip_events = flows.custody(api.archive.svc, case_clip["clip_id"])
    case_events = stream_types(api, Case.create_id("R-2026-0001"))
    for last, kind in ((clip_events[-1], "ClipExported"), (case_events[-1], "CaseExported")):
        assert (last["type"], last["export_id"]) == (kind, export_id)
        assert (last["actor"], last["channel"]) == ("budi", "http")
        assert (last["recipient"], last["reason"]) == (HANDOVER["recipient"], HANDOVER["reason"])


@pytest.mark.parametrize("user", ["eko", "sari", "ana"])
def test_non_members_auditors_and_admins_see_no_export_and_a_forced_one_is_refused_and_recorded(
    api: Api, pages: Pages, case_clip: dict[str, Any], user: str
) -> None:
    pages.sign_in(api.archive.tokens[user])
    case_page = pages.get("/cases/R-2026-0001")
    assert case_page.status_code == 200 and EXPORT not in case_page.text
    refused = pages.submit("/cases/R-2026-0001", EXPORT, HANDOVER)
    assert refused.status_code == 403
    assert "text/html" in refused.headers["content-type"] and "AccessDenied" in refused.text
    clip_events = flows.custody(api.archive.svc, case_clip["clip_id"])
    case_events = stream_types(api, Case.create_id("R-2026-0001"))
    for events in (clip_events, case_events):
        denied = events[-1]
        assert (denied["type"], denied["actor"], denied["channel"]) == (
            "AccessDenied",
            user,
            "http",
        )
    assert not [e for e in clip_events if e["type"] == "ClipExported"]


def test_an_export_without_its_csrf_token_or_a_recipient_is_refused_and_records_nothing(
    api: Api, pages: Pages, case_clip: dict[str, Any]
) -> None:
    pages.sign_in(api.archive.tokens["dodi"])  # an operator member: may export
    assert f'action="{EXPORT}"' in pages.get("/cases/R-2026-0001").text
    assert pages.client.post(EXPORT, data=HANDOVER).status_code == 403
    blank = pages.submit("/cases/R-2026-0001", EXPORT, {**HANDOVER, "recipient": "  "})
    assert blank.status_code == 422 and "recipient is required" in blank.text
    types = [e["type"] for e in flows.custody(api.archive.svc, case_clip["clip_id"])]
    assert "ClipExported" not in types


def test_the_ledger_page_shows_the_last_verify_and_fixity_runs_however_many_runs_followed(
    api: Api, pages: Pages, case_clip: dict[str, Any]
) -> None:
    svc = api.archive.svc
    pages.sign_in(api.archive.tokens["sari"])
    never = i18n.CATALOGUE["id"]["never_run"]
    before = pages.get("/audit").text
    for job in ("audit-verify", "fixity-audit"):
        assert never in before.split(f'id="last-{job}"')[1].split("</dd>")[0]
    job = pages.submit("/audit", "/audit/verify", {}).headers["location"]
    for _ in range(200):
        if not pages.get(f"{job}/progress").json()["running"]:
            break
        time.sleep(0.05)
    [fixity_job] = [job for job in scheduled_jobs() if job.name == "fixity-audit"]
    scheduler.execute(svc.settings, bootstrap, fixity_job, "schedule")
    for _ in range(55):  # a checkpoint every 5 minutes: the recent runs soon hold only these
        runs.run_recorded(svc, scheduler_principal("test"), "checkpoint", "schedule", dict)
    after = pages.get("/audit").text
    intact = i18n.CATALOGUE["id"]["verify_intact"]
    for job, trigger, result in (
        ("audit-verify", "web", "ok=True"),
        ("fixity-audit", "schedule", "count=0"),
    ):
        shown = after.split(f'id="last-{job}"')[1].split("</dd>")[0]
        assert 'class="verdict ok"' in shown and intact in shown, shown
        assert trigger in shown and result in shown, shown


def test_an_auditor_uploads_kept_files_and_the_audit_page_names_a_fork(
    api: Api, pages: Pages, case_clip: dict[str, Any]
) -> None:
    from tests.support import tamper
    from tests.support.ui import csrf_of

    svc = api.archive.svc
    kept = sealing.seal_checkpoint(svc, HOST).note
    pages.sign_in(api.archive.tokens["sari"])
    overview = pages.get("/audit").text
    assert "SAKSI_WITNESSES" in overview  # none configured, and the page says so

    def compare() -> str:
        token = csrf_of(pages.get("/audit").text)
        response = pages.client.post(
            "/audit/compare",
            data={"csrf": token},
            files=[("files", ("kept.note", kept.encode(), "text/plain"))],
        )
        assert response.status_code == 200, response.text
        return str(response.text)

    page = compare()
    assert 'id="compare-verdict">' in page and "prefix" in page
    clip = uuid.UUID(case_clip["clip_id"])
    first = flows.stream(svc, clip)[0]
    tamper.rewrite_event(svc, clip, first["v"], b'"actor":"', b'"actor":"x')
    page = compare()
    assert "fork" in page and "history was rewritten" in page

"""The web UI in a real browser: Playwright driving Debian's Chromium (never a downloaded one)
against a real uvicorn server, on SQLite only (the pages' store-independence is covered by
test_ui_pages.py on both stores). Screenshots of each main page go to tests/artifacts/."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from archive.sealing import seal as sealing
from tests.e2e.conftest import Api
from tests.support import flows
from tests.support.browser import CHROMIUM, FLAGS
from tests.support.packages import flip_clip, rewrite
from tests.support.ui import verify_proof

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
SAKSI = Path(sys.executable).with_name("saksi")  # the installed command line
TIMEOUT_MS = 20_000


@pytest.fixture
def store_kind() -> str:
    return "sqlite"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    assert Path(CHROMIUM).exists(), "Debian's chromium is required (make test installs it)"
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser, server: Api) -> Iterator[Page]:
    context = browser.new_context(
        base_url=str(server.client.base_url),
        locale="en-US",
        viewport={"width": 1280, "height": 900},
    )
    context.set_default_timeout(TIMEOUT_MS)
    tab = context.new_page()
    yield tab
    context.close()


def shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def sign_in(page: Page, api: Api, user: str) -> None:
    page.goto("/")
    page.get_by_label("Access token").fill(api.archive.tokens[user])
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text(f"Signed in as {user}")).to_be_visible()


def export_from_case_page(page: Page, folder: Path) -> Path:
    """On a case page: fill in the export form and save the package the browser downloads."""
    page.get_by_label("Recipient").fill("Kejaksaan Negeri Semarang")
    page.get_by_label("Why you export (recorded)").fill("hand-over for prosecution")
    with page.expect_download() as download:
        page.get_by_role("button", name="Export the evidence package").click()
    name = download.value.suggested_filename
    assert name.startswith("saksi-export-") and name.endswith(".zip"), name
    saved = folder / name
    download.value.save_as(saved)
    return saved


def saksi_verify(package: Path, key: str) -> tuple[int, dict[str, Any]]:
    """`saksi verify PACKAGE --key KEY --json`, the real command, as a recipient runs it."""
    done = subprocess.run(
        [str(SAKSI), "verify", str(package), "--key", key, "--json"],
        capture_output=True,
        text=True,
        cwd=package.parent,
        timeout=120,
        check=False,
    )
    return done.returncode, json.loads(done.stdout)


def test_an_investigator_finds_a_clip_by_time_plays_it_opens_its_trail_and_exports_the_case(
    page: Page, server: Api, case_clip: dict[str, Any], tmp_path: Path
) -> None:
    page.goto("/")
    expect(page.get_by_label("Access token")).to_be_focused()
    shot(page, "01-sign-in")
    sign_in(page, server, "budi")
    page.keyboard.press("Tab")  # on every page the first stop is the skip link
    expect(page.locator(".skip")).to_be_focused()
    # The footage was recorded 2026-11-01 10:00:00 UTC, 17:00 WIB.
    page.get_by_label("From").fill("2026-11-01T16:59")
    page.get_by_label("Until").fill("2026-11-01T17:01")
    page.get_by_role("button", name="Search").click()
    row = page.locator("table.data tbody tr")
    expect(row).to_have_count(1)
    shot(page, "02-clip-search")
    page.get_by_label("From").fill("2026-11-01T18:00")
    page.get_by_label("Until").fill("2026-11-01T19:00")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_text("No clips.")).to_be_visible()
    page.go_back()
    row.locator("a").first.click()
    expect(page.locator("#sha256")).to_have_text(case_clip["sha256"])
    page.get_by_label("Why you view this footage (recorded)").fill("review for the report")
    page.get_by_role("button", name="Play").click()
    page.wait_for_function(
        "() => document.getElementById('player').readyState >= 2", timeout=TIMEOUT_MS
    )
    page.evaluate("() => document.getElementById('player').play()")
    page.wait_for_function("() => document.getElementById('player').currentTime > 0.2")
    shot(page, "03-clip-player")
    views = [
        e
        for e in flows.custody(server.archive.svc, case_clip["clip_id"])
        if e["type"] == "ClipViewed"
    ]
    assert len(views) == 1 and views[0]["reason"] == "review for the report"
    page.get_by_role("link", name="Custody trail").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Custody trail")
    expect(page.locator("table.trail")).to_contain_text("ClipViewed")
    shot(page, "04-custody-trail")
    page.get_by_role("link", name="Back to the clip").click()
    page.get_by_role("link", name="R-2026-0001").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("R-2026-0001")
    shot(page, "05-case")
    package = export_from_case_page(page, tmp_path)
    shot(page, "05b-case-exported")
    code, report = saksi_verify(package, sealing.key_string(server.archive.svc))
    assert code == 0 and report["ok"] is True, report
    assert report["clips"] == 1 and not report["problems"]
    exported = flows.custody(server.archive.svc, case_clip["clip_id"])[-1]
    assert (exported["type"], exported["actor"]) == ("ClipExported", "budi")
    page.goto("/map?lat=-6.9903&lon=110.4229&radius_m=500")
    expect(page.get_by_text("1 cameras in range")).to_be_visible()
    shot(page, "06-camera-map")


def test_a_tampered_copy_of_the_package_downloaded_from_the_case_page_fails_verify(
    page: Page, server: Api, case_clip: dict[str, Any], tmp_path: Path
) -> None:
    sign_in(page, server, "budi")
    page.goto("/cases/R-2026-0001")
    package = export_from_case_page(page, tmp_path)
    key = sealing.key_string(server.archive.svc)
    assert saksi_verify(package, key)[0] == 0  # as downloaded, it passes
    tampered = rewrite(package, tmp_path / "tampered.zip", flip_clip(package))
    code, report = saksi_verify(tampered, key)
    assert code == 1 and report["ok"] is False
    assert "file_hash" in {p["kind"] for p in report["problems"]}, report


def test_an_investigator_is_refused_another_cases_clip_and_the_refusal_is_recorded(
    page: Page, server: Api, case_clip: dict[str, Any]
) -> None:
    sign_in(page, server, "eko")
    page.goto(f"/clips/{case_clip['clip_id']}")
    page.get_by_label("Why you view this footage (recorded)").fill("curious")
    page.get_by_role("button", name="Play").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("403")
    expect(page.get_by_role("alert")).to_contain_text("eko is not a member")
    expect(page.locator("video")).to_have_count(0)
    shot(page, "07-refused")
    denied = [
        e
        for e in flows.custody(server.archive.svc, case_clip["clip_id"])
        if e["type"] == "AccessDenied"
    ]
    assert denied[-1]["actor"] == "eko" and denied[-1]["channel"] == "http"


def test_an_auditor_runs_verify_now_sees_intact_and_downloads_a_proof(
    page: Page, server: Api, case_clip: dict[str, Any]
) -> None:
    sign_in(page, server, "sari")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Ledger")
    page.get_by_role("button", name="Seal a checkpoint now").click()
    expect(page.locator("pre.note")).to_contain_text("saksi.local/archive")
    shot(page, "08-ledger")
    page.get_by_role("button", name="Verify now").click()
    expect(page.locator("#verdict")).to_have_text("intact")
    shot(page, "09-verify")
    page.get_by_role("link", name="Back to the ledger").click()
    expect(page.locator("table.data")).to_contain_text("audit-verify")
    expect(page.locator("#last-audit-verify")).to_contain_text("intact")
    shot(page, "09b-ledger-after-verify")
    page.get_by_label("Clip id").fill(case_clip["clip_id"])
    page.get_by_role("button", name="Custody trail").click()
    with page.expect_download() as download:
        page.get_by_role("link", name="inclusion proof").first.click()
    proof = json.loads(Path(download.value.path()).read_text())
    assert proof["size"] > proof["index"] >= 0 and proof["checkpoint"]
    verify_proof(proof)


def test_an_admin_shortens_a_policy_and_sees_the_clips_it_would_purge(
    page: Page, server: Api, footage: Path
) -> None:
    loose = flows.clip_in_no_case(server.archive.svc, footage, by="dodi")
    sign_in(page, server, "ana")
    page.get_by_role("link", name="Retention").click()
    page.locator("#keep-report").fill("P7D")
    page.locator("form[action='/admin/retention/report'] button[value='preview']").click()
    preview = page.locator("#preview")
    expect(preview).to_contain_text(loose["clip_id"][:8])
    expect(preview).to_contain_text("would be purged")
    page.locator("form[action='/admin/retention/report'] input[name='keep']").fill("P7D")
    page.locator("form[action='/admin/retention/report'] input[name='reason']").fill("minimise")
    page.locator("form[action='/admin/retention/report'] button[value='apply']").click()
    expect(page.locator("#changed")).to_contain_text("P7D")
    expect(page.locator("#due")).to_contain_text(loose["clip_id"][:8])
    shot(page, "10-retention")
    for link, name in (
        ("Users", "11-users"),
        ("Legal holds", "12-holds"),
        ("Scheduled runs", "13-runs"),
    ):
        page.get_by_role("link", name=link).click()
        shot(page, name)
    # The whole page in Indonesian.
    page.get_by_label("Language").select_option("id")
    page.get_by_role("button", name="Switch").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Tugas terjadwal")


@pytest.mark.parametrize(("store_kind", "object_kind"), [("postgres", "s3")])
def test_an_investigator_shares_the_case_the_recipient_plays_it_and_the_revoked_link_stops(
    browser: Browser,
    page: Page,
    server: Api,
    case_clip: dict[str, Any],
    store_kind: str,
    object_kind: str,
    tmp_path: Path,
) -> None:
    sign_in(page, server, "budi")
    page.goto("/cases/R-2026-0001")
    page.get_by_label("Shared with").fill("Kejaksaan Negeri Semarang")
    page.get_by_label("Why you share (recorded)").fill("hand-over for prosecution")
    page.get_by_label("Works for (days)").fill("7")
    page.get_by_role("button", name="Create the share link").click()
    link = page.get_by_label("Link (shown only now)")
    expect(link).to_have_value(re.compile(r"^http://127\.0\.0\.1:\d+/share/shr_[\w-]+$"))
    url = link.input_value()
    expect(page.locator("#shares")).to_contain_text("active")
    shot(page, "14-case-shared")

    # The recipient: a browser of their own, no account, only the link.
    outside = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900})
    outside.set_default_timeout(TIMEOUT_MS)
    recipient = outside.new_page()
    recipient.goto(url)
    expect(recipient.get_by_role("heading", level=1)).to_have_text("Shared evidence")
    expect(recipient.get_by_text("Kejaksaan Negeri Semarang")).to_be_visible()
    expect(recipient.get_by_role("button", name="Download the evidence package")).to_be_visible()
    recipient.evaluate(
        "() => { const v = document.querySelector('video'); v.muted = true; v.play(); }"
    )
    recipient.wait_for_function("() => document.querySelector('video').currentTime > 0.2")
    shot(recipient, "15-share-recipient")
    with recipient.expect_download() as download:
        recipient.get_by_role("button", name="Download the evidence package").click()
    package = tmp_path / download.value.suggested_filename
    download.value.save_as(package)
    code, report = saksi_verify(package, sealing.key_string(server.archive.svc))
    assert code == 0 and report["ok"] is True and report["clips"] == 1, report
    viewed = [
        e
        for e in flows.custody(server.archive.svc, case_clip["clip_id"])
        if e["type"] == "ViewedThroughShare"
    ]
    assert len(viewed) == 1 and viewed[0]["recipient"] == "Kejaksaan Negeri Semarang"

    # The investigator revokes it; the same link is refused from then on.
    page.goto("/cases/R-2026-0001")
    expect(page.get_by_label("Link (shown only now)")).to_have_count(0)  # shown once only
    page.get_by_label("Why you revoke (recorded)").fill("sent to the wrong office")
    page.get_by_role("button", name="Revoke").click()
    expect(page.locator("#shares")).to_contain_text("revoked")
    shot(page, "16-case-share-revoked")
    answer = recipient.goto(url)
    assert answer is not None and answer.status == 410
    expect(recipient.get_by_role("heading", level=1)).to_have_text("This link does not work")
    expect(recipient.locator("video")).to_have_count(0)
    shot(recipient, "17-share-revoked")
    outside.close()

"""Screenshots of the web UI over the demo city (`make screenshots`; not a test).

Starts `saksi serve --demo` on a fresh SAKSI_HOME and a free loopback port, signs in with
Debian's Chromium as the demo users, and saves one PNG per page into the folder given
(default tests/artifacts/screenshots/): the map around Simpang Lima, the fresh 112 report's
case, a clip in the player with its burned-in clock, a clip's custody trail, and the auditor's page.

    .venv/bin/python -m tests.support.demo_screenshots [OUT_DIR]
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from playwright.sync_api import Browser, Page, expect, sync_playwright

from tests.e2e.conftest import free_port
from tests.e2e.test_ui_browser import CHROMIUM, FLAGS

OUT = Path(__file__).resolve().parents[1] / "artifacts" / "screenshots"
SAKSI = Path(sys.executable).with_name("saksi")
VIEWPORT = {"width": 1280, "height": 860}


@contextmanager
def demo_server(home: Path) -> Iterator[tuple[str, dict[str, str]]]:
    """`saksi serve --demo` until the block ends: its URL and the printed sign-in tokens."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SAKSI_")}
    env["SAKSI_HOME"] = str(home)
    out = home.parent / "serve.out"
    with open(out, "wb") as stdout, open(home.parent / "serve.err", "wb") as stderr:
        proc = subprocess.Popen(
            [str(SAKSI), "serve", "--demo", "--port", str(port), "--no-scheduler"],
            env=env, stdout=stdout, stderr=stderr, stdin=subprocess.DEVNULL,
        )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        began = time.monotonic()
        while not _healthy(url):
            if proc.poll() is not None:
                raise SystemExit((home.parent / "serve.err").read_text()[-2000:])
            time.sleep(0.3)
        print(f"demo served after {time.monotonic() - began:.1f} s", file=sys.stderr)
        tokens = {}
        for line in out.read_text().splitlines():
            parts = line.split()
            if len(parts) == 2 and parts[1].startswith("sks_"):
                tokens[parts[0]] = parts[1]
        yield url, tokens
    finally:
        proc.terminate()
        proc.wait(15)


def _healthy(url: str) -> bool:
    try:
        return httpx.get(f"{url}/health", timeout=1).status_code == 200
    except httpx.TransportError:
        return False


def signed_in(browser: Browser, url: str, user: str, token: str) -> Page:
    context = browser.new_context(  # type: ignore[arg-type]
        base_url=url,
        locale="en-US",
        viewport=VIEWPORT,
        bypass_csp=True,  # page scripts of ours
    )
    context.set_default_timeout(30_000)
    page = context.new_page()
    page.goto("/")
    page.get_by_label("Access token").fill(token)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text(f"Signed in as {user}")).to_be_visible()
    return page


def take(url: str, tokens: dict[str, str], out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    saved: list[Path] = []

    def shot(page: Page, name: str, full_page: bool = True) -> None:
        path = out / f"{name}.png"
        page.screenshot(path=str(path), full_page=full_page)
        saved.append(path)

    auth = {"Authorization": f"Bearer {tokens['inv.budi']}"}
    report = httpx.get(f"{url}/api/clips?case=R-DEMO-0001", headers=auth).json()["clips"]
    incident = httpx.get(f"{url}/api/clips?case=I-DEMO-0002", headers=auth).json()["clips"]
    reviewed = next(c["clip_id"] for c in incident if "AccessDenied" in _trail(url, tokens, c))
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        budi = signed_in(browser, url, "inv.budi", tokens["inv.budi"])
        budi.goto("/map?lat=-6.9904&lon=110.4229&radius_m=300")
        shot(budi, "map", full_page=False)  # the map and the nearest cameras
        budi.goto("/cases/R-DEMO-0001")
        shot(budi, "case")
        # The player streams the original: a clip a browser plays as it is (MP4, not MPEG-TS).
        playable = next(c for c in report if "mp4" in str(c.get("container")))
        budi.goto(f"/clips/{playable['clip_id']}")
        budi.get_by_label("Why you view this footage (recorded)").fill("review of the 112 call")
        budi.get_by_role("button", name="Play").click()
        # The first frame, paused and uncovered: its burned-in clock is the recorded start.
        budi.wait_for_function("() => document.querySelector('video').readyState >= 2")
        budi.evaluate(
            "() => { const v = document.querySelector('video');"
            " v.pause(); v.removeAttribute('controls'); }"
        )
        budi.wait_for_timeout(500)  # the frame painted
        shot(budi, "clip")
        budi.goto(f"/clips/{reviewed}/trail")
        shot(budi, "clip-trail")
        sari = signed_in(browser, url, "aud.sari", tokens["aud.sari"])
        sari.goto("/audit")
        sari.get_by_role("button", name="Seal a checkpoint now").click()
        expect(sari.locator("pre.note")).to_contain_text("saksi.local/archive")
        sari.get_by_role("button", name="Verify now").click()
        expect(sari.locator("#verdict")).to_have_text("intact", timeout=120_000)
        sari.get_by_role("link", name="Back to the ledger").click()
        expect(sari.locator("#last-audit-verify")).to_contain_text("intact")
        shot(sari, "audit")
        browser.close()
    return saved


def _trail(url: str, tokens: dict[str, str], clip: dict[str, str]) -> set[str]:
    """The kinds of event on a clip's trail, as the auditor reads them."""
    auth = {"Authorization": f"Bearer {tokens['aud.sari']}"}
    events = httpx.get(f"{url}/api/audit/trail/{clip['clip_id']}", headers=auth).json()["events"]
    return {str(e["type"]) for e in events}


def main() -> None:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else OUT
    with tempfile.TemporaryDirectory(prefix="saksi-shots-") as tmp:
        home = Path(tmp) / "home"
        with demo_server(home) as (url, tokens):
            for path in take(url, tokens, out):
                print(path)


if __name__ == "__main__":
    main()

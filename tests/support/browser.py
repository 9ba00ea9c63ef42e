"""Browser tests' shared parts: Debian's Chromium driven by Playwright, the network cut to
loopback, axe-core run on every page visited, and screenshots for the docs.

axe-core (vendored from npm by web/vendor.sh) is evaluated in the page through the DevTools
protocol, so the page's Content-Security-Policy stays as strict as users get it.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import uvicorn
from playwright.sync_api import Page, Route

from api.http import logs

CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
AXE = Path(__file__).parent / "vendor" / "axe.min.js"
SCREENSHOTS = Path(__file__).resolve().parents[1] / "artifacts" / "screenshots"
LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}


class Offline:
    """Aborts every request that leaves loopback and remembers it (a CDN call fails the test)."""

    def __init__(self) -> None:
        self.blocked: list[str] = []
        self.errors: list[str] = []  # uncaught errors of the pages' scripts

    def assert_clean(self) -> None:
        assert self.blocked == [], f"requests that left loopback: {self.blocked}"
        assert self.errors == [], f"script errors: {self.errors}"

    def __call__(self, route: Route) -> None:
        url = route.request.url
        host = urlsplit(url).hostname or ""
        if url.startswith(("data:", "blob:")) or host in LOOPBACK:
            route.continue_()
        else:
            self.blocked.append(url)
            route.abort("internetdisconnected")


def axe_violations(page: Page, skip: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    """Serious and critical axe-core violations of the page as it is now (rules in `skip`
    aside: only for third-party markup Saksi does not write, each named where it is used)."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))
    found: list[dict[str, Any]] = page.evaluate(
        """async (skip) => {
            const r = await window.axe.run(document, {resultTypes: ['violations']});
            return r.violations
              .filter(v => v.impact === 'serious' || v.impact === 'critical')
              .filter(v => !skip.includes(v.id))
              .map(v => ({id: v.id, impact: v.impact, help: v.help,
                          nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}));
        }""",
        list(skip),
    )
    return found


def assert_accessible(page: Page, skip: tuple[str, ...] = ()) -> None:
    problems = axe_violations(page, skip)
    assert not problems, f"axe-core on {page.url}: {problems}"


def shot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


@contextmanager
def serving(app: Any, port: int = 0) -> Iterator[httpx.Client]:
    """The app under a real uvicorn server on a loopback port (free if 0), in a thread."""
    config = uvicorn.Config(
        app, host="127.0.0.1", port=0, log_config=logs.UVICORN_LOG_CONFIG,
        access_log=False, lifespan="off",
    )  # fmt: skip
    sock = socket.socket()
    sock.bind(("127.0.0.1", port))
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not srv.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    port = sock.getsockname()[1]
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            yield client
    finally:
        srv.should_exit = True
        thread.join(10)
        sock.close()

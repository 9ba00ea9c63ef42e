"""/docs with the network cut: Swagger UI comes from Saksi's own files, under the pages' CSP."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import expect, sync_playwright

from tests.e2e.conftest import Api
from tests.support.browser import CHROMIUM, FLAGS, Offline, assert_accessible


@pytest.fixture
def store_kind() -> str:
    return "sqlite"


@pytest.fixture
def offline() -> Iterator[Offline]:
    yield Offline()


def test_api_docs_render_with_every_outside_request_blocked(server: Api, offline: Offline) -> None:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        context = browser.new_context(base_url=str(server.client.base_url))
        context.route("**/*", offline)
        page = context.new_page()
        refused: list[str] = []
        page.on(
            "console", lambda m: refused.append(m.text) if "Content Security" in m.text else None
        )
        response = page.goto("/docs")
        assert response is not None
        assert "script-src 'self'" in response.headers["content-security-policy"]
        # The operations of the API are listed, grouped and expandable: the UI really ran.
        expect(page.locator(".opblock").first).to_be_visible(timeout=20_000)
        expect(page.locator(".opblock-summary-path", has_text="/api/clips").first).to_be_visible()
        assert page.locator(".opblock").count() > 20
        assert offline.blocked == [], offline.blocked
        assert refused == [], refused
        # Swagger UI nests a copy button inside each operation's summary button: its own
        # markup (nested-interactive), not Saksi's; everything else must pass.
        assert_accessible(page, skip=("nested-interactive",))
        browser.close()

"""Driving the web UI's pages over HTTP as a browser would: cookies, CSRF tokens, forms."""

from __future__ import annotations

import re
from typing import Any

import httpx

from ledger import merkle

_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def csrf_of(html: str) -> str:
    found = _CSRF.search(html)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


class Pages:
    """One browser: a client keeping its cookies between requests."""

    def __init__(self, client: Any) -> None:
        self.client = client

    def get(self, url: str, **kw: Any) -> httpx.Response:
        return self.client.get(url, follow_redirects=False, **kw)

    def submit(self, page: str, action: str, fields: dict[str, Any]) -> httpx.Response:
        """Load `page`, then POST `fields` to `action` with that page's CSRF token."""
        token = csrf_of(self.client.get(page).text)
        return self.client.post(action, data={"csrf": token, **fields}, follow_redirects=False)

    def sign_in(self, token: str, next_page: str = "/") -> httpx.Response:
        response = self.submit("/signin", "/signin", {"token": token, "next": next_page})
        assert response.status_code in (303, 401), response.text
        return response


def verify_proof(proof: dict[str, Any]) -> None:
    """An inclusion proof as the UI hands it out checks against its own root (RFC 9162)."""
    merkle.verify_inclusion(
        proof["index"],
        proof["size"],
        bytes.fromhex(proof["leaf_hash"]),
        [bytes.fromhex(h) for h in proof["proof"]],
        bytes.fromhex(proof["root"]),
    )

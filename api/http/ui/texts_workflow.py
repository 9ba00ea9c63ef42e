"""Texts of the 112-workflow pages (issue 17), Indonesian first then English, kept in one block
so they move into the message catalogues in one piece. i18n.py merges them."""

from __future__ import annotations

TEXTS: dict[str, tuple[str, str]] = {
    "api_docs_title": ("Dokumentasi API", "API documentation"),
}

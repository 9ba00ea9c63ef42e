"""Pages write numbers, sizes and dates as their language does (Indonesian: `1.234.567 byte`)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.http.ui import i18n
from tests.e2e.conftest import Api
from tests.support.ui import Pages


@pytest.mark.parametrize("store_kind", ["sqlite"], indirect=True)
def test_a_clip_page_writes_its_size_and_times_for_the_chosen_language(
    api: Api, case_clip: dict[str, Any]
) -> None:
    pages = Pages(TestClient(api.app, raise_server_exceptions=False))
    pages.sign_in(api.archive.tokens["budi"])
    size, url = case_clip["size_bytes"], f"/clips/{case_clip['clip_id']}"
    assert size >= 1000  # so that it has a thousands separator to show
    for lang, written in (("id", f"{size:,} byte".replace(",", ".")), ("en", f"{size:,} bytes")):
        page = pages.get(url, headers={"Accept-Language": lang}).text
        assert written in page, (lang, written)
        assert i18n.when(case_clip["start"], lang) in page
    assert "1 Nov 2026 17.00" in pages.get(url).text  # no preference: Indonesian, WIB

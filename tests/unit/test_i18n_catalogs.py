"""The web UI's gettext catalogs (api/http/ui/locale, managed with Babel): both languages hold
every key with the same fields, the compiled catalogs are those sources, every key the templates
use is in them, and numbers, sizes and dates are written as each language writes them."""

from __future__ import annotations

import string
from datetime import UTC, datetime
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from api.http.ui import i18n

UI = Path(i18n.__file__).parent


def source(lang: str) -> dict[str, str]:
    with (i18n.LOCALE_DIR / lang / "LC_MESSAGES" / "messages.po").open("rb") as f:
        catalog = read_po(f, locale=lang)
    assert not catalog.fuzzy and not [m.id for m in catalog if m.id and m.fuzzy]
    return {str(m.id): str(m.string) for m in catalog if m.id}


def fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_key_is_in_both_languages_with_a_text_and_the_same_fields() -> None:
    ids, ens = source("id"), source("en")
    assert set(ids) == set(ens), sorted(set(ids) ^ set(ens))
    empty = [k for k in ids if not ids[k].strip() or not ens[k].strip()]
    assert not empty, empty
    mismatched = [k for k in ids if fields(ids[k]) != fields(ens[k])]
    assert not mismatched, mismatched


def test_the_compiled_catalogs_are_the_sources() -> None:
    # `make catalogs` compiles the .po files; a stale .mo would show old words.
    for lang in i18n.LANGUAGES:
        assert i18n.CATALOGUE[lang] == source(lang), f"{lang}: run `make catalogs`"


def test_every_key_babel_extracts_from_the_templates_is_in_the_catalogs() -> None:
    method_map = [("templates/**.html", "jinja2"), ("**.py", "python")]
    found = extract_from_dir(str(UI), method_map, keywords={"t": None})
    used = {str(message) for _, _, message, _, _ in found}
    assert "skip_to_content" in used  # the extractor sees the templates' t("...") calls
    missing = used - set(source("en"))
    assert not missing, sorted(missing)


def test_numbers_sizes_and_dates_are_written_for_the_language() -> None:
    assert i18n.size(1234567, "id") == "1.234.567 byte"
    assert i18n.size(1234567, "en") == "1,234,567 bytes"
    assert i18n.number(1234567, "id") == "1.234.567"
    recorded = datetime(2026, 11, 1, 10, 0, tzinfo=UTC).isoformat()  # 17:00 in Semarang (WIB)
    assert i18n.when(recorded, "id").startswith("1 Nov 2026 17.00.00")
    assert i18n.when(recorded, "en").startswith("Nov 1, 2026, 5:00:00")

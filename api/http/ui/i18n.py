"""The UI's words in Indonesian and English, from gettext catalogs, and numbers, sizes and
dates written the way each language writes them.

The catalogs are `locale/<lang>/LC_MESSAGES/messages.po`, managed with Babel: each msgid is
the key templates pass to `t()` (`t("nav_clips")`, `t("n_cameras", n=3)` with str.format
fields), each msgstr its text. `make catalogs` compiles them to `.mo` (pybabel compile), which
is what is read here; a test checks that both languages have every key, and that every key the
templates and code use is in them (docs/i18n.md).

Messages from the archive itself (errors, refusals) are shown as they come: they name ids
and rules precisely, and are the same words the log and the CLI use.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from babel.dates import format_datetime
from babel.messages.mofile import read_mo
from babel.numbers import format_decimal

from api.http.ui import times

LANGUAGES = ("id", "en")
DEFAULT = "id"
LOCALE_DIR = Path(__file__).parent / "locale"


def _compiled(lang: str) -> dict[str, str]:
    path = LOCALE_DIR / lang / "LC_MESSAGES" / "messages.mo"
    if not path.is_file():
        raise RuntimeError(
            f"the web UI's {lang} translations are not compiled ({path}): run `make catalogs`"
        )
    with path.open("rb") as f:
        catalog = read_mo(f)
    return {str(m.id): str(m.string) for m in catalog if m.id and m.string}


CATALOGUE: dict[str, dict[str, str]] = {lang: _compiled(lang) for lang in LANGUAGES}


def translator(lang: str) -> Callable[..., str]:
    """`t(key, **values)` for a page; an unknown key fails loudly (tests render every page)."""
    texts = CATALOGUE[lang if lang in CATALOGUE else DEFAULT]

    def t(key: str, **values: object) -> str:
        text = texts[key]
        return text.format(**values) if values else text

    return t


def number(value: float | None, lang: str) -> str:
    """1234567 as `1.234.567` (Indonesian) or `1,234,567` (English)."""
    return "–" if value is None else format_decimal(value, locale=_known(lang))


def size(value: int | None, lang: str) -> str:
    """A size in bytes, exact (evidence sizes are compared digit by digit): `1.234.567 byte`."""
    if value is None:
        return "–"
    return f"{number(value, lang)} {translator(lang)('unit_bytes')}"


def when(iso_text: str | None, lang: str) -> str:
    """An ISO time from a view in the UI's zone, written as the language writes dates."""
    if not iso_text:
        return "–"
    moment = datetime.fromisoformat(iso_text)
    if moment.year >= 9000:  # "kept while its case is open": no end date yet
        return "∞"
    local = moment.astimezone(times.zone())
    return f"{format_datetime(local, 'medium', locale=_known(lang))} {local.tzname()}"


def _known(lang: str) -> str:
    return lang if lang in LANGUAGES else DEFAULT

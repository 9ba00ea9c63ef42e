"""Named recorder credentials, kept in a file the admin controls (SAKSI_CREDENTIALS).

The file is TOML, one table per credential:

    [nvr-north]
    user = "admin"
    password = "..."

A camera's recording source names a credential; the archive reads the file when it fetches,
so a changed password takes effect at the next pull and is never copied into an event, a log
line, a trail, a package or an error message (`scrub` removes it from any text that may
carry it, such as ffmpeg's output).
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

from archive.errors import InvalidInput


@dataclass(frozen=True)
class Credential:
    name: str
    user: str
    password: str = field(repr=False)

    def secrets(self) -> list[str]:
        """Every form of the password a message might carry."""
        forms = {self.password, quote(self.password, safe=""), quote(self.password)}
        return [s for s in forms if s]

    def in_url(self, url: str) -> str:
        """The URL with this credential as its user information (RTSP, HTTP)."""
        parts = urlsplit(url)
        host = parts.netloc.rsplit("@", 1)[-1]
        auth = f"{quote(self.user, safe='')}:{quote(self.password, safe='')}@"
        return urlunsplit(parts._replace(netloc=auth + host))


def load(path: Path | None, name: str) -> Credential:
    """The credential `name` from the file, or InvalidInput saying what is missing."""
    if path is None:
        raise InvalidInput(f"credential {name!r} is named, but SAKSI_CREDENTIALS is not set")
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as e:
        raise InvalidInput(f"SAKSI_CREDENTIALS: cannot read {path}: {e.strerror}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        # The parser's message may quote a line of the file, password and all: never show it.
        raise InvalidInput(
            f"SAKSI_CREDENTIALS: {path} is not valid TOML ({type(e).__name__})"
        ) from None
    entry = doc.get(name)
    if not isinstance(entry, dict):
        raise InvalidInput(f"no credential {name!r} in SAKSI_CREDENTIALS")
    user, password = entry.get("user"), entry.get("password")
    if not isinstance(user, str) or not isinstance(password, str):
        raise InvalidInput(f"credential {name!r} needs a user and a password (strings)")
    return Credential(name, user, password)


def scrub(text: str, secrets: Iterable[str]) -> str:
    """The text with every secret replaced by ***."""
    for secret in sorted(set(secrets), key=len, reverse=True):
        if secret:
            text = text.replace(secret, "***")
    return text

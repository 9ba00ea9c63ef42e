"""The key that binds web UI sessions: a secret file outside the database, read once.

A session row in the database is only believed when it carries a MAC made with this key, so
whoever can write the database (a DBA, a restored backup, an SQL injection) cannot insert a
session or move one to another user. The file is made on first use (32 random bytes, hex,
mode 0600), exactly once even when several workers start together; in production it is a
secret every API worker mounts, like the checkpoint signing key (SAKSI_SESSION_KEY).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import threading
from pathlib import Path

from archive.errors import InvalidInput

KEY_BYTES = 32


class SessionKey:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._key: bytes | None = None
        self._lock = threading.Lock()

    def mac(self, *parts: str) -> str:
        """HMAC-SHA256 of the parts, each length-prefixed so no two lists give one message."""
        message = b"".join(len(p.encode()).to_bytes(4, "big") + p.encode() for p in parts)
        return hmac.new(self._secret(), message, hashlib.sha256).hexdigest()

    def _secret(self) -> bytes:
        with self._lock:
            if self._key is None:
                self._key = _read_or_create(self.path)
            return self._key


def _read_or_create(path: Path) -> bytes:
    if not path.exists():
        _create(path)
    try:
        text = path.read_text().strip()
    except OSError as e:
        raise InvalidInput(f"SAKSI_SESSION_KEY: cannot read {path}: {e.strerror}") from None
    try:
        key = bytes.fromhex(text)
    except ValueError:
        key = b""
    if len(key) < KEY_BYTES:
        raise InvalidInput(f"SAKSI_SESSION_KEY: {path} must hold at least 32 bytes in hex")
    return key


def _create(path: Path) -> None:
    """Written whole under another name, then linked into place: a worker racing us sees no
    file or the whole key, never half of one, and exactly one key wins."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        draft = path.with_name(f".{path.name}.{secrets.token_hex(8)}")
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_hex(KEY_BYTES) + "\n")
        try:
            os.link(draft, path)
        except FileExistsError:
            pass  # another worker's key won
        finally:
            draft.unlink()
    except OSError as e:
        raise InvalidInput(f"SAKSI_SESSION_KEY: cannot create {path}: {e.strerror}") from None

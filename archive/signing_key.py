"""The checkpoint signing key of this process: read from its file once, on first use.

`saksi init` creates the file (ledger/keys.py), so a process may start before it exists; a
key read once is not read again at every seal.
"""

from __future__ import annotations

import threading
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from archive.errors import InvalidInput
from ledger.checkpoint import verifier_key
from ledger.keys import load_key


class SigningKey:
    def __init__(self, path: Path, origin: str) -> None:
        self.path, self.origin = path, origin
        self._key: Ed25519PrivateKey | None = None
        self._lock = threading.Lock()

    def private(self) -> Ed25519PrivateKey:
        with self._lock:
            if self._key is None:
                if not self.path.exists():
                    raise InvalidInput(
                        f"no checkpoint signing key at {self.path}: run `saksi init` first"
                    )
                try:
                    self._key = load_key(self.path)
                except ValueError as e:
                    raise InvalidInput(f"SAKSI_SIGNING_KEY: {e}") from None
            return self._key

    def verifier_key(self) -> str:
        """What auditors and witnesses hold: NAME+KEYHASH+BASE64(0x01‖PUBKEY)."""
        return verifier_key(self.origin, self.private().public_key())

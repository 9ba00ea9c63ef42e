"""Asking one witness to cosign (C2SP tlog-witness `POST <prefix>/add-checkpoint`) and the
SAKSI_WITNESSES file that names the witnesses.

The file: one witness a line, `NAME URL VERIFIER_KEY` (NAME a label for people, URL the
witness's submission prefix, VERIFIER_KEY its cosignature key `name+keyhash+base64`); blank
lines and lines starting with `#` are skipped.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from archive.errors import InvalidInput
from archive.settings import redact_url
from ledger.cosignature import CosignatureError, Cosigner, parse_cosigner_key

MAX_ANSWER = 1 << 16


@dataclass(frozen=True)
class WitnessConfig:
    label: str
    url: str
    key: str  # the verifier key string, as configured
    cosigner: Cosigner


def read_witnesses(path: Path | None) -> list[WitnessConfig]:
    """SAKSI_WITNESSES's witnesses (none when unset); InvalidInput names a bad line."""
    if path is None:
        return []
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise InvalidInput(f"SAKSI_WITNESSES: cannot read {path}: {e}") from None
    found: list[WitnessConfig] = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        parts = line.split()
        where = f"SAKSI_WITNESSES {path} line {number}"
        if len(parts) != 3 or not parts[1].startswith(("http://", "https://")):
            raise InvalidInput(f"{where}: expected NAME URL VERIFIER_KEY")
        try:
            cosigner = parse_cosigner_key(parts[2])
        except CosignatureError as e:
            raise InvalidInput(f"{where}: {e}") from None
        if any(w.key == parts[2] for w in found):
            raise InvalidInput(f"{where}: that witness key is listed twice")
        found.append(WitnessConfig(parts[0], parts[1].rstrip("/"), parts[2], cosigner))
    return found


class WitnessDown(Exception):
    """The witness could not be reached or did not answer in time."""


def add_checkpoint(url: str, body: bytes, timeout: float) -> tuple[int, str]:
    """POST the request; (HTTP status, answer text). WitnessDown when there is no answer."""
    shown = redact_url(url)
    request = urllib.request.Request(
        f"{url}/add-checkpoint", data=body, method="POST", headers={"Content-Type": "text/plain"}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return int(response.status), _text(response.read(MAX_ANSWER))
    except urllib.error.HTTPError as e:
        if e.code >= 500:
            raise WitnessDown(f"the witness at {shown} answered HTTP {e.code}") from None
        return int(e.code), _text(e.read(MAX_ANSWER))
    except (urllib.error.URLError, OSError, ValueError) as e:
        reason = getattr(e, "reason", e)
        raise WitnessDown(f"the witness at {shown} is unreachable: {reason}") from None


def _text(data: bytes) -> str:
    return data.decode("utf-8", errors="replace")

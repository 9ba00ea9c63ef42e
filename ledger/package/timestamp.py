"""An evidence package's RFC 3161 timestamp, checked offline (`saksi verify`).

The package carries the TSA's token over the exact bytes of `checkpoint.note` and the TSA's
certificate(s). The token must verify (timestamp.verify_timestamp) over those very bytes, and
the manifest's genTime must be the token's. With `tsa_ca` (the TSA's CA certificates, got
independently, like `--key`), the TSA's certificate must chain to one of them; without, the
token is checked with the certificates the package carries only (`ca_checked` false).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from cryptography import x509

from ledger.timestamp import TimestampError, verify_timestamp


@dataclass
class PackageTimestamp:
    """What the package's timestamp says (None: no token), and what failed."""

    said: dict[str, Any] | None = None
    problems: list[tuple[str, str]] = field(default_factory=list)


def check_package_timestamp(
    token: bytes | None,
    certificates_pem: bytes | None,
    checkpoint: bytes | None,
    manifest_gen_time: str | None,
    tsa_ca: Sequence[x509.Certificate] | None,
) -> PackageTimestamp:
    result = PackageTimestamp()
    if token is None or checkpoint is None:
        return result  # a missing file is reported by the file checks already
    try:
        carried = x509.load_pem_x509_certificates(certificates_pem) if certificates_pem else []
    except ValueError as e:
        result.problems.append(("timestamp", f"the TSA certificates cannot be read: {e}"))
        carried = []
    try:
        stamp = verify_timestamp(token, checkpoint, certificates=carried, trusted=tsa_ca)
    except TimestampError as e:
        result.problems.append((e.kind, f"checkpoint.tst: {e}"))
        return result
    result.said = stamp.as_json()
    if manifest_gen_time != result.said["gen_time"]:
        result.problems.append(
            (
                "manifest",
                f"the manifest says the checkpoint was timestamped at {manifest_gen_time}, "
                f"the token says {result.said['gen_time']}",
            )
        )
    return result

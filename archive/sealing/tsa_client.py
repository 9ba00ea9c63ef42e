"""Asking an RFC 3161 time-stamping authority (SAKSI_TSA_URL) to timestamp some bytes.

RFC 3161 §3.4 over HTTP: POST a DER TimeStampReq as `application/timestamp-query`, read a
TimeStampResp. The token is checked in full before it is accepted (`verify_timestamp`: our
imprint, our nonce, the TSA's signature and certificate, and the chain to SAKSI_TSA_CA when
set), so a TSA that answers badly never leaves a bad token behind.
"""

from __future__ import annotations

import hashlib
import secrets
import urllib.error
import urllib.request
from pathlib import Path

from cryptography import x509

from archive.settings import redact_url
from ledger.timestamp import (
    Timestamp,
    TimestampError,
    timestamp_request,
    token_from_response,
    verify_timestamp,
)

TIMEOUT_S = 10.0
MAX_RESPONSE = 1 << 20


class TsaFailure(Exception):
    """The TSA could not be reached, or its answer was not a good token for our request."""


def load_trusted(path: Path | None) -> list[x509.Certificate] | None:
    """SAKSI_TSA_CA's certificates (PEM, one or more); None when it is not set."""
    if path is None:
        return None
    try:
        found = x509.load_pem_x509_certificates(path.read_bytes())
    except (OSError, ValueError) as e:
        raise TsaFailure(f"SAKSI_TSA_CA: cannot read certificates from {path}: {e}") from None
    return found


def request_timestamp(
    url: str,
    data: bytes,
    trusted: list[x509.Certificate] | None,
    timeout: float = TIMEOUT_S,
) -> tuple[bytes, Timestamp]:
    """The TSA's token over SHA-256(data), checked; TsaFailure says what went wrong."""
    shown = redact_url(url)
    nonce = secrets.randbits(63)
    query = timestamp_request(hashlib.sha256(data).digest(), nonce)
    request = urllib.request.Request(
        url,
        data=query,
        method="POST",
        headers={"Content-Type": "application/timestamp-query"},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body = response.read(MAX_RESPONSE + 1)
    except urllib.error.HTTPError as e:
        raise TsaFailure(f"the TSA at {shown} answered HTTP {e.code}") from None
    except (urllib.error.URLError, OSError, ValueError) as e:
        reason = getattr(e, "reason", e)
        raise TsaFailure(f"the TSA at {shown} is unreachable: {reason}") from None
    if len(body) > MAX_RESPONSE:
        raise TsaFailure(f"the TSA at {shown} answered more than {MAX_RESPONSE} bytes")
    try:
        token = token_from_response(body)
        return token, verify_timestamp(token, data, trusted=trusted, nonce=nonce)
    except TimestampError as e:
        raise TsaFailure(f"the TSA at {shown} answered badly: {e.kind}: {e}") from None

"""RFC 3161 tokens checked offline against golden assets (tests/assets/tsa, made by Debian's
openssl: make_assets.py says how), and the DER reader under them."""

from __future__ import annotations

import hashlib
import json
import subprocess
from datetime import datetime
from pathlib import Path

import pytest
from cryptography import x509
from hypothesis import given
from hypothesis import strategies as st

from ledger.der import (
    DER_SEQUENCE,
    DerError,
    der_encode,
    der_encode_int,
    der_encode_oid,
    der_int,
    der_items,
    der_oid,
    der_one,
    der_read,
    der_time,
)
from ledger.timestamp import (
    OID_SIGNING_CERTIFICATE,
    OID_SIGNING_CERTIFICATE_V2,
    TimestampError,
    timestamp_request,
    token_from_response,
    verify_timestamp,
)

ASSETS = Path(__file__).resolve().parents[1] / "assets" / "tsa"
NOTE = (ASSETS / "checkpoint.note").read_bytes()
EXPECTED = json.loads((ASSETS / "expected.json").read_text())
KINDS = ("rsa", "ec")


def token(kind: str) -> bytes:
    return (ASSETS / f"{kind}-token.tst").read_bytes()


def root(kind: str) -> list[x509.Certificate]:
    return x509.load_pem_x509_certificates((ASSETS / f"{kind}-root.pem").read_bytes())


@pytest.mark.parametrize("kind", KINDS)
def test_a_golden_token_verifies_and_says_when_and_by_whom(kind: str) -> None:
    stamp = verify_timestamp(token(kind), NOTE, trusted=root(kind), nonce=EXPECTED[kind]["nonce"])
    said = stamp.as_json()
    assert said == {**{k: v for k, v in EXPECTED[kind].items() if k not in ("nonce", "imprint")},
                    "ca_checked": True}  # fmt: skip
    assert stamp.info.imprint == hashlib.sha256(NOTE).digest()
    assert stamp.info.gen_time == datetime.fromisoformat(EXPECTED[kind]["gen_time"])


def test_the_golden_tokens_cover_both_ess_signing_certificate_attributes() -> None:
    assert der_encode_oid(OID_SIGNING_CERTIFICATE_V2) in token("rsa")
    assert der_encode_oid(OID_SIGNING_CERTIFICATE) in token("ec")
    assert der_encode_oid(OID_SIGNING_CERTIFICATE_V2) not in token("ec")


@pytest.mark.parametrize("kind", KINDS)
def test_openssl_agrees_that_the_golden_token_stamps_the_checkpoint(kind: str) -> None:
    done = subprocess.run(
        ["openssl", "ts", "-verify", "-token_in", "-in", f"{kind}-token.tst",
         "-data", "checkpoint.note", "-CAfile", f"{kind}-root.pem"],
        cwd=ASSETS, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0 and "Verification: OK" in done.stdout, done.stderr


@pytest.mark.parametrize("kind", KINDS)
def test_a_token_for_other_bytes_is_named_as_such(kind: str) -> None:
    with pytest.raises(TimestampError) as e:
        verify_timestamp(token(kind), NOTE.replace(b"\n5\n", b"\n6\n"))
    assert e.value.kind == "timestamp_imprint"


@pytest.mark.parametrize("kind", KINDS)
def test_every_flipped_bit_of_a_token_is_caught(kind: str) -> None:
    original = token(kind)
    kinds = set()
    for i in range(len(original)):
        for bit in (0x01, 0x80):
            altered = bytearray(original)
            altered[i] ^= bit
            with pytest.raises(TimestampError) as e:
                verify_timestamp(bytes(altered), NOTE)
            kinds.add(e.value.kind)
    assert kinds == {"timestamp", "timestamp_signature", "timestamp_certificate"}


def test_an_altered_gen_time_breaks_the_signed_digest() -> None:
    original = token("rsa")
    when = EXPECTED["rsa"]["gen_time"][:4].encode()  # the year inside the GeneralizedTime
    at = original.index(b"\x18\x0f" + when) + 2
    altered = original[:at] + b"1999" + original[at + 4 :]
    with pytest.raises(TimestampError) as e:
        verify_timestamp(altered, NOTE)
    assert e.value.kind == "timestamp_signature" and "altered" in str(e.value)


def test_a_token_is_refused_when_its_tsa_does_not_chain_to_the_trusted_ca() -> None:
    with pytest.raises(TimestampError) as e:
        verify_timestamp(token("rsa"), NOTE, trusted=root("ec"))
    assert e.value.kind == "timestamp_certificate"


def test_a_token_answering_another_request_is_refused_by_its_nonce() -> None:
    with pytest.raises(TimestampError) as e:
        verify_timestamp(token("rsa"), NOTE, nonce=EXPECTED["rsa"]["nonce"] + 1)
    assert e.value.kind == "timestamp"


def without_certificates(tok: bytes) -> bytes:
    """The token re-encoded with its SignedData's certificate set left out."""
    content_type, wrapped = der_items(der_one(tok))
    signed = der_items(der_items(wrapped)[0])
    kept = b"".join(v.raw for v in signed if v.tag != 0xA0)
    inner = der_encode(0xA0, der_encode(DER_SEQUENCE, kept))
    return der_encode(DER_SEQUENCE, content_type.raw + inner)


@pytest.mark.parametrize("kind", KINDS)
def test_a_token_without_its_certificate_verifies_with_the_certificate_given(kind: str) -> None:
    bare = without_certificates(token(kind))
    assert len(bare) < len(token(kind))
    with pytest.raises(TimestampError) as e:
        verify_timestamp(bare, NOTE)
    assert e.value.kind == "timestamp_certificate"
    tsa = x509.load_pem_x509_certificate((ASSETS / f"{kind}-tsa.pem").read_bytes())
    assert verify_timestamp(bare, NOTE, certificates=[tsa], trusted=root(kind)).signer == tsa


def test_the_request_is_a_timestamp_req_openssl_reads(tmp_path: Path) -> None:
    digest = hashlib.sha256(NOTE).digest()
    (tmp_path / "q.tsq").write_bytes(timestamp_request(digest, 0x1234_5678_9ABC))
    done = subprocess.run(
        ["openssl", "ts", "-query", "-in", "q.tsq", "-text"],
        cwd=tmp_path, capture_output=True, text=True, check=True,
    )  # fmt: skip
    text = done.stdout
    assert "Hash Algorithm: sha256" in text and "Nonce: 0x123456789ABC" in text
    assert "Certificate required: yes" in text
    assert digest[:8].hex(" ") in text.replace("-", " ").lower()


def test_a_refusal_from_the_tsa_is_reported_with_its_status_text() -> None:
    status = der_encode(
        DER_SEQUENCE, der_encode_int(2) + der_encode(DER_SEQUENCE, der_encode(0x0C, b"bad alg"))
    )
    with pytest.raises(TimestampError, match=r"rejection \(bad alg\)"):
        token_from_response(der_encode(DER_SEQUENCE, status))
    with pytest.raises(TimestampError, match="not a TimeStampResp"):
        token_from_response(b"<html>")


# --- the DER reader ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        b"\x30\x80\x00\x00",  # indefinite length
        b"\x04\x81\x05hello",  # long form for a short length
        b"\x04\x82\x00\x05hello",  # a leading zero in the length
        b"\x04\x06hello",  # runs past the end
        b"\x1f\x01\x00",  # multi-byte tag
        b"\x05",  # truncated
    ],
)
def test_the_der_reader_refuses_what_der_does_not_allow(data: bytes) -> None:
    with pytest.raises(DerError):
        der_read(data)


def test_the_der_reader_refuses_bytes_after_the_value() -> None:
    with pytest.raises(DerError, match="after"):
        der_one(b"\x05\x00\x00")


@given(st.integers(min_value=0, max_value=2**160))
def test_integers_survive_encoding_and_reading(n: int) -> None:
    assert der_int(der_one(der_encode_int(n))) == n


@given(st.lists(st.integers(min_value=0, max_value=2**40), min_size=1, max_size=8))
def test_object_identifiers_survive_encoding_and_reading(tail: list[int]) -> None:
    dotted = ".".join(map(str, [1, 2, *tail]))
    assert der_oid(der_one(der_encode_oid(dotted))) == dotted


def test_long_values_use_the_long_length_form() -> None:
    value = der_encode(0x04, b"x" * 300)
    assert value[:4] == b"\x04\x82\x01\x2c" and der_one(value).content == b"x" * 300
    assert der_items(der_one(der_encode(DER_SEQUENCE, value + value)))[1].raw == value


def test_generalized_times_are_read_as_utc_with_fractions() -> None:
    when = der_time(der_one(der_encode(0x18, b"20261204115900.25Z")))
    assert when.isoformat() == "2026-12-04T11:59:00.250000+00:00"
    for bad in (b"20261204115900", b"20261304115900Z", b"20261204115900.50Z"):
        with pytest.raises(DerError):
            der_time(der_one(der_encode(0x18, bad)))


def test_the_ledger_document_states_the_golden_imprint() -> None:
    doc = (Path(__file__).resolve().parents[2] / "docs" / "ledger.md").read_text()
    assert f"timestamp_imprint_example = {hashlib.sha256(NOTE).hexdigest()}" in doc
    assert (
        EXPECTED["rsa"]["imprint"] == EXPECTED["ec"]["imprint"] == hashlib.sha256(NOTE).hexdigest()
    )


@given(st.data())
def test_damaged_tokens_fail_with_a_named_kind_and_never_crash(data: st.DataObject) -> None:
    raw = bytearray(token(data.draw(st.sampled_from(KINDS))))
    for _ in range(data.draw(st.integers(1, 4))):
        raw[data.draw(st.integers(0, len(raw) - 1))] = data.draw(st.integers(0, 255))
    cut = data.draw(st.integers(0, len(raw)))
    damaged = bytes(raw[:cut])
    try:
        verify_timestamp(damaged, NOTE)
    except TimestampError as e:
        assert e.kind.startswith("timestamp") and str(e)
    else:
        assert damaged in (token("rsa"), token("ec"))  # only an undamaged token passes

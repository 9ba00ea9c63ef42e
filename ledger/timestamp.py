"""RFC 3161 trusted timestamps of checkpoints: the request, and the token checked offline.

A time-stamping authority (TSA) signs a TSTInfo saying "this SHA-256 existed at genTime"; the
token is a CMS SignedData (RFC 5652) holding it. `verify_timestamp` follows the RFCs' steps:

1. the token is a ContentInfo of type signed-data whose encapsulated content is a TSTInfo
   (RFC 3161 §2.4.2), signed by exactly one signer (§2.4.1);
2. the signer's certificate is found by its SignerIdentifier (RFC 5652 §5.3) among the
   token's certificates and any given ones;
3. the signed attributes (§5.3-5.4): content-type is id-ct-TSTInfo, message-digest is the
   digest of the TSTInfo bytes, and the ESS signing-certificate attribute names that very
   certificate (RFC 3161 §2.4.1, RFC 5816);
4. the signature over the DER of the signed attributes verifies with the certificate's key
   (RSA PKCS #1 v1.5 or ECDSA);
5. the certificate is a TSA's: extended key usage critical and only id-kp-timeStamping
   (RFC 3161 §2.3), valid at genTime; with trusted CAs, a validated RFC 5280 path leads to
   one of them (`cryptography.x509.verification`: every issuer a CA allowed to sign
   certificates, path lengths kept, all valid at genTime);
6. the message imprint is SHA-256 of the timestamped bytes, and the nonce (when the caller
   sent one) is the request's.

Each failure is a TimestampError whose `kind` names the step: `timestamp` (malformed or
unsupported), `timestamp_signature` (steps 3-4: the token was altered or signed by another
key), `timestamp_certificate` (step 5), `timestamp_imprint` (step 6: a token for other bytes).
"""

from __future__ import annotations

import hashlib
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.verification import (
    Criticality,
    ExtensionPolicy,
    PolicyBuilder,
    Store,
    VerificationError,
)

from ledger.der import (
    DER_BOOLEAN,
    DER_INTEGER,
    DER_NULL,
    DER_OCTET_STRING,
    DER_SEQUENCE,
    DER_SET,
    DerError,
    DerValue,
    der_encode,
    der_encode_int,
    der_encode_oid,
    der_encode_seq,
    der_expect,
    der_int,
    der_items,
    der_octets,
    der_oid,
    der_one,
    der_time,
)

OID_SIGNED_DATA = "1.2.840.113549.1.7.2"
OID_TST_INFO = "1.2.840.113549.1.9.16.1.4"
OID_CONTENT_TYPE = "1.2.840.113549.1.9.3"
OID_MESSAGE_DIGEST = "1.2.840.113549.1.9.4"
OID_SIGNING_CERTIFICATE = "1.2.840.113549.1.9.16.2.12"  # ESS, certHash SHA-1
OID_SIGNING_CERTIFICATE_V2 = "1.2.840.113549.1.9.16.2.47"  # RFC 5035, certHash SHA-256 default
OID_SHA256 = "2.16.840.1.101.3.4.2.1"
TS_HASHES: dict[str, type[hashes.HashAlgorithm]] = {
    "1.3.14.3.2.26": hashes.SHA1,
    OID_SHA256: hashes.SHA256,
    "2.16.840.1.101.3.4.2.2": hashes.SHA384,
    "2.16.840.1.101.3.4.2.3": hashes.SHA512,
}
# signatureAlgorithm -> (key type, hash; None: the SignerInfo's digestAlgorithm)
TS_SIGNATURES: dict[str, tuple[str, type[hashes.HashAlgorithm] | None]] = {
    "1.2.840.113549.1.1.1": ("rsa", None),
    "1.2.840.113549.1.1.11": ("rsa", hashes.SHA256),
    "1.2.840.113549.1.1.12": ("rsa", hashes.SHA384),
    "1.2.840.113549.1.1.13": ("rsa", hashes.SHA512),
    "1.2.840.10045.4.3.2": ("ec", hashes.SHA256),
    "1.2.840.10045.4.3.3": ("ec", hashes.SHA384),
    "1.2.840.10045.4.3.4": ("ec", hashes.SHA512),
}
PKI_STATUS = {0: "granted", 1: "grantedWithMods", 2: "rejection", 3: "waiting"}
PKI_STATUS |= {4: "revocationWarning", 5: "revocationNotification"}


class TimestampError(ValueError):
    """A time-stamp token or response that does not check; `kind` names the failed step."""

    def __init__(self, kind: str, detail: str) -> None:
        super().__init__(detail)
        self.kind = kind


@dataclass(frozen=True)
class TstInfo:
    policy: str
    hash_oid: str
    imprint: bytes
    serial: int
    gen_time: datetime
    accuracy_s: float | None
    nonce: int | None


@dataclass(frozen=True)
class Timestamp:
    """A token that checked: what it says and who said it."""

    info: TstInfo
    signer: x509.Certificate
    chained_to: x509.Certificate | None  # the trusted CA it chains to, if any were given

    def as_json(self) -> dict[str, Any]:
        return {
            "gen_time": self.info.gen_time.isoformat(),
            "serial": str(self.info.serial),
            "policy": self.info.policy,
            "accuracy_s": self.info.accuracy_s,
            "tsa": self.signer.subject.rfc4514_string(),
            "tsa_issuer": self.signer.issuer.rfc4514_string(),
            "ca_checked": self.chained_to is not None,
        }


# --- RFC 3161 §2.4.1: the request ----------------------------------------------------------


def timestamp_request(digest: bytes, nonce: int) -> bytes:
    """TimeStampReq: version 1, SHA-256 messageImprint, nonce, certReq TRUE (DER)."""
    algorithm = der_encode_seq(der_encode_oid(OID_SHA256), der_encode(DER_NULL, b""))
    imprint = der_encode_seq(algorithm, der_encode(DER_OCTET_STRING, digest))
    cert_req = der_encode(DER_BOOLEAN, b"\xff")
    return der_encode_seq(der_encode_int(1), imprint, der_encode_int(nonce), cert_req)


# --- RFC 3161 §2.4.2: the response ---------------------------------------------------------


def token_from_response(response: bytes) -> bytes:
    """The TimeStampToken of a granted TimeStampResp; a refusal names the TSA's status."""
    try:
        resp = der_items(der_one(response, DER_SEQUENCE, "TimeStampResp"), "TimeStampResp")
        status_info = der_items(der_expect(resp[0], DER_SEQUENCE, "PKIStatusInfo"))
        status = der_int(status_info[0], "PKIStatus")
    except (DerError, IndexError) as e:
        raise TimestampError("timestamp", f"the TSA's answer is not a TimeStampResp: {e}") from None
    if status not in (0, 1):
        text = _status_text(status_info[1:])
        raise TimestampError(
            "timestamp", f"the TSA refused: status {PKI_STATUS.get(status, status)}{text}"
        )
    if len(resp) < 2:
        raise TimestampError("timestamp", "the TSA granted a timestamp but sent no token")
    return resp[1].raw


def _status_text(rest: list[DerValue]) -> str:
    if not rest or rest[0].tag != DER_SEQUENCE:
        return ""
    try:
        texts = [v.content.decode("utf-8", "replace") for v in der_items(rest[0])]
    except DerError:
        return ""
    return f" ({'; '.join(texts)[:200]})" if texts else ""


# --- RFC 5652 / RFC 3161: the token --------------------------------------------------------


@dataclass(frozen=True)
class _SignerInfo:
    sid: DerValue
    digest_oid: str
    digest_raw: bytes
    signed_attrs: DerValue
    signature_oid: str
    signature: bytes


@dataclass(frozen=True)
class _Token:
    tst_der: bytes
    info: TstInfo
    certificates: list[x509.Certificate]
    signer: _SignerInfo


def _parse_token(token: bytes) -> _Token:
    """ContentInfo → SignedData → (TSTInfo, certificates, the one SignerInfo), read strictly:
    the parts the signature does not cover must be exactly what RFC 5652 says they are."""
    content_info = der_items(der_one(token, DER_SEQUENCE, "ContentInfo"), "ContentInfo")
    if len(content_info) != 2 or der_oid(content_info[0], "contentType") != OID_SIGNED_DATA:
        raise DerError("the token's content is not signed-data")
    wrapped = der_items(der_expect(content_info[1], 0xA0, "[0] content"))
    if len(wrapped) != 1:
        raise DerError("[0] content holds more than the SignedData")
    signed = der_items(der_expect(wrapped[0], DER_SEQUENCE, "SignedData"))
    if der_int(signed[0], "SignedData version") != 3:  # §5.1: eContentType is not id-data
        raise DerError("SignedData version is not 3")
    digest_algorithms = der_items(der_expect(signed[1], DER_SET, "digestAlgorithms"))
    encap = der_items(der_expect(signed[2], DER_SEQUENCE, "EncapsulatedContentInfo"))
    if len(encap) != 2 or der_oid(encap[0], "eContentType") != OID_TST_INFO:
        raise DerError("the signed content is not a TSTInfo")
    econtent = der_items(der_expect(encap[1], 0xA0, "[0] eContent"))
    if len(econtent) != 1:
        raise DerError("[0] eContent holds more than one OCTET STRING")
    tst_der = der_octets(econtent[0], "eContent")
    certificates: list[x509.Certificate] = []
    rest = signed[3:]
    if rest and rest[0].tag == 0xA0:  # certificates [0] IMPLICIT CertificateSet
        for item in der_items(rest[0]):
            if item.tag == DER_SEQUENCE:  # other certificate choices are tagged: skipped
                certificates.append(_certificate(item.raw))
        rest = rest[1:]
    if rest and rest[0].tag == 0xA1:  # crls [1]: not used
        rest = rest[1:]
    if len(rest) != 1:
        raise DerError("SignedData does not end with its SignerInfos")
    signer_infos = der_items(der_expect(rest[0], DER_SET, "SignerInfos"))
    if len(signer_infos) != 1:
        raise DerError(f"the token has {len(signer_infos)} signers; RFC 3161 allows one")
    signer = _parse_signer(signer_infos[0])
    if signer.digest_raw not in {a.raw for a in digest_algorithms}:
        raise DerError("the signer's digest algorithm is not among digestAlgorithms")
    return _Token(tst_der, _parse_tst_info(tst_der), certificates, signer)


def _certificate(der: bytes) -> x509.Certificate:
    try:
        with warnings.catch_warnings():  # e.g. a serial RFC 5280 forbids: refused, not warned
            warnings.simplefilter("error")
            return x509.load_der_x509_certificate(der)
    except (ValueError, x509.InvalidVersion, Warning) as e:
        raise DerError(f"a certificate in the token cannot be read: {e}") from None


def _parse_signer(value: DerValue) -> _SignerInfo:
    fields = der_items(der_expect(value, DER_SEQUENCE, "SignerInfo"))
    version, sid, digest_alg, attrs = fields[:4]
    if der_int(version, "SignerInfo version") != (1 if sid.tag == DER_SEQUENCE else 3):
        raise DerError("SignerInfo version does not fit its SignerIdentifier")  # §5.3
    if attrs.tag != 0xA0:
        raise DerError("the signer has no signed attributes")
    if len(fields) != 6:  # no unsigned attributes: nothing unsigned rides along
        raise DerError("the SignerInfo has unexpected fields")
    return _SignerInfo(
        sid=sid,
        digest_oid=_algorithm(digest_alg, "digestAlgorithm"),
        digest_raw=digest_alg.raw,
        signed_attrs=attrs,
        signature_oid=_algorithm(fields[4], "signatureAlgorithm"),
        signature=der_octets(fields[5], "signature"),
    )


def _algorithm(value: DerValue, what: str) -> str:
    """AlgorithmIdentifier: an OID with no parameters or NULL ones (all these algorithms)."""
    items = der_items(der_expect(value, DER_SEQUENCE, what), what)
    if len(items) > 2 or (len(items) == 2 and items[1].raw != b"\x05\x00"):
        raise DerError(f"{what}: unexpected parameters")
    return der_oid(items[0], what)


def _parse_tst_info(data: bytes) -> TstInfo:
    fields = der_items(der_one(data, DER_SEQUENCE, "TSTInfo"), "TSTInfo")
    if der_int(fields[0], "TSTInfo version") != 1:
        raise DerError("TSTInfo version is not 1")
    imprint = der_items(der_expect(fields[2], DER_SEQUENCE, "messageImprint"))
    accuracy, nonce = None, None
    for item in fields[5:]:
        if item.tag == DER_SEQUENCE:
            accuracy = _accuracy(item)
        elif item.tag == DER_INTEGER:
            nonce = der_int(item, "nonce")
    return TstInfo(
        policy=der_oid(fields[1], "policy"),
        hash_oid=_algorithm(imprint[0], "hashAlgorithm"),
        imprint=der_octets(imprint[1], "hashedMessage"),
        serial=der_int(fields[3], "serialNumber"),
        gen_time=der_time(fields[4], "genTime"),
        accuracy_s=accuracy,
        nonce=nonce,
    )


def _accuracy(value: DerValue) -> float:
    """Accuracy ::= SEQUENCE { seconds INTEGER OPTIONAL, millis [0], micros [1] }."""
    total = 0.0
    for item in der_items(value, "accuracy"):
        n = int.from_bytes(item.content, "big")
        total += {DER_INTEGER: 1.0, 0x80: 1e-3, 0x81: 1e-6}.get(item.tag, 0.0) * n
    return total


def _attributes(signed_attrs: DerValue) -> dict[str, list[DerValue]]:
    found: dict[str, list[DerValue]] = {}
    for attr in der_items(signed_attrs, "signedAttrs"):
        oid_value, values = der_items(der_expect(attr, DER_SEQUENCE, "Attribute"))
        oid = der_oid(oid_value, "attrType")
        if oid in found:
            raise DerError(f"signed attribute {oid} appears twice")
        found[oid] = der_items(der_expect(values, DER_SET, "attrValues"))
    return found


def _tbs_issuer_serial(cert: x509.Certificate) -> tuple[bytes, int]:
    """The certificate's issuer Name as encoded, and its serial (for IssuerAndSerialNumber)."""
    tbs = der_items(der_one(cert.tbs_certificate_bytes, DER_SEQUENCE, "TBSCertificate"))
    if tbs[0].tag == 0xA0:  # [0] version
        tbs = tbs[1:]
    return tbs[2].raw, der_int(tbs[0], "serialNumber")


def _find_signer(sid: DerValue, pool: Sequence[x509.Certificate]) -> x509.Certificate:
    """RFC 5652 §5.3 SignerIdentifier: IssuerAndSerialNumber or [0] SubjectKeyIdentifier."""
    for cert in pool:
        if sid.tag == DER_SEQUENCE:
            issuer, serial = der_items(sid, "IssuerAndSerialNumber")
            if _tbs_issuer_serial(cert) == (issuer.raw, der_int(serial, "serialNumber")):
                return cert
        elif sid.tag == 0x80:
            try:
                ski = cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier)
            except x509.ExtensionNotFound:
                continue
            if ski.value.digest == sid.content:
                return cert
    raise TimestampError(
        "timestamp_certificate",
        "the token's signer certificate is neither in the token nor among the given ones",
    )


def _check_ess(attrs: dict[str, list[DerValue]], cert: x509.Certificate) -> None:
    """ESS signing-certificate (v1: SHA-1; v2: SHA-256 unless another hash is named)."""
    der_cert = cert.public_bytes(Encoding.DER)
    if OID_SIGNING_CERTIFICATE_V2 in attrs:
        cert_id = der_items(der_items(der_items(attrs[OID_SIGNING_CERTIFICATE_V2][0])[0])[0])
        algorithm = OID_SHA256
        if cert_id[0].tag == DER_SEQUENCE:
            algorithm = der_oid(der_items(cert_id[0])[0], "ESSCertIDv2 hashAlgorithm")
            cert_id = cert_id[1:]
        named = der_octets(cert_id[0], "certHash")
        if algorithm not in TS_HASHES:
            raise TimestampError("timestamp", f"unsupported certHash algorithm {algorithm}")
        calculated = _digest(TS_HASHES[algorithm], der_cert)
    elif OID_SIGNING_CERTIFICATE in attrs:
        cert_id = der_items(der_items(der_items(attrs[OID_SIGNING_CERTIFICATE][0])[0])[0])
        named, calculated = der_octets(cert_id[0], "certHash"), _digest(hashes.SHA1, der_cert)
    else:
        raise TimestampError("timestamp", "the token has no ESS signing-certificate attribute")
    if named != calculated:
        raise TimestampError(
            "timestamp_signature",
            f"the signed attributes name certificate {named.hex()}, the signer's is "
            f"{calculated.hex()}",
        )


def _digest(algorithm: type[hashes.HashAlgorithm], data: bytes) -> bytes:
    h = hashes.Hash(algorithm())
    h.update(data)
    return h.finalize()


def _check_signature(signer: _SignerInfo, cert: x509.Certificate) -> None:
    """The signature over DER(SET OF signed attributes), the [0] tag read as SET (§5.4)."""
    kind, fixed = TS_SIGNATURES.get(signer.signature_oid, ("?", None))
    algorithm = fixed or TS_HASHES.get(signer.digest_oid)
    if kind == "?" or algorithm is None:
        raise TimestampError("timestamp", f"unsupported signature algorithm {signer.signature_oid}")
    signed = bytes([DER_SET]) + signer.signed_attrs.raw[1:]
    key = cert.public_key()
    try:
        if kind == "rsa" and isinstance(key, rsa.RSAPublicKey):
            key.verify(signer.signature, signed, padding.PKCS1v15(), algorithm())
        elif kind == "ec" and isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(signer.signature, signed, ec.ECDSA(algorithm()))
        else:
            raise TimestampError(
                "timestamp_signature", "the signer certificate's key does not fit the algorithm"
            )
    except InvalidSignature:
        raise TimestampError(
            "timestamp_signature",
            f"the TSA's signature does not verify with the key of "
            f"{cert.subject.rfc4514_string()}: the token was altered",
        ) from None


def _check_tsa_certificate(cert: x509.Certificate, at: datetime) -> None:
    """RFC 3161 §2.3: extendedKeyUsage critical, id-kp-timeStamping only; valid at genTime."""
    try:
        eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage)
    except x509.ExtensionNotFound:
        eku = None
    if (
        eku is None
        or not eku.critical
        or list(eku.value) != [x509.oid.ExtendedKeyUsageOID.TIME_STAMPING]
    ):
        raise TimestampError(
            "timestamp_certificate",
            f"{cert.subject.rfc4514_string()} is not a TSA certificate: RFC 3161 wants a "
            "critical extended key usage of timeStamping alone",
        )
    _check_validity(cert, at)


def _check_validity(cert: x509.Certificate, at: datetime) -> None:
    if not cert.not_valid_before_utc <= at <= cert.not_valid_after_utc:
        raise TimestampError(
            "timestamp_certificate",
            f"{cert.subject.rfc4514_string()} was not valid at {at.isoformat()} (valid "
            f"{cert.not_valid_before_utc.isoformat()} to {cert.not_valid_after_utc.isoformat()})",
        )


MAX_CHAIN_DEPTH = 4  # intermediates between a TSA certificate and its trusted root


def _chain(
    cert: x509.Certificate,
    pool: Sequence[x509.Certificate],
    trusted: Sequence[x509.Certificate],
    at: datetime,
) -> x509.Certificate:
    """RFC 5280 path validation at `at` by `cryptography.x509.verification` (the web PKI's
    profile): every issuer a CA (basicConstraints CA:TRUE, keyCertSign), path lengths
    respected, every certificate valid then; the leaf an end entity whose extended key usage
    is timeStamping. The trusted root it reaches is returned."""
    if not trusted:
        raise TimestampError("timestamp_certificate", "no trusted CA was given")
    verifier = (
        PolicyBuilder()
        .store(Store(list(trusted)))
        .time(at)
        .max_chain_depth(MAX_CHAIN_DEPTH)
        .extension_policies(ca_policy=_CA_POLICY, ee_policy=_TSA_POLICY)
        .build_client_verifier()
    )
    try:
        chain = verifier.verify(cert, [c for c in pool if c != cert]).chain
    except VerificationError as e:
        raise TimestampError(
            "timestamp_certificate",
            f"the TSA certificate {cert.subject.rfc4514_string()} does not chain to a trusted "
            f"CA: {e}",
        ) from None
    return chain[-1]


def _tsa_usage(_policy: Any, _cert: x509.Certificate, eku: x509.ExtendedKeyUsage) -> None:
    if list(eku) != [x509.oid.ExtendedKeyUsageOID.TIME_STAMPING]:
        raise ValueError("a TSA certificate's extended key usage is timeStamping alone")


def _ca_usage(_policy: Any, _cert: x509.Certificate, eku: x509.ExtendedKeyUsage | None) -> None:
    """A CA that limits its usages must allow time-stamping (or any usage)."""
    allowed = {
        x509.oid.ExtendedKeyUsageOID.TIME_STAMPING,
        x509.oid.ExtendedKeyUsageOID.ANY_EXTENDED_KEY_USAGE,
    }
    if eku is not None and not allowed & set(eku):
        raise ValueError("the CA may not issue time-stamping certificates")


# The web PKI's CA and end-entity profiles, with extended key usage for time-stamping
# instead of TLS (RFC 3161 §2.3), and no host name required of a TSA.
_TSA_POLICY = (
    ExtensionPolicy.webpki_defaults_ee()
    .require_present(x509.ExtendedKeyUsage, Criticality.CRITICAL, _tsa_usage)
    .may_be_present(x509.SubjectAlternativeName, Criticality.AGNOSTIC, None)
)
_CA_POLICY = ExtensionPolicy.webpki_defaults_ca().may_be_present(
    x509.ExtendedKeyUsage, Criticality.AGNOSTIC, _ca_usage
)


def verify_timestamp(
    token: bytes,
    data: bytes,
    *,
    certificates: Sequence[x509.Certificate] = (),
    trusted: Sequence[x509.Certificate] | None = None,
    nonce: int | None = None,
) -> Timestamp:
    """Check that `token` timestamps exactly `data`; the steps are the module's docstring."""
    try:
        parsed = _parse_token(token)
        pool = [*parsed.certificates, *certificates]
        cert = _find_signer(parsed.signer.sid, pool)
        attrs = _attributes(parsed.signer.signed_attrs)
        content_type = attrs.get(OID_CONTENT_TYPE, [])
        if len(content_type) != 1 or der_oid(content_type[0]) != OID_TST_INFO:
            raise TimestampError("timestamp", "the content-type attribute is not id-ct-TSTInfo")
        if parsed.signer.digest_oid not in TS_HASHES:
            raise TimestampError(
                "timestamp", f"unsupported digest algorithm {parsed.signer.digest_oid}"
            )
        digest = _digest(TS_HASHES[parsed.signer.digest_oid], parsed.tst_der)
        signed_digest = der_octets(attrs.get(OID_MESSAGE_DIGEST, [DerValue(0, b"", b"")])[0])
        if signed_digest != digest:
            raise TimestampError(
                "timestamp_signature",
                f"the TSA signed TSTInfo digest {signed_digest.hex()}, the token's TSTInfo "
                f"hashes to {digest.hex()}: the token was altered",
            )
        _check_ess(attrs, cert)
        _check_signature(parsed.signer, cert)
    except (DerError, IndexError, ValueError) as e:
        if isinstance(e, TimestampError):
            raise
        raise TimestampError("timestamp", f"malformed time-stamp token: {e}") from None
    info = parsed.info
    _check_tsa_certificate(cert, info.gen_time)
    chained_to = _chain(cert, pool, trusted, info.gen_time) if trusted is not None else None
    expected = hashlib.sha256(data).digest()
    if info.hash_oid != OID_SHA256 or info.imprint != expected:
        raise TimestampError(
            "timestamp_imprint",
            f"the token timestamps {info.imprint.hex()} ({info.hash_oid}), not these bytes "
            f"(SHA-256 {expected.hex()})",
        )
    if nonce is not None and info.nonce != nonce:
        raise TimestampError("timestamp", f"the token's nonce {info.nonce} is not ours {nonce}")
    return Timestamp(info, cert, chained_to)


def token_certificates(token: bytes) -> list[x509.Certificate]:
    """The certificates a token carries (empty if it cannot be read)."""
    try:
        return _parse_token(token).certificates
    except (DerError, IndexError, ValueError):
        return []

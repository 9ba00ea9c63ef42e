"""Witness cosignatures: C2SP tlog-cosignature, the Ed25519 type (cosignature/v1).

A cosignature is one more signed-note signature line on a checkpoint:

    — <witness name> base64(key ID ‖ u64 big-endian timestamp ‖ Ed25519 signature)

key ID = SHA-256(name ‖ "\\n" ‖ 0x04 ‖ public key)[:4]; the signed message is

    cosignature/v1
    time <timestamp, POSIX seconds, decimal>
    <the whole checkpoint body, extension lines included>

It says: at that time, the consistent tree head of the largest size this witness has seen
for the checkpoint's origin has this root. A witness's verifier key is
`name+hex(key ID)+base64(0x04 ‖ public key)`; a 0x01 (plain Ed25519 note) key string for the
same public key is accepted too and read as the cosigner's key, as Go's
transparency-dev/formats does.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from ledger.checkpoint import (
    ALG_ED25519,
    SIG_PREFIX,
    CheckpointError,
    key_hash,
    parse_base64,
    public_bytes,
    split_note,
)

ALG_COSIGNATURE_V1 = b"\x04"
COSIGNATURE_HEADER = "cosignature/v1"
COSIGNATURE_SIZE = 4 + 8 + 64  # key ID, timestamp, signature


class CosignatureError(ValueError):
    """A cosigner key or a cosignature line is malformed."""


@dataclass(frozen=True)
class Cosigner:
    """A witness as its verifiers know it: name, cosignature key ID and public key."""

    name: str
    key_hash: bytes
    public_key: Ed25519PublicKey

    @property
    def key_id(self) -> str:
        return f"{self.name}+{self.key_hash.hex()}"


@dataclass(frozen=True)
class Cosignature:
    """A cosignature that verified: who, and the time it states (POSIX seconds)."""

    name: str
    key_hash: bytes
    timestamp: int

    def as_json(self) -> dict[str, object]:
        return {"witness": f"{self.name}+{self.key_hash.hex()}", "time": self.timestamp}


def cosigner_key_hash(name: str, public_key: bytes) -> bytes:
    """tlog-cosignature key ID: SHA-256(name ‖ 0x0A ‖ 0x04 ‖ public key)[:4]."""
    return hashlib.sha256(name.encode() + b"\n" + ALG_COSIGNATURE_V1 + public_key).digest()[:4]


def cosigner_key(name: str, public_key: Ed25519PublicKey) -> str:
    """A witness's verifier key string: name+hex(key ID)+base64(0x04 ‖ public key)."""
    if not name or any(c.isspace() for c in name) or "+" in name:
        raise CosignatureError(f"invalid witness name {name!r}: non-empty, no spaces or '+'")
    raw = public_bytes(public_key)
    kh = cosigner_key_hash(name, raw).hex()
    return f"{name}+{kh}+{base64.b64encode(ALG_COSIGNATURE_V1 + raw).decode()}"


def parse_cosigner_key(text: str) -> Cosigner:
    """A witness key string (type 0x04, or 0x01 for the same Ed25519 key), hash checked."""
    parts = text.strip().split("+", 2)
    if len(parts) != 3:
        raise CosignatureError("witness key must be NAME+KEYHASH+KEY")
    name, hash_hex, key_b64 = parts
    if not name or any(c.isspace() for c in name):
        raise CosignatureError(f"invalid witness name {name!r}")
    try:
        expected = bytes.fromhex(hash_hex)
        raw = parse_base64(key_b64, "witness key")
    except (ValueError, CheckpointError):
        raise CosignatureError("witness key is not valid hex/base64") from None
    if len(hash_hex) != 8 or len(raw) != 33 or raw[:1] not in (ALG_COSIGNATURE_V1, ALG_ED25519):
        raise CosignatureError("witness key is not an Ed25519 cosignature (0x04) key")
    alg, pub = raw[:1], raw[1:]
    own = cosigner_key_hash(name, pub) if alg == ALG_COSIGNATURE_V1 else key_hash(name, pub)
    if own != expected:
        raise CosignatureError("witness key hash does not match its name and key")
    return Cosigner(name, cosigner_key_hash(name, pub), Ed25519PublicKey.from_public_bytes(pub))


def cosignature_message(body: str, timestamp: int) -> bytes:
    """What a cosigner signs: the header line, the time line, then the checkpoint body."""
    return f"{COSIGNATURE_HEADER}\ntime {timestamp}\n{body}".encode()


def cosign(body: str, name: str, key: Ed25519PrivateKey, timestamp: int) -> str:
    """One cosignature line (ending in a newline) over a checkpoint body."""
    if not 0 < timestamp < 1 << 63:
        raise CosignatureError("a cosignature's time must be positive and below 2^63")
    signature = key.sign(cosignature_message(body, timestamp))
    kh = cosigner_key_hash(name, public_bytes(key.public_key()))
    blob = kh + timestamp.to_bytes(8, "big") + signature
    return f"{SIG_PREFIX}{name} {base64.b64encode(blob).decode()}\n"


def cosignature_time(signature: bytes) -> int:
    """The timestamp of a cosignature (the bytes after the key ID)."""
    if len(signature) != COSIGNATURE_SIZE - 4:
        raise CosignatureError(f"a cosignature is {COSIGNATURE_SIZE} bytes with its key ID")
    return int.from_bytes(signature[:8], "big")


@dataclass
class CosignatureCheck:
    """The cosignatures of a note by the given cosigners: those that verify, those that
    claim one of the keys and do not (each named)."""

    valid: list[Cosignature]
    invalid: list[str]

    def count(self) -> int:
        return len({c.key_hash + c.name.encode() for c in self.valid})


def check_cosignatures(note: str, cosigners: list[Cosigner]) -> CosignatureCheck:
    """Verify every signature line of `note` that names one of `cosigners`; others are
    ignored (the log's own signature, unknown witnesses)."""
    text, signatures = split_note(note)
    result = CosignatureCheck([], [])
    for sig in signatures:
        for c in cosigners:
            if (sig.name, sig.key_hash) != (c.name, c.key_hash):
                continue
            try:
                timestamp = cosignature_time(sig.signature)
                if timestamp >= 1 << 63:
                    raise CosignatureError("its time is beyond 2^63 - 1")
                c.public_key.verify(sig.signature[8:], cosignature_message(text, timestamp))
            except CosignatureError as e:
                result.invalid.append(f"cosignature by {c.key_id} is malformed: {e}")
            except InvalidSignature:
                result.invalid.append(
                    f"cosignature by {c.key_id} does not verify: it was made over another "
                    "checkpoint, or the checkpoint was altered"
                )
            else:
                result.valid.append(Cosignature(c.name, c.key_hash, timestamp))
    return result


def cosignature_lines(response: str) -> list[str]:
    """The signature lines of a witness's answer (each `— name base64`), shapes checked."""
    if not response.endswith("\n"):
        raise CosignatureError("a witness answer must end with a newline")
    lines = response.split("\n")[:-1]
    if not lines:
        raise CosignatureError("a witness answer holds no signature lines")
    for line in lines:
        if not line.startswith(SIG_PREFIX) or " " not in line[len(SIG_PREFIX) :]:
            raise CosignatureError(f"not a signature line: {line[:80]!r}")
    return [f"{line}\n" for line in lines]


def with_cosignatures(note: str, lines: list[str]) -> str:
    """The note with more signature lines appended (those it already has are skipped)."""
    try:
        split_note(note)
    except CheckpointError as e:
        raise CosignatureError(str(e)) from None
    have = set(note.split("\n"))
    return note + "".join(line for line in lines if line.rstrip("\n") not in have)

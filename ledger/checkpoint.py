"""Signed tree heads: C2SP tlog-checkpoint bodies in C2SP signed-note envelopes (Ed25519).

    saksi.local/archive                  <- origin
    1234                                 <- tree size, decimal
    7Q2l...=                             <- base64(root hash)
                                         <- blank line
    — saksi.local/archive AbCd...=       <- "— " key name " " base64(key hash ‖ signature)

The signature covers the body (the three lines, each ending in a newline). The key hash is
SHA-256(key name ‖ "\\n" ‖ 0x01 ‖ public key)[:4]; the verifier key a third party keeps is
`name+hex(key hash)+base64(0x01 ‖ public key)`.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

ALG_ED25519 = b"\x01"
SIG_PREFIX = "— "  # U+2014 EM DASH, then a space
MAX_SIGNATURES = 100


class CheckpointError(ValueError):
    """A note or checkpoint is malformed or its signature does not verify."""


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    size: int
    root: bytes
    note: str  # the whole signed note, as stored and printed

    def body(self) -> str:
        """The signed text: origin, size, root and any extension lines (what witnesses sign)."""
        return split_note(self.note)[0]


def checkpoint_body(origin: str, size: int, root: bytes, extensions: Sequence[str] = ()) -> str:
    """tlog-checkpoint: origin line, decimal size, base64 root, then optional extension lines,
    each ending in a newline."""
    _check_name(origin, "origin")
    if size < 0:
        raise CheckpointError("tree size cannot be negative")
    if len(root) != 32:
        raise CheckpointError("root hash must be 32 bytes")
    if any(not line or "\n" in line for line in extensions):
        raise CheckpointError("extension lines must be non-empty single lines")
    return f"{origin}\n{size}\n{base64.b64encode(root).decode()}\n" + "".join(
        f"{line}\n" for line in extensions
    )


def _check_name(name: str, what: str) -> None:
    if not name or any(c.isspace() for c in name) or (what == "key name" and "+" in name):
        raise CheckpointError(f"invalid {what} {name!r}: non-empty, no spaces or '+'")


# Strict readers, as C2SP and Go's golang.org/x/mod/sumdb/note and tlog read: one spelling of
# each value, so that two readers can never disagree about what a note says.


def parse_decimal(text: str, what: str) -> int:
    """An ASCII decimal without leading zeros ("0" itself allowed), below 2**64."""
    if not (text.isascii() and text.isdigit()) or (text != "0" and text.startswith("0")):
        raise CheckpointError(f"{what} {text[:40]!r} is not a decimal number")
    value = int(text)
    if value >= 2**64:
        raise CheckpointError(f"{what} {text[:40]!r} is too large")
    return value


def parse_base64(text: str, what: str) -> bytes:
    """Standard base64 with its padding, in its one canonical spelling (no stray padding bits)."""
    try:
        raw = base64.b64decode(text, validate=True)
    except ValueError:  # binascii.Error, or a non-ASCII character
        raise CheckpointError(f"{what} is not base64") from None
    if base64.b64encode(raw).decode("ascii") != text:
        raise CheckpointError(f"{what} is not canonical base64")
    return raw


# --- keys ---------------------------------------------------------------------------------


def public_bytes(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_hash(name: str, public_key: bytes) -> bytes:
    """signed-note key ID: SHA-256(key name ‖ 0x0A ‖ 0x01 ‖ public key)[:4]."""
    return hashlib.sha256(name.encode() + b"\n" + ALG_ED25519 + public_key).digest()[:4]


def verifier_key(name: str, public_key: Ed25519PublicKey) -> str:
    """The verifier key string: name+hex(key hash)+base64(0x01 ‖ public key)."""
    _check_name(name, "key name")
    raw = public_bytes(public_key)
    return f"{name}+{key_hash(name, raw).hex()}+{base64.b64encode(ALG_ED25519 + raw).decode()}"


@dataclass(frozen=True)
class Verifier:
    name: str
    key_hash: bytes
    public_key: Ed25519PublicKey


def parse_verifier_key(text: str) -> Verifier:
    """Parse name+hex(key hash)+base64(0x01 ‖ key), checking the hash matches the key."""
    parts = text.strip().split("+", 2)  # base64 may hold "+"; names may not
    if len(parts) != 3:
        raise CheckpointError("verifier key must be NAME+KEYHASH+KEY")
    name, hash_hex, key_b64 = parts
    _check_name(name, "key name")
    try:
        expected = bytes.fromhex(hash_hex)
    except ValueError:
        raise CheckpointError("verifier key is not valid hex/base64") from None
    raw = parse_base64(key_b64, "verifier key")
    if len(hash_hex) != 8 or len(raw) != 33 or raw[:1] != ALG_ED25519:
        raise CheckpointError("verifier key is not an Ed25519 signed-note key")
    if key_hash(name, raw[1:]) != expected:
        raise CheckpointError("verifier key hash does not match its name and key")
    return Verifier(name, expected, Ed25519PublicKey.from_public_bytes(raw[1:]))


# --- signing and opening notes --------------------------------------------------------------


def sign_note(text: str, name: str, key: Ed25519PrivateKey) -> str:
    """signed-note: text, a blank line, then one signature line for this key."""
    _check_text(text)
    _check_name(name, "key name")
    sig = key.sign(text.encode())
    kh = key_hash(name, public_bytes(key.public_key()))
    return f"{text}\n{SIG_PREFIX}{name} {base64.b64encode(kh + sig).decode()}\n"


def sign_checkpoint(
    origin: str, size: int, root: bytes, key: Ed25519PrivateKey, extensions: Sequence[str] = ()
) -> Checkpoint:
    """Sign a tree head; the key name is the origin, as is customary for logs."""
    note = sign_note(checkpoint_body(origin, size, root, extensions), origin, key)
    return Checkpoint(origin, size, root, note)


def _check_text(text: str) -> None:
    if not text.endswith("\n") or "\n\n" in text or text.startswith("\n"):
        raise CheckpointError("note text must be non-empty lines, each ending in a newline")
    if any(ord(c) < 0x20 and c != "\n" for c in text):
        raise CheckpointError("note text holds control characters")


@dataclass(frozen=True)
class NoteSignature:
    """One signature line of a note: the key name, the 4-byte key hash and what follows it."""

    name: str
    key_hash: bytes
    signature: bytes


def split_note(note: str) -> tuple[str, list[NoteSignature]]:
    """A signed note's text (ending in a newline) and its signature lines, shapes checked."""
    if not note.endswith("\n"):
        raise CheckpointError("malformed note: it must end with a newline")
    text, sep, sigblock = note.rpartition("\n\n")
    if not sep:
        raise CheckpointError("malformed note: no blank line before the signatures")
    text += "\n"
    _check_text(text)
    lines = sigblock.split("\n")[:-1]
    if not lines or len(lines) > MAX_SIGNATURES:
        raise CheckpointError("malformed note: no signature lines")
    signatures = []
    for line in lines:
        if not line.startswith(SIG_PREFIX):
            raise CheckpointError(f"malformed signature line {line!r}")
        name, space, b64 = line[len(SIG_PREFIX) :].partition(" ")
        if not space or not name or any(c.isspace() for c in name) or "+" in name:
            raise CheckpointError(f"malformed signature line {line!r}: bad key name")
        blob = parse_base64(b64, f"signature of {name}")
        if len(blob) < 5:
            raise CheckpointError(f"malformed signature line {line!r}")
        signatures.append(NoteSignature(name, blob[:4], blob[4:]))
    return text, signatures


def open_note(note: str, verifier: Verifier) -> str:
    """Split a signed note, verify this verifier's signature on it; return the text."""
    text, signatures = split_note(note)
    found = False
    for sig in signatures:
        if sig.name != verifier.name or sig.key_hash != verifier.key_hash:
            continue  # somebody else's signature (a witness): not ours to check
        try:
            verifier.public_key.verify(sig.signature, text.encode())
        except InvalidSignature:
            raise CheckpointError(
                f"signature by {sig.name}+{sig.key_hash.hex()} does not verify: the note was "
                "altered or signed by another key"
            ) from None
        found = True
    if not found:
        raise CheckpointError(f"no signature by {verifier.name}+{verifier.key_hash.hex()}")
    return text


def checkpoint_extensions(text: str) -> list[str]:
    """The extension lines of a checkpoint body (the lines after the root)."""
    return text.split("\n")[3:-1]


def parse_checkpoint_body(text: str) -> tuple[str, int, bytes]:
    """origin, size and root of a tlog-checkpoint body (extension lines are ignored)."""
    lines = text.split("\n")
    if len(lines) < 4 or lines[-1] != "":
        raise CheckpointError("checkpoint body needs origin, size and root lines")
    origin, size_s, root_b64 = lines[0], lines[1], lines[2]
    if not origin:
        raise CheckpointError("checkpoint origin line is empty")
    size = parse_decimal(size_s, "tree size")
    root = parse_base64(root_b64, "root hash")
    if len(root) != 32:
        raise CheckpointError("root hash must be 32 bytes")
    return origin, size, root


def verify_checkpoint(note: str, verifier: Verifier, origin: str | None = None) -> Checkpoint:
    """Open a signed checkpoint; its origin must be `origin` when given."""
    text = open_note(note, verifier)
    got_origin, size, root = parse_checkpoint_body(text)
    if origin is not None and got_origin != origin:
        raise CheckpointError(f"checkpoint is for origin {got_origin!r}, expected {origin!r}")
    return Checkpoint(got_origin, size, root, note)

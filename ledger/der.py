"""A small DER reader and writer (ITU-T X.690), enough for RFC 3161 time-stamp tokens.

Only what DER allows is read: one-byte tags, definite lengths in their shortest form, nothing
after the last element. Every value keeps its whole encoding (`raw`), because CMS signs the
exact bytes of its signed attributes (RFC 5652 §5.4). Names carry a `der_` prefix: this
module is concatenated into the one-file package verifier with the others.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

DER_BOOLEAN = 0x01
DER_INTEGER = 0x02
DER_BIT_STRING = 0x03
DER_OCTET_STRING = 0x04
DER_NULL = 0x05
DER_OID = 0x06
DER_UTF8_STRING = 0x0C
DER_GENERALIZED_TIME = 0x18
DER_SEQUENCE = 0x30
DER_SET = 0x31
DER_MAX_LENGTH = 1 << 24  # tokens are a few KiB; nothing here is larger


class DerError(ValueError):
    """The bytes are not the DER encoding this reader expects."""


@dataclass(frozen=True)
class DerValue:
    tag: int  # the identifier octet: class, constructed bit and tag number
    content: bytes
    raw: bytes  # tag, length and content, as encoded

    @property
    def constructed(self) -> bool:
        return bool(self.tag & 0x20)


def der_read(data: bytes, pos: int = 0) -> tuple[DerValue, int]:
    """The element at `pos` and the position after it."""
    if pos + 2 > len(data):
        raise DerError(f"truncated element at byte {pos}")
    tag, first = data[pos], data[pos + 1]
    if tag & 0x1F == 0x1F:
        raise DerError(f"multi-byte tag at byte {pos} is not supported")
    at = pos + 2
    if first < 0x80:
        length = first
    else:
        count = first & 0x7F
        if count == 0:
            raise DerError(f"indefinite length at byte {pos} is not DER")
        if count > 3 or at + count > len(data):
            raise DerError(f"length of {count} bytes at byte {pos} is out of range")
        length = int.from_bytes(data[at : at + count], "big")
        if length < 0x80 or data[at] == 0:
            raise DerError(f"length at byte {pos} is not in its shortest form")
        at += count
    if length > DER_MAX_LENGTH or at + length > len(data):
        raise DerError(f"element at byte {pos} runs past the end of the data")
    return DerValue(tag, bytes(data[at : at + length]), bytes(data[pos : at + length])), at + length


def der_one(data: bytes, tag: int | None = None, what: str = "value") -> DerValue:
    """Exactly one element, with nothing after it."""
    value, end = der_read(data)
    if end != len(data):
        raise DerError(f"{len(data) - end} byte(s) after the {what}")
    return der_expect(value, tag, what) if tag is not None else value


def der_items(value: DerValue, what: str = "value") -> list[DerValue]:
    """The elements inside a constructed value (SEQUENCE, SET, tagged)."""
    if not value.constructed:
        raise DerError(f"{what} is not a constructed value")
    items, pos = [], 0
    while pos < len(value.content):
        item, pos = der_read(value.content, pos)
        items.append(item)
    return items


def der_expect(value: DerValue, tag: int, what: str) -> DerValue:
    if value.tag != tag:
        raise DerError(f"{what}: tag 0x{value.tag:02x}, expected 0x{tag:02x}")
    return value


def der_int(value: DerValue, what: str = "INTEGER") -> int:
    der_expect(value, DER_INTEGER, what)
    if not value.content:
        raise DerError(f"{what}: empty INTEGER")
    return int.from_bytes(value.content, "big", signed=True)


def der_oid(value: DerValue, what: str = "OBJECT IDENTIFIER") -> str:
    """Dotted decimal, e.g. '2.16.840.1.101.3.4.2.1'."""
    der_expect(value, DER_OID, what)
    arcs, current = [], 0
    for i, byte in enumerate(value.content):
        if current == 0 and byte == 0x80:
            raise DerError(f"{what}: arc not in its shortest form")
        current = (current << 7) | (byte & 0x7F)
        if not byte & 0x80:
            arcs.append(current)
            current = 0
        elif i == len(value.content) - 1:
            raise DerError(f"{what}: truncated arc")
    if not arcs:
        raise DerError(f"{what}: empty OBJECT IDENTIFIER")
    first = min(arcs[0] // 40, 2)
    return ".".join(str(a) for a in [first, arcs[0] - 40 * first, *arcs[1:]])


def der_octets(value: DerValue, what: str = "OCTET STRING") -> bytes:
    return der_expect(value, DER_OCTET_STRING, what).content


def der_bool(value: DerValue, what: str = "BOOLEAN") -> bool:
    der_expect(value, DER_BOOLEAN, what)
    if value.content not in (b"\x00", b"\xff"):
        raise DerError(f"{what}: not a DER BOOLEAN")
    return value.content == b"\xff"


def der_time(value: DerValue, what: str = "GeneralizedTime") -> datetime:
    """GeneralizedTime as DER has it: YYYYMMDDHHMMSS[.fraction]Z, always UTC."""
    der_expect(value, DER_GENERALIZED_TIME, what)
    text = value.content.decode("ascii", errors="replace")
    whole, _, fraction = text.removesuffix("Z").partition(".")
    if not text.endswith("Z") or len(whole) != 14 or not whole.isdigit():
        raise DerError(f"{what}: {text!r} is not a DER GeneralizedTime")
    if fraction and (not fraction.isdigit() or fraction.endswith("0")):
        raise DerError(f"{what}: {text!r} has a malformed fraction of a second")
    try:
        moment = datetime.strptime(whole, "%Y%m%d%H%M%S").replace(tzinfo=UTC)
    except ValueError:
        raise DerError(f"{what}: {text!r} is not a date") from None
    micros = int((fraction + "000000")[:6]) if fraction else 0
    return moment.replace(microsecond=micros)


# --- writing (the request the archive sends) ---------------------------------------------


def der_encode(tag: int, content: bytes) -> bytes:
    n = len(content)
    if n < 0x80:
        return bytes([tag, n]) + content
    size = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(size)]) + size + content


def der_encode_int(n: int) -> bytes:
    return der_encode(DER_INTEGER, n.to_bytes(n.bit_length() // 8 + 1, "big", signed=True))


def der_encode_oid(dotted: str) -> bytes:
    arcs = [int(a) for a in dotted.split(".")]
    body = bytearray()
    for arc in [40 * arcs[0] + arcs[1], *arcs[2:]]:
        chunk = [arc & 0x7F]
        while arc > 0x7F:
            arc >>= 7
            chunk.append(0x80 | (arc & 0x7F))
        body += bytes(reversed(chunk))
    return der_encode(DER_OID, bytes(body))


def der_encode_seq(*items: bytes) -> bytes:
    return der_encode(DER_SEQUENCE, b"".join(items))

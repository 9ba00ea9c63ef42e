"""The witness protocol, C2SP tlog-witness: the add-checkpoint request and the witness's
decision, pure (the HTTP service and its state live in api/witness/).

Request body (every line ending in a newline):

    old <size of the witness's latest checkpoint of this log, decimal>
    <zero to 63 lines: a consistency proof from that size, one base64 hash a line>
    <empty line>
    <the signed checkpoint, possibly with several signatures>

The witness answers 200 with its cosignature line(s), or refuses: 404 unknown origin, 403 no
valid signature by a trusted key of that origin, 400 old size above the checkpoint's size or a
malformed body, 409 (body `<its latest size>\\n`, `text/x.tlog.size`) when the old size is not
its latest, 422 when the checkpoint is not consistent with its latest (bad proof; same size
and another root; size 0 with another root than the empty tree's).
"""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ledger import merkle
from ledger.checkpoint import (
    Checkpoint,
    CheckpointError,
    Verifier,
    parse_base64,
    verify_checkpoint,
)

MAX_PROOF_LINES = 63
MAX_REQUEST_BYTES = 1 << 16
SIZE_CONTENT_TYPE = "text/x.tlog.size"


class Refusal(Exception):
    """The witness will not cosign: the HTTP status, and why (for the log and its operator).

    `kind`: unknown_log (404), bad_signature (403), bad_request (400), conflict (409; `size`
    is the witness's latest), inconsistent (422: evidence of a fork when the signature was
    good)."""

    def __init__(self, status: int, kind: str, detail: str, size: int | None = None) -> None:
        super().__init__(detail)
        self.status, self.kind, self.detail, self.size = status, kind, detail, size


@dataclass(frozen=True)
class AddCheckpoint:
    old_size: int
    proof: list[bytes]
    note: str


def _decimal(text: str, what: str) -> int:
    if not text.isdigit() or not text.isascii() or (text != "0" and text.startswith("0")):
        raise Refusal(400, "bad_request", f"{what} {text[:40]!r} is not a decimal number")
    return int(text)


def parse_add_checkpoint(body: bytes) -> AddCheckpoint:
    """The add-checkpoint request body; Refusal(400) when it is not one."""
    if len(body) > MAX_REQUEST_BYTES:
        raise Refusal(400, "bad_request", f"request body over {MAX_REQUEST_BYTES} bytes")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise Refusal(400, "bad_request", "request body is not UTF-8") from None
    head, sep, note = text.partition("\n\n")
    if not sep:
        raise Refusal(400, "bad_request", "no empty line between the proof and the checkpoint")
    lines = head.split("\n")
    if not lines[0].startswith("old "):
        raise Refusal(400, "bad_request", "the first line must be `old <size>`")
    old = _decimal(lines[0][4:], "old size")
    if len(lines) - 1 > MAX_PROOF_LINES:
        raise Refusal(400, "bad_request", f"more than {MAX_PROOF_LINES} consistency proof lines")
    proof = []
    for line in lines[1:]:
        try:
            h = parse_base64(line, "a proof line")
        except CheckpointError as e:
            raise Refusal(400, "bad_request", str(e)) from None
        if len(h) != merkle.HASH_SIZE:
            raise Refusal(400, "bad_request", "a proof line is not a 32-byte hash")
        proof.append(h)
    return AddCheckpoint(old, proof, note)


def add_checkpoint_body(old_size: int, proof: Sequence[bytes], note: str) -> bytes:
    """What a log sends: the request body for `old_size`, its proof and the signed note."""
    lines = [f"old {old_size}\n", *(base64.b64encode(h).decode() + "\n" for h in proof)]
    return ("".join(lines) + "\n" + note).encode("utf-8")


def note_origin(note: str) -> str:
    """The origin line of a checkpoint note (unchecked)."""
    return note.split("\n", 1)[0]


@dataclass(frozen=True)
class Latest:
    """The latest checkpoint a witness cosigned for a log."""

    size: int
    root: bytes
    note: str


def decide(
    request: AddCheckpoint, logs: Mapping[str, Sequence[Verifier]], latest: Latest | None
) -> Checkpoint:
    """The checks of tlog-witness add-checkpoint, in its order; the checkpoint to cosign (the
    caller stores it as the new latest, atomically with reading `latest`), or Refusal."""
    origin = note_origin(request.note)
    verifiers = logs.get(origin)
    if not verifiers:
        raise Refusal(404, "unknown_log", f"unknown log origin {origin[:100]!r}")
    checkpoint = _verified(request.note, origin, verifiers)
    if request.old_size > checkpoint.size:
        raise Refusal(
            400,
            "bad_request",
            f"old size {request.old_size} is above the checkpoint's size {checkpoint.size}",
        )
    current = 0 if latest is None else latest.size
    if request.old_size != current:
        raise Refusal(
            409, "conflict", f"old size {request.old_size} is not {current}", size=current
        )
    if checkpoint.size == 0 and checkpoint.root != merkle.EMPTY_ROOT:
        raise Refusal(422, "inconsistent", "a tree of size 0 must have the empty tree's root")
    if latest is None or request.old_size == 0:
        if request.proof:
            raise Refusal(422, "inconsistent", "a proof from size 0 must be empty")
        return checkpoint
    try:
        merkle.verify_consistency(
            latest.size, checkpoint.size, latest.root, checkpoint.root, request.proof
        )
    except merkle.ProofError as e:
        raise Refusal(
            422,
            "inconsistent",
            f"checkpoint of size {checkpoint.size} is not consistent with the cosigned "
            f"checkpoint of size {latest.size}: {e}",
        ) from None
    return checkpoint


def _verified(note: str, origin: str, verifiers: Sequence[Verifier]) -> Checkpoint:
    """The checkpoint, signed by at least one trusted key; a trusted key's bad signature
    (a malformed note) or none at all is a 403."""
    good: list[Checkpoint] = []
    bad: list[str] = []
    for verifier in verifiers:
        try:
            good.append(verify_checkpoint(note, verifier, origin))
        except CheckpointError as e:
            absent = str(e).startswith("no signature by")
            if not absent or len(verifiers) == 1:
                bad.append(str(e))
    if bad or not good:
        raise Refusal(403, "bad_signature", "; ".join(bad or ["no trusted signature"])[:500])
    return good[0]

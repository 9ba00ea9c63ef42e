"""Sealing: the Merkle log catches up with the event log and its head is signed.

`seal_checkpoint(svc)` is what `saksi audit checkpoint`, every export and the scheduled job
call. The key name of every signature is the log's origin (SAKSI_ORIGIN). With SAKSI_TSA_URL
set, the checkpoint is then timestamped (archive/sealing/timestamps.py), and with SAKSI_WITNESSES
set, cosigned by the witnesses (archive/sealing/witnesses.py); neither ever stops the seal.
"""

from __future__ import annotations

import time
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from archive.errors import IntegrityFailure, InvalidInput
from archive.sealing import timestamps, witnesses
from archive.sealing.witness_client import read_witnesses
from archive.services import Services
from archive.settings import Settings
from domain.base import Context
from ledger.checkpoint import (
    Checkpoint,
    CheckpointError,
    Verifier,
    parse_verifier_key,
    sign_checkpoint,
    verifier_key,
)
from ledger.keys import load_key
from storage.ledger_tables.sealer import Sealer, TreeMismatch


def signing_key(svc: Services) -> Ed25519PrivateKey:
    path = svc.settings.signing_key
    if not path.exists():
        raise InvalidInput(f"no checkpoint signing key at {path}: run `saksi init` first")
    try:
        return load_key(path)
    except ValueError as e:
        raise InvalidInput(f"SAKSI_SIGNING_KEY: {e}") from None


def key_string(svc: Services) -> str:
    """The verifier key to hand to auditors and witnesses: NAME+KEYHASH+BASE64(0x01‖PUBKEY)."""
    return verifier_key(svc.settings.origin, signing_key(svc).public_key())


def witness_set(settings: Settings) -> list[dict[str, str]]:
    """The witnesses the archive asks (SAKSI_WITNESSES): name, URL, verifier key."""
    return [
        {"name": w.label, "url": w.url, "key": w.key} for w in read_witnesses(settings.witnesses)
    ]


def verifier(svc: Services) -> Verifier:
    return parse_verifier_key(key_string(svc))


def check_verifier_key(text: str) -> Verifier:
    try:
        return parse_verifier_key(text)
    except CheckpointError as e:
        raise InvalidInput(f"--key: {e}") from None


def seal(svc: Services) -> int:
    """Append every event written so far to the Merkle log (no signature)."""
    return Sealer(svc.db).catch_up()


def seal_checkpoint(svc: Services, ctx: Context | None = None) -> Checkpoint:
    """Seal now and return the signed checkpoint of the whole log."""
    if ctx is not None:
        svc.guard.require(ctx, "audit", target="ledger")
    key = signing_key(svc)
    origin = svc.settings.origin

    def sign(size: int, root: bytes) -> str:
        # With a TSA configured the signed checkpoint says so (and when): a token that goes
        # missing later is then a finding of `audit verify`, not a silent gap.
        wanted = [timestamps.wanted_line(int(time.time()))] if svc.settings.tsa_url else []
        return sign_checkpoint(origin, size, root, key, wanted).note

    try:
        stored = Sealer(svc.db).checkpoint(sign)
    except TreeMismatch as e:
        raise IntegrityFailure(f"refusing to sign: {e}") from None
    timestamps.stamp_after_seal(svc, stored)
    witnesses.ask_after_seal(svc.db, svc.settings, stored)
    with svc.db.tx(write=False) as tx:
        note = witnesses.cosigned_note(tx, stored)
    return Checkpoint(origin, stored.size, stored.root, note)


def checkpoint_json(cp: Checkpoint, key: str) -> dict[str, Any]:
    return {
        "origin": cp.origin,
        "size": cp.size,
        "root": cp.root.hex(),
        "note": cp.note,
        "key": key,
    }


def latest(svc: Services, ctx: Context | None = None) -> dict[str, Any]:
    """The newest stored checkpoint (none sealed yet: NotFound) and the verifier key."""
    from archive.errors import NotFound
    from storage.ledger_tables.merkle_store import MerkleStore

    if ctx is not None:
        svc.guard.require(ctx, "audit", target="ledger")
    with svc.db.tx(write=False) as tx:
        stored = MerkleStore(svc.db).latest_checkpoint(tx)
        note = witnesses.cosigned_note(tx, stored) if stored is not None else ""
    if stored is None:
        raise NotFound("no checkpoint has been sealed yet")
    return checkpoint_view(svc, Checkpoint(svc.settings.origin, stored.size, stored.root, note))


def sealed(svc: Services, ctx: Context) -> dict[str, Any]:
    """Seal now (auditors and admins) and describe the new checkpoint."""
    return checkpoint_view(svc, seal_checkpoint(svc, ctx))


def checkpoint_view(svc: Services, cp: Checkpoint) -> dict[str, Any]:
    """The checkpoint (with its cosignatures), the verifier key, its RFC 3161 timestamp (null:
    none was wanted) and its witnesses."""
    from storage.ledger_tables.merkle_store import MerkleStore

    with svc.db.tx(write=False) as tx:
        stored = MerkleStore.checkpoint_of_size(tx, cp.size)
        cosigners = witnesses.describe(svc.settings, tx, stored.id if stored else None)
    return {
        **checkpoint_json(cp, key_string(svc)),
        "timestamp": timestamps.describe(svc, cp.size),
        "witnesses": cosigners,
    }

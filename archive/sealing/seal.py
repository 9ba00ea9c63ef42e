"""Sealing: the Merkle log catches up with the event log and its head is signed.

`seal_checkpoint(svc, ctx)` is what `saksi audit checkpoint` and the scheduled job call
(auditors, admins, the host, the scheduler); an export seals through `checkpoint_now`, after
its own use case has authorized it. The key name of every signature is the log's origin
(SAKSI_ORIGIN). With SAKSI_TSA_URL set, the checkpoint is then timestamped
(archive/sealing/timestamps.py), and with SAKSI_WITNESSES set, cosigned by the witnesses
(archive/sealing/witnesses.py); neither ever stops the seal.
"""

from __future__ import annotations

import time
from typing import Any

from archive.errors import IntegrityFailure, InvalidInput, NotFound
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
)
from storage.ledger_tables.sealer import TreeMismatch


def key_string(svc: Services) -> str:
    """The verifier key to hand to auditors and witnesses: NAME+KEYHASH+BASE64(0x01‖PUBKEY)."""
    return svc.signing.verifier_key()


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


def verifier_key(svc: Services, ctx: Context) -> str:
    """`saksi audit key`: the verifier key (public: anyone who may read metadata)."""
    svc.guard.require(ctx, "metadata.search", target="ledger")
    return key_string(svc)


def seal(svc: Services) -> int:
    """Append every event written so far to the Merkle log (no signature)."""
    return svc.sealer.catch_up()


def checkpoint_now(svc: Services) -> Checkpoint:
    """Seal and sign the whole log, then ask for its timestamp. Callers have authorized."""
    key = svc.signing.private()
    origin = svc.settings.origin

    def sign(size: int, root: bytes) -> str:
        # With a TSA configured the signed checkpoint says so (and when): a token that goes
        # missing later is then a finding of `audit verify`, not a silent gap.
        wanted = [timestamps.wanted_line(int(time.time()))] if svc.settings.tsa_url else []
        return sign_checkpoint(origin, size, root, key, wanted).note

    try:
        stored = svc.sealer.checkpoint(sign)
    except TreeMismatch as e:
        raise IntegrityFailure(f"refusing to sign: {e}") from None
    timestamps.stamp_after_seal(svc, stored)
    witnesses.ask_after_seal(svc.db, svc.settings, stored)
    with svc.db.tx(write=False) as tx:
        note = witnesses.cosigned_note(tx, stored)
    return Checkpoint(origin, stored.size, stored.root, note)


def seal_checkpoint(svc: Services, ctx: Context) -> Checkpoint:
    """Seal now and return the signed checkpoint of the whole log."""
    svc.guard.require(ctx, "audit", target="ledger")
    return checkpoint_now(svc)


def checkpoint_json(cp: Checkpoint, key: str) -> dict[str, Any]:
    return {
        "origin": cp.origin,
        "size": cp.size,
        "root": cp.root.hex(),
        "note": cp.note,
        "key": key,
    }


def latest(svc: Services, ctx: Context) -> dict[str, Any]:
    """The newest stored checkpoint (none sealed yet: NotFound) and the verifier key."""
    svc.guard.require(ctx, "audit", target="ledger")
    with svc.db.tx(write=False) as tx:
        stored = svc.merkle.latest_checkpoint(tx)
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
    with svc.db.tx(write=False) as tx:
        stored = svc.merkle.checkpoint_of_size(tx, cp.size)
        cosigners = witnesses.describe(svc.settings, tx, stored.id if stored else None)
    return {
        **checkpoint_json(cp, key_string(svc)),
        "timestamp": timestamps.describe(svc, cp.size),
        "witnesses": cosigners,
    }

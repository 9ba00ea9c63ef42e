"""Trusted timestamps of checkpoints (RFC 3161): stamping after a seal, retrying, showing,
packaging and auditing the tokens.

The rules (docs/ledger.md, "Trusted timestamps"):
- SAKSI_TSA_URL unset: nothing is timestamped and nothing is reported missing.
- Set: every seal (the scheduled job, each export, `saksi audit checkpoint`) marks the
  checkpoint it returns as wanted and asks the TSA once; if that worked, older checkpoints
  still waiting are retried, newest first, at most RETRY_LIMIT, stopping at a failure.
- A failure never blocks sealing: the checkpoint stays sealed and signed, the failure is
  logged (logger `saksi.timestamps`) and kept with the attempt count; `audit verify` lists
  the checkpoints still waiting under `timestamps.missing`, and the next seal retries them.
- A checkpoint sealed with a TSA configured says so in its signed text (the extension line
  `timestamp-wanted <POSIX seconds>`, cosigned by the witnesses): `audit verify` reports one
  whose timestamp record is gone, and a token whose genTime is before that time or more than
  SAKSI_TIMESTAMP_MAX_DELAY after it.
"""

from __future__ import annotations

import base64
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from archive.errors import InvalidInput
from archive.sealing.tsa_client import TsaFailure, load_trusted, request_timestamp
from archive.services import Services
from ledger.checkpoint import CheckpointError, checkpoint_extensions, split_note
from ledger.streams import Problem
from ledger.timestamp import TimestampError, token_certificates, verify_timestamp
from storage.db import Tx
from storage.ledger_tables.merkle_store import MerkleStore, StoredCheckpoint
from storage.ledger_tables.timestamp_store import StoredTimestamp, TimestampStore

log = logging.getLogger("saksi.timestamps")
RETRY_LIMIT = 10
WANTED = "timestamp-wanted"  # the checkpoint extension line: `timestamp-wanted <POSIX seconds>`
CLOCK_SKEW_S = 300  # a token this much older than its checkpoint's sealing is impossible


def wanted_line(sealed_at: int) -> str:
    """The extension line of a checkpoint sealed while a TSA was configured."""
    return f"{WANTED} {sealed_at}"


def wanted_since(note: str) -> int | None:
    """When the checkpoint says it was sealed wanting a timestamp (None: it does not)."""
    try:
        lines = checkpoint_extensions(split_note(note)[0])
    except CheckpointError:
        return None
    for line in lines:
        name, _, value = line.partition(" ")
        if name == WANTED and value.isdigit():
            return int(value)
    return None


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


def stamp_after_seal(svc: Services, checkpoint: StoredCheckpoint) -> None:
    """The sealed checkpoint is wanted and asked for; then waiting ones are retried."""
    url = svc.settings.tsa_url
    if not url:
        return
    with svc.db.tx() as tx:
        TimestampStore.want(tx, checkpoint.id, url, _now())
        mine = TimestampStore.of_checkpoint(tx, checkpoint.id)
    if mine is not None and mine.token is None and not _attempt(svc, mine):
        return
    retry_waiting(svc, skip=checkpoint.id)


def retry_waiting(svc: Services, skip: int | None = None) -> int:
    """Ask again for checkpoints still without a token; returns how many got one."""
    if not svc.settings.tsa_url:
        return 0
    with svc.db.tx(write=False) as tx:
        waiting = [
            w for w in TimestampStore.waiting(tx, RETRY_LIMIT + 1) if w.checkpoint_id != skip
        ]
    done = 0
    for w in waiting[:RETRY_LIMIT]:
        if not _attempt(svc, w):
            break
        done += 1
    return done


def _attempt(svc: Services, wanted: StoredTimestamp) -> bool:
    url = svc.settings.tsa_url
    assert url is not None
    try:
        trusted = load_trusted(svc.settings.tsa_ca)
        token, stamp = request_timestamp(url, wanted.note.encode("utf-8"), trusted)
    except TsaFailure as e:
        log.warning(
            "checkpoint #%d (size %d) is not timestamped: %s; the next seal retries it",
            wanted.checkpoint_id,
            wanted.size,
            e,
        )
        with svc.db.tx() as tx:
            TimestampStore.failed(tx, wanted.checkpoint_id, str(e), _now())
        return False
    gen_time, serial = stamp.info.gen_time.isoformat(), str(stamp.info.serial)
    with svc.db.tx() as tx:
        TimestampStore.stamped(tx, wanted.checkpoint_id, url, token, gen_time, serial, _now())
    return True


def describe(svc: Services, size: int) -> dict[str, Any] | None:
    """The timestamp of the checkpoint of `size` for `audit checkpoint` and the API; None
    when it was never wanted (no TSA configured when it was sealed)."""
    with svc.db.tx(write=False) as tx:
        checkpoint = MerkleStore.checkpoint_of_size(tx, size)
        stored = TimestampStore.of_checkpoint(tx, checkpoint.id) if checkpoint else None
    if stored is None:
        return None
    if stored.token is None:
        return {
            "status": "missing",
            "tsa_url": stored.tsa_url,
            "attempts": stored.attempts,
            "error": stored.last_error,
        }
    return {
        "status": "stamped",
        "tsa_url": stored.tsa_url,
        "gen_time": stored.gen_time,
        "serial": stored.serial,
        "token": base64.b64encode(stored.token).decode("ascii"),
    }


@dataclass(frozen=True)
class PackagedTimestamp:
    """What an evidence package carries: the token and the certificates to check it."""

    token: bytes
    certificates_pem: bytes
    gen_time: str
    serial: str


def packaged(svc: Services, size: int) -> PackagedTimestamp | None:
    """The token of the checkpoint of `size`, with the TSA's certificate(s) and SAKSI_TSA_CA."""
    with svc.db.tx(write=False) as tx:
        checkpoint = MerkleStore.checkpoint_of_size(tx, size)
        stored = TimestampStore.of_checkpoint(tx, checkpoint.id) if checkpoint else None
    if stored is None or stored.token is None or stored.gen_time is None:
        return None
    try:
        extra = load_trusted(svc.settings.tsa_ca) or []
    except TsaFailure:
        extra = []  # the package still carries the token and the TSA's own certificate
    certs: list[x509.Certificate] = []
    for cert in [*token_certificates(stored.token), *extra]:
        if cert not in certs:
            certs.append(cert)
    pem = b"".join(c.public_bytes(Encoding.PEM) for c in certs)
    return PackagedTimestamp(stored.token, pem, stored.gen_time, stored.serial or "")


@dataclass
class TimestampAudit:
    problems: list[Problem] = field(default_factory=list)
    summary: dict[str, Any] = field(default_factory=dict)


def audit(svc: Services, tx: Tx) -> TimestampAudit:
    """`audit verify`: every stored token against its checkpoint's bytes (and SAKSI_TSA_CA);
    with a TSA configured, the checkpoints still waiting for one."""
    try:
        trusted = load_trusted(svc.settings.tsa_ca)
    except TsaFailure as e:
        raise InvalidInput(str(e)) from None
    result = TimestampAudit()
    rows = TimestampStore.all(tx)
    stamped = [r for r in rows if r.token is not None]
    for row in stamped:
        assert row.token is not None
        where = f"checkpoint #{row.checkpoint_id} (size {row.size})"
        try:
            stamp = verify_timestamp(row.token, row.note.encode("utf-8"), trusted=trusted)
        except TimestampError as e:
            result.problems.append(Problem(e.kind, row.last_position, None, None, f"{where}: {e}"))
            continue
        if (row.gen_time, row.serial) != (stamp.info.gen_time.isoformat(), str(stamp.info.serial)):
            detail = (
                f"{where}: stored genTime/serial {row.gen_time}/{row.serial} are not the token's"
            )
            result.problems.append(Problem("timestamp", row.last_position, None, None, detail))
    result.problems += _gaps(svc, tx, rows)
    configured = bool(svc.settings.tsa_url)
    result.summary = {
        "configured": configured,
        "stamped": len(stamped),
        "latest_gen_time": max((r.gen_time or "" for r in stamped), default=None),
        "missing": [
            {
                "checkpoint": r.checkpoint_id,
                "size": r.size,
                "attempts": r.attempts,
                "error": r.last_error,
            }
            for r in rows
            if r.token is None and configured
        ],
    }
    return result


def _gaps(svc: Services, tx: Tx, rows: list[StoredTimestamp]) -> list[Problem]:
    """Checkpoints whose signed text says a timestamp was wanted: one whose timestamp record
    is gone, and a token whose genTime is far from the sealing time it states."""
    found: list[Problem] = []
    by_checkpoint = {r.checkpoint_id: r for r in rows}
    late = svc.settings.timestamp_max_delay.total_seconds()
    for cp in MerkleStore.checkpoints(tx):
        sealed = wanted_since(cp.note)
        if sealed is None:
            continue
        where = f"checkpoint #{cp.id} (size {cp.size}, sealed {_when(sealed)})"
        row = by_checkpoint.get(cp.id)
        if row is None:
            detail = (
                f"{where} was sealed with a TSA configured, but its timestamp record is gone: "
                "the token was deleted (or never asked for)"
            )
            found.append(Problem("timestamp", cp.last_position, None, None, detail))
        elif row.gen_time is not None:
            gen = datetime.fromisoformat(row.gen_time).timestamp()
            if gen < sealed - CLOCK_SKEW_S or gen > sealed + late:
                detail = (
                    f"{where}: its token's genTime {row.gen_time} is far from the sealing "
                    f"time (allowed: up to {svc.settings.timestamp_max_delay} later): the "
                    "token was obtained for a checkpoint re-signed later, or backdated"
                )
                found.append(Problem("timestamp", cp.last_position, None, None, detail))
    return found


def _when(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, UTC).isoformat()

"""Witnesses of the archive's checkpoints (C2SP tlog-witness): asking at every seal, storing
their cosignatures, showing, packaging and auditing them.

The rules (docs/ledger.md, "Witnesses"):
- SAKSI_WITNESSES unset: nobody is asked and nothing is reported missing.
- Set: every seal (the scheduled job, each export, `saksi audit checkpoint`) asks every
  witness, in parallel, to cosign the newest checkpoint, with the size it last cosigned and a
  consistency proof from there. A 409 (the witness knows another size) is answered once more
  with a proof from the size it names. Each request waits SAKSI_WITNESS_TIMEOUT at most.
- A witness that is down, slow or refuses never blocks the seal or an export: the checkpoint
  is sealed and signed anyway, the answer is logged (logger `saksi.witnesses`) and kept, and
  the next seal asks again.
- A refusal because the checkpoint is not consistent with what the witness cosigned before
  (422, or a 409 naming a size larger than the log) is an alarm: logged as an error, kept for
  good in ledger_witness_alarms, shown on the audit page and a problem of `audit verify`.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import wait as wait_for
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from archive.errors import InvalidInput
from archive.sealing.witness_client import (
    WitnessConfig,
    WitnessDown,
    add_checkpoint,
    read_witnesses,
)
from archive.settings import Settings
from ledger import merkle
from ledger.checkpoint import CheckpointError, split_note
from ledger.cosignature import (
    CosignatureError,
    check_cosignatures,
    cosignature_lines,
    parse_cosigner_key,
    with_cosignatures,
)
from ledger.streams import Problem
from ledger.witness import add_checkpoint_body
from storage.db import Database, Tx
from storage.ledger_tables.cosignature_store import CosignatureStore
from storage.ledger_tables.merkle_store import MerkleStore, StoredCheckpoint

log = logging.getLogger("saksi.witnesses")


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


@dataclass
class _Answer:
    """One witness's answer to one request."""

    witness: WitnessConfig
    old: int
    status: int | None = None  # None: no answer (down)
    text: str = ""


def ask_after_seal(db: Database, settings: Settings, checkpoint: StoredCheckpoint) -> None:
    """Ask every configured witness to cosign `checkpoint`; store what comes back."""
    try:
        configured = read_witnesses(settings.witnesses)
    except InvalidInput as e:  # checked at start-up too (bootstrap); never blocks a seal
        log.error("witnesses not asked: %s", e)
        return
    if not configured:
        return
    with db.tx(write=False) as tx:
        have = {c.witness_key for c in CosignatureStore.of_checkpoint(tx, checkpoint.id)}
        rows = {w.key: CosignatureStore.witness(tx, w.key) for w in configured}
    asking = [w for w in configured if w.key not in have]
    if not asking:  # every witness cosigned this very checkpoint already
        return
    first = []
    for w in asking:
        row = rows[w.key]
        known = row.cosigned_size if row is not None else None
        first.append((w, known if known is not None and known <= checkpoint.size else 0))
    timeout = settings.witness_timeout.total_seconds()
    answers = _round(db, timeout, checkpoint, first)
    again = [
        (a.witness, size)
        for a in answers
        if a.status == 409 and (size := _size(a.text)) is not None and size <= checkpoint.size
    ]
    if again:
        retried = {a.witness.key: a for a in _round(db, timeout, checkpoint, again)}
        answers = [retried.get(a.witness.key, a) for a in answers]
    for answer in answers:
        _record(db, checkpoint, answer)


def _round(
    db: Database,
    timeout: float,
    checkpoint: StoredCheckpoint,
    requests: list[tuple[WitnessConfig, int]],
) -> list[_Answer]:
    """One request to each witness, all at once; the database is read here, not in threads."""
    with db.tx(write=False) as tx:
        source = MerkleStore(db).source(tx)
        bodies = [
            add_checkpoint_body(
                old, merkle.consistency_proof(old, checkpoint.size, source), checkpoint.note
            )
            for _, old in requests
        ]

    def ask(url: str, body: bytes) -> tuple[int | None, str]:
        try:
            return add_checkpoint(url, body, timeout)
        except WitnessDown as e:
            return None, str(e)

    pool = ThreadPoolExecutor(max_workers=len(requests), thread_name_prefix="witness")
    futures = [pool.submit(ask, w.url, b) for (w, _), b in zip(requests, bodies, strict=True)]
    wait_for(futures, timeout=timeout + 1)
    pool.shutdown(wait=False, cancel_futures=True)  # a straggler finishes on its own
    answers = []
    for (w, old), future in zip(requests, futures, strict=True):
        if not future.done():
            status, text = None, f"no answer within {timeout:g} s"
        elif (error := future.exception()) is not None:  # never let a witness stop a seal
            status, text = None, f"asking failed: {type(error).__name__}: {error}"
        else:
            status, text = future.result()
        answers.append(_Answer(w, old, status, text))
    return answers


def _size(text: str) -> int | None:
    line = text.strip()
    return int(line) if line.isdigit() and line.isascii() else None


def _record(db: Database, checkpoint: StoredCheckpoint, answer: _Answer) -> None:
    w, now = answer.witness, _now()
    where = (
        f"witness {w.label} ({w.cosigner.key_id}) on checkpoint #{checkpoint.id} "
        f"(size {checkpoint.size})"
    )
    with db.tx() as tx:
        if answer.status == 200:
            line = _cosignature(checkpoint.note, answer.text, w)
            if line is not None:
                CosignatureStore.add(tx, checkpoint.id, w.key, w.label, line[0], line[1], now)
                CosignatureStore.answered(
                    tx, w.key, w.label, w.url, "ok", None, checkpoint.size, now
                )
                return
            detail = "answered 200 without a valid cosignature of the checkpoint"
            status = "refused"
        elif answer.status is None:
            detail, status = answer.text, "down"
        elif answer.status == 422 or (
            answer.status == 409 and (_size(answer.text) or 0) > checkpoint.size
        ):
            detail = (
                "refused it as inconsistent with what it cosigned before: "
                f"{answer.text.strip()[:500]}"
                if answer.status == 422
                else f"has cosigned a tree of size {_size(answer.text)}, larger than this log"
            )
            CosignatureStore.alarm(tx, w.key, w.label, checkpoint.id, checkpoint.size, detail, now)
            CosignatureStore.answered(tx, w.key, w.label, w.url, "inconsistent", detail, None, now)
            log.error("ALARM: %s %s; the log was rewritten or forked", where, detail)
            return
        else:
            detail = f"refused (HTTP {answer.status}): {answer.text.strip()[:300]}"
            status = "refused"
        CosignatureStore.answered(tx, w.key, w.label, w.url, status, detail, None, now)
    log.warning("%s is not cosigned: %s; the next seal asks again", where, detail)


def _cosignature(note: str, answer: str, w: WitnessConfig) -> tuple[str, int] | None:
    """The witness's valid cosignature line of the checkpoint in its answer, and its time."""
    try:
        lines = cosignature_lines(answer)
        for line in lines:
            found = check_cosignatures(with_cosignatures(note, [line]), [w.cosigner])
            if found.valid and not found.invalid:
                return line, found.valid[0].timestamp
    except (CosignatureError, CheckpointError):
        return None
    return None


def cosigned_note(tx: Tx, checkpoint: StoredCheckpoint) -> str:
    """The checkpoint's note with every stored cosignature appended (what packages carry)."""
    lines = [c.line for c in CosignatureStore.of_checkpoint(tx, checkpoint.id)]
    return with_cosignatures(checkpoint.note, lines) if lines else checkpoint.note


def describe(settings: Settings, tx: Tx, checkpoint_id: int | None) -> dict[str, Any]:
    """The witnesses: configured, their last answer, the checkpoint's cosignatures, alarms."""
    configured = read_witnesses(settings.witnesses)
    rows = {r.witness_key: r for r in CosignatureStore.witnesses(tx)}
    cosigned = (
        {c.witness_key: c.cosigned_at for c in CosignatureStore.of_checkpoint(tx, checkpoint_id)}
        if checkpoint_id is not None
        else {}
    )
    witnesses = []
    for w in configured:
        row = rows.get(w.key)
        witnesses.append(
            {
                "name": w.label,
                "url": w.url,
                "key": w.key,
                "status": row.status if row else "not asked yet",
                "detail": row.detail if row else None,
                "cosigned_size": row.cosigned_size if row else None,
                "failed_attempts": row.attempts if row else 0,
                "cosigned_this_checkpoint": w.key in cosigned,
            }
        )
    alarms = [
        {
            "witness": a.witness,
            "checkpoint": a.checkpoint_id,
            "size": a.size,
            "detail": a.detail,
            "at": a.at,
        }
        for a in CosignatureStore.alarms(tx)
    ]
    return {"configured": bool(configured), "witnesses": witnesses, "alarms": alarms}


@dataclass
class WitnessAudit:
    problems: list[Problem]
    summary: dict[str, Any]


def audit(settings: Settings, tx: Tx) -> WitnessAudit:
    """`audit verify`: every stored cosignature against its checkpoint and witness key, and
    every alarm a witness raised (each is a problem of kind `witness`)."""
    problems: list[Problem] = []
    stored = CosignatureStore.all(tx)
    for c in stored:
        where = f"checkpoint #{c.checkpoint_id} (size {c.size})"
        try:
            cosigner = parse_cosigner_key(c.witness_key)
            split_note(c.note)
            found = check_cosignatures(with_cosignatures(c.note, [c.line]), [cosigner])
        except (CosignatureError, CheckpointError) as e:
            problems.append(Problem("cosignature", c.last_position, None, None, f"{where}: {e}"))
            continue
        if found.invalid or not found.valid:
            detail = "; ".join(found.invalid) or f"no cosignature by {cosigner.key_id}"
            problems.append(
                Problem("cosignature", c.last_position, None, None, f"{where}: {detail}")
            )
        elif found.valid[0].timestamp != c.cosigned_at:
            detail = f"{where}: the stored time of {c.witness}'s cosignature is not its own"
            problems.append(Problem("cosignature", c.last_position, None, None, detail))
    positions = {cp.id: cp.last_position for cp in MerkleStore.checkpoints(tx)}
    for a in CosignatureStore.alarms(tx):
        detail = f"witness {a.witness} on the checkpoint of size {a.size} ({a.at}): {a.detail}"
        position = positions.get(a.checkpoint_id) if a.checkpoint_id is not None else None
        problems.append(Problem("witness", position, None, None, detail))
    summary = describe(settings, tx, None)
    summary["cosignatures"] = len(stored)
    return WitnessAudit(problems, summary)

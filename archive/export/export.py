"""Evidence packages: `saksi export` and POST /api/cases/{id}/export.

authorize → record ClipExported on each clip (and CaseExported on the case), in one
transaction → seal a checkpoint, so the export events are inside the package's proofs →
collect each stream from version 1 through its export event, with inclusion proofs →
write the zip (`archive.export.package`), each original streamed from the object store and
verified as it is written. Content access is case-scoped: members of the clips' cases only;
a refusal is recorded on the case and on each clip it would have exported.
"""

from __future__ import annotations

import base64
import hashlib
import os
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from archive.cases.cases import case_view
from archive.custody import trail
from archive.custody.retrieval import authorize_content
from archive.errors import Gone, IntegrityFailure, InvalidInput
from archive.export import selection as export_redacted
from archive.export.contents import Export, Stream
from archive.export.package import package_chunks
from archive.guard import Principal
from archive.records import load_case, load_clip
from archive.sealing import seal as sealing
from archive.sealing import timestamps
from archive.services import Services
from domain.base import Context
from domain.case import Case
from domain.clip import Clip
from ledger import merkle
from ledger.checkpoint import Checkpoint
from retention.content_state import gone_message, purge_record, refuse_if_pending
from storage.ledger_tables import rows as ledger_rows

ACTION = "export"
MAX_CLIPS = 1000


def prepare_export(
    svc: Services,
    ctx: Context,
    *,
    reason: str,
    recipient: str,
    case_id: str | None = None,
    clip_ids: Sequence[str] = (),
    redacted: str = "none",
) -> Export:
    """Authorize, record the export on every stream, seal, and collect what the package holds."""
    reason, recipient = _text(reason, "a reason"), _text(recipient, "a recipient")
    export_redacted.check_mode(redacted)
    if (case_id is None) == (not clip_ids):
        raise InvalidInput("export a case or clips: give either --case or --clip")
    case = load_case(svc.events, case_id) if case_id is not None else None
    who, clips = _authorize_case(svc, ctx, case) if case else _authorize_clips(svc, ctx, clip_ids)
    clips, sources = export_redacted.select(
        svc, clips, redacted, lambda clip_id: authorize_content(svc, ctx, clip_id, ACTION)[1]
    )
    return record_export(
        svc,
        who,
        reason=reason,
        recipient=recipient,
        case=case,
        clips=clips,
        sources=sources,
        redacted=redacted,
    )


def record_export(
    svc: Services,
    who: Principal,
    *,
    reason: str,
    recipient: str,
    case: Case | None,
    clips: list[Clip],
    export_id: str | None = None,
    sources: Sequence[tuple[Clip, int]] = (),
    redacted: str = "none",
) -> Export:
    """For clips (and their case) already authorized: record, seal and collect (a share's
    package comes here, authorized by its link: archive/sharing/links.py)."""
    ctx = who.ctx  # what the events record
    export_id = export_id or str(uuid.uuid4())
    case, clips = _record(svc, ctx, export_id, recipient, reason, case, clips)
    checkpoint = sealing.checkpoint_now(svc)
    wanted = [("clip", c.clip_id, c.id, c.version) for c in clips]
    wanted += [("clip", s.clip_id, s.id, upto) for s, upto in sources]
    if case is not None:
        wanted.append(("case", case.case_id, case.id, case.version))
    return Export(
        export_id=export_id,
        ctx=ctx,
        recipient=recipient,
        reason=reason,
        exported_at=clips[0].modified_on,
        checkpoint=checkpoint,
        verifier_key=sealing.key_string(svc),
        case=case_view(svc.db, case.case_id) if case else None,
        clips=clips,
        clip_views={
            c.clip_id: trail.clip_metadata(svc.db, c.clip_id) or {}
            for c in [*clips, *(s for s, _ in sources)]
        },
        streams=_collect(svc, checkpoint, wanted),
        redacted=redacted,
        sources=[s for s, _ in sources],
        timestamp=timestamps.packaged(svc, checkpoint.size),
    )


def _text(value: str, what: str) -> str:
    if not value or not value.strip():
        raise InvalidInput(f"{what} is required")
    if any(ord(c) < 32 and c not in "\t" for c in value):
        raise InvalidInput(f"{what} may not hold control characters")
    return value.strip()


def _authorize_case(
    svc: Services, ctx: Context, case: Case, action: str = ACTION
) -> tuple[Principal, list[Clip]]:
    clips = [load_clip(svc.events, cid) for cid in case.clip_ids]
    who = svc.guard.require(ctx, "content.read", target=case, also=clips)
    if not case.is_member(who.name):
        detail = f"{who.name} is not a member of case {case.case_id}"
        svc.guard.refuse(ctx, action, detail, case, also=clips)
    clips = [c for c in clips if c.derived_from is None]  # copies come with --redacted
    if not clips:
        raise InvalidInput(f"case {case.case_id} holds no clips to export")
    for clip in clips:
        if clip.status != "active":
            raise Gone(
                f"{gone_message(clip)}; export the case's other clips with --clip",
                purge=purge_record(clip),
            )
        refuse_if_pending(clip)
    return who, clips


def _authorize_clips(
    svc: Services, ctx: Context, clip_ids: Sequence[str], action: str = ACTION
) -> tuple[Principal, list[Clip]]:
    unique = list(dict.fromkeys(clip_ids))
    if len(unique) > MAX_CLIPS:
        raise InvalidInput(f"at most {MAX_CLIPS} clips in one package")
    let_in = [authorize_content(svc, ctx, clip_id, action) for clip_id in unique]
    return let_in[0][0], [clip for _who, clip in let_in]


def _record(
    svc: Services,
    ctx: Context,
    export_id: str,
    recipient: str,
    reason: str,
    case: Case | None,
    clips: list[Clip],
) -> tuple[Case | None, list[Clip]]:
    """ClipExported on every clip and CaseExported on the case, saved together."""
    Loaded = tuple[Case | None, list[Clip]]

    def reload() -> Loaded:
        fresh = load_case(svc.events, case.case_id) if case is not None else None
        return fresh, [load_clip(svc.events, c.clip_id) for c in clips]

    def record(loaded: Loaded) -> tuple[list[Aggregate], Loaded]:
        case, clips = loaded
        for clip in clips:
            clip.record_export(export_id, recipient, reason, ctx)
        if case is not None:
            ids = [c.clip_id for c in clips]
            case.record_export(export_id, recipient, reason, ids, ctx)
        return [*([case] if case else []), *clips], loaded

    return svc.events.save_reloading((case, clips), reload, record)


def _collect(
    svc: Services, checkpoint: Checkpoint, wanted: list[tuple[str, str, UUID, int]]
) -> list[Stream]:
    """Each stream through its export event, every event sealed inside the checkpoint."""
    streams = []
    store = svc.merkle
    for kind, label, oid, upto in wanted:
        rows = [r for r in ledger_rows.stream_with_links(svc.db, oid) if int(r["v"]) <= upto]
        for r in rows:
            if r["h"] is None or r["leaf"] is None or int(r["leaf"]) >= checkpoint.size:
                raise IntegrityFailure(
                    f"{kind} {label} v{r['v']} has no chain link or is not sealed in "
                    f"checkpoint {checkpoint.size}: run `saksi audit verify`"
                )
        with svc.db.tx(write=False) as tx:
            source = store.source(tx)
            proofs = [merkle.inclusion_proof(int(r["leaf"]), checkpoint.size, source) for r in rows]
        decoded, _ = trail.decode(svc, oid, rows)
        events = [_packaged(r, proof) for r, proof in zip(rows, proofs, strict=True)]
        streams.append(Stream(kind, label, oid, events, decoded))
    return streams


def _packaged(row: dict[str, Any], proof: list[bytes]) -> dict[str, Any]:
    return {
        "version": int(row["v"]),
        "position": int(row["pos"]),
        "leaf_index": int(row["leaf"]),
        "topic": row["topic"],
        "state": base64.b64encode(bytes(row["state"])).decode("ascii"),
        "prev_hash": bytes(row["prev"]).hex(),
        "hash": bytes(row["h"]).hex(),
        "inclusion_proof": [p.hex() for p in proof],
    }


def export_to_file(
    svc: Services,
    ctx: Context,
    *,
    out: Path,
    reason: str,
    recipient: str,
    case_id: str | None = None,
    clip_ids: Sequence[str] = (),
    progress: Callable[[int, int], None] | None = None,
    redacted: str = "none",
) -> dict[str, Any]:
    """`saksi export`: the package written to `out` (via a temporary file beside it)."""
    if out.is_dir():
        raise InvalidInput(f"{out} is a folder; give a file name")
    if not out.parent.is_dir():
        raise InvalidInput(f"no folder {out.parent}")
    export = prepare_export(
        svc,
        ctx,
        reason=reason,
        recipient=recipient,
        case_id=case_id,
        clip_ids=clip_ids,
        redacted=redacted,
    )
    tmp = out.with_name(f".{out.name}.part")
    digest, size = hashlib.sha256(), 0
    try:
        with open(tmp, "wb") as f:
            for chunk in package_chunks(svc, export, progress):
                f.write(chunk)
                digest.update(chunk)
                size += len(chunk)
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)
    return {**summary(export), "out": str(out), "size_bytes": size, "sha256": digest.hexdigest()}


def summary(export: Export) -> dict[str, Any]:
    return {
        "export_id": export.export_id,
        "case_id": export.case["case_id"] if export.case else None,
        "clip_ids": [c.clip_id for c in export.clips],
        "clips": len(export.clips),
        "events": export.events,
        "recipient": export.recipient,
        "reason": export.reason,
        "exported_by": export.ctx.actor,
        "exported_at": export.exported_at.isoformat(),
        "checkpoint": {"size": export.checkpoint.size, "root": export.checkpoint.root.hex()},
        "redacted": export.redacted,
        "source_clip_ids": [s.clip_id for s in export.sources],
    }

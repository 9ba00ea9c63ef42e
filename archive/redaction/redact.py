"""`saksi redact` and POST /api/clips/{id}/redactions: a redacted copy of a clip.

Authorize (a content role and membership of a case holding the clip; refusals land on the
clip's trail) → check the boxes against the clip's picture and duration → copy the original
into a work folder, verified against its SHA-256 → ffmpeg makes the copy
(archive/redaction/render.py) and ffprobe checks it → the copy and its poster frame are
stored content-addressed and locked like an original → one transaction records the copy's
ClipIngested (with its derivation) and the original's RedactedCopyMade → the copy joins the
original's open cases, so the same members reach it and retention and case holds follow it.
Any failure before the transaction leaves nothing recorded; the original is only ever read.
"""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from eventsourcing.domain import Aggregate

from archive.cases.cases import attach_clip
from archive.custody.retrieval import authorize_content, clip_view, fetch_verified
from archive.errors import InvalidInput
from archive.ingest import derivatives, media
from archive.records import load_cases, load_clip
from archive.redaction import render as redaction_media
from archive.services import Services
from archive.views import local
from domain.base import Context
from domain.clip import Clip
from domain.redaction import Box, check_boxes, check_redactable, make_redacted_copy
from retention import calc as retention_calc
from storage.objects.port import StoredObject
from storage.readmodels import queries

ACTION = "clip.redact"
DERIVATION_SHOWN = ("derived_from", "source_sha256", "ffmpeg", "boxes", "mode", "mute")


def redact(
    svc: Services,
    ctx: Context,
    *,
    clip_id: str,
    boxes: Sequence[Box],
    reason: str,
    mode: str = "blur",
    mute: bool = False,
) -> dict[str, Any]:
    if not reason.strip():
        raise InvalidInput("a reason is required")
    who, original = authorize_content(svc, ctx, clip_id, ACTION)
    check_redactable(original)
    m = original.media
    check_boxes(list(boxes), int(m["width"]), int(m["height"]), float(m["duration_s"]), mode)
    cases = [c for c in load_cases(svc.events, original.case_ids) if c.is_open]
    if original.case_ids and not cases:
        raise InvalidInput(
            f"clip {clip_id} is only in closed cases ({', '.join(original.case_ids)}): its "
            "redacted copy would belong to no case"
        )
    svc.objects.check()  # an unusable store fails now (exit 3), before the encoding
    cls = original.retention_class
    policies = retention_calc.Policies.read(svc.db)  # read once for both
    until = policies.retain_until(original.start, cls, [])
    lock = policies.store_lock(original.start, cls, until)
    with tempfile.TemporaryDirectory(prefix="saksi-redact-") as work:
        source, out = Path(work) / "original", Path(work) / "redacted.mp4"
        fetch_verified(svc, original, source, "nothing was redacted")
        ffmpeg = redaction_media.redact(
            source, media.read_metadata(source), list(boxes), mode, mute, out
        )
        info = media.probe(out)
        poster = derivatives.poster(out, info, Path(work) / "poster.jpg")
        stored = _store(svc, out, lock)
        stored_poster = _store(svc, poster.path, lock)
    copy_id = uuid.uuid4()

    def record(original: Clip) -> tuple[list[Aggregate], tuple[Clip, Clip]]:
        copy = make_redacted_copy(
            original,
            copy_id=copy_id,
            sha256=stored.sha256,
            size_bytes=stored.size_bytes,
            media=info.as_dict(),
            storage=stored.reference(),
            retain_until=until,
            ffmpeg=ffmpeg,
            boxes=list(boxes),
            mode=mode,
            mute=mute,
            deduplicated=stored.existed,
            reason=reason,
            ctx=ctx,
        )
        copy.add_derivative(
            "poster", stored_poster.sha256, stored_poster.size_bytes,
            stored_poster.reference(), poster.made_with, ctx,
        )  # fmt: skip
        if original.legal_hold:  # a held clip's copy is held with it (retention/holds.py)
            copy.apply_source_hold(
                original.clip_id, f"made from clip {original.clip_id}, on hold", ctx
            )
        return [original, copy], (original, copy)

    # The original may change meanwhile (a view): then it is reloaded and the copy made again.
    original, copy = svc.events.save_reloading(
        original, lambda: load_clip(svc.events, clip_id), record
    )
    if copy.source_holds:
        retention_calc.hold_objects(svc, copy)
    for case in cases:
        copy = attach_clip(svc, who, case, copy, reason)
    return {
        **clip_view(svc.db, copy.clip_id),
        "source_sha256": original.sha256,
        "ffmpeg": ffmpeg,
        "boxes": [b.as_dict() for b in boxes],
        "mode": mode,
        "mute": mute,
    }


def _store(svc: Services, path: Path, lock: datetime) -> StoredObject:
    with open(path, "rb") as f:
        return svc.objects.put(f, retain_until=lock, expected_sha256=media.hash_file(path))


def lineage(svc: Services, ctx: Context, clip_id: str, derived_from: str | None) -> dict[str, Any]:
    """What the clip page shows of redaction (metadata, no content): an original's redacted
    copies; for a copy, how it was made, as its ClipIngested records it."""
    svc.guard.require(ctx, "metadata.search", target=f"clip:{clip_id}")
    copies = [
        {**r, "made_at": local(r["made_at"])} for r in queries.redacted_copies(svc.db, clip_id)
    ]
    derivation = None
    if derived_from is not None:
        source = load_clip(svc.events, clip_id).source
        derivation = {k: source.get(k) for k in DERIVATION_SHOWN}
    return {"copies": copies, "derivation": derivation}

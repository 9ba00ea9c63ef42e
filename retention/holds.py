"""Legal holds on a clip or a whole case, mirrored on the object store.

A case hold is recorded on the case and, in the same transaction, on every active clip of
the case, so a sweep deciding on a clip always sees it (its intent would conflict). Likewise a
hold on a clip is mirrored on each of its active redacted copies (`SourceHoldApplied`): what
was disclosed of held evidence is kept with it. The
store's legal hold on an object is on while any active held clip references it (content is
shared between clips with the same SHA-256).

Who: investigators place holds on their own cases (cases they are members of) and on clips
in them; admins place and release any hold.
"""

from __future__ import annotations

from typing import Any

from archive.errors import InvalidInput
from archive.records import load_case, load_cases, load_clip
from archive.services import Services
from domain.base import Context
from domain.case import Case
from domain.clip import Clip
from retention.batch import load
from retention.calc import set_object_hold
from storage.readmodels import retention_queries as rq


def set_hold(
    svc: Services,
    ctx: Context,
    *,
    on: bool,
    reason: str,
    clip_id: str | None = None,
    case_id: str | None = None,
) -> dict[str, Any]:
    """Place (on) or release a legal hold on one clip or on a whole case."""
    if (clip_id is None) == (case_id is None):
        raise InvalidInput("give exactly one of --clip ID or --case ID")
    if not reason or not reason.strip():
        raise InvalidInput("a reason is required")
    reason = reason.strip()
    action = "hold.place" if on else "hold.release"  # releasing is for admins only
    if clip_id is not None:
        clip = load_clip(svc.events, clip_id)
        who = svc.guard.require(ctx, action, target=clip)
        if who.role != "admin" and not _member_of_a_case(svc, who.name, clip):
            svc.guard.refuse(
                ctx, action, f"{who.name} is not a member of a case of this clip", clip
            )

        return _done(svc, f"clip:{clip.clip_id}", on, _on_clip(svc, ctx, clip.clip_id, on, reason))
    assert case_id is not None
    case = load_case(svc.events, case_id)
    who = svc.guard.require(ctx, action, target=case)
    if who.role != "admin":
        svc.guard.require_member(who, case, action, case)
    return _done(svc, f"case:{case_id}", on, _on_case(svc, ctx, case_id, on, reason))


def _member_of_a_case(svc: Services, user: str, clip: Clip) -> bool:
    return any(c.is_member(user) for c in load_cases(svc.events, clip.case_ids))


def _on_clip(svc: Services, ctx: Context, clip_id: str, on: bool, reason: str) -> list[Clip]:
    """Change the clip and each of its active redacted copies in one transaction."""
    why = f"clip {clip_id} {'on hold' if on else 'hold released'}: {reason}"

    def once() -> tuple[list[Clip], list[Clip]]:  # again after a view or an export meanwhile
        clip = load_clip(svc.events, clip_id)
        (clip.place_legal_hold if on else clip.release_legal_hold)(reason, ctx)
        copies = [c for c in load(svc, Clip, list(clip.redactions)) if c.status == "active"]
        for copy in copies:
            if on and clip_id not in copy.source_holds:
                copy.apply_source_hold(clip_id, why, ctx)
            elif not on and clip_id in copy.source_holds:
                copy.lift_source_hold(clip_id, why, ctx)
        return [clip, *copies], [clip, *copies]

    return svc.events.save_retrying(once)


def _on_case(svc: Services, ctx: Context, case_id: str, on: bool, reason: str) -> list[Clip]:
    """Change the case and each of its active clips in one transaction (retried on conflict)."""
    why = f"case {case_id} {'on hold' if on else 'hold released'}: {reason}"

    def once() -> tuple[list[Case | Clip], list[Clip]]:
        case = load_case(svc.events, case_id)
        (case.place_legal_hold if on else case.release_legal_hold)(reason, ctx)
        clips = [c for c in load(svc, Clip, case.clip_ids) if c.status == "active"]
        for clip in clips:
            if on and case_id not in clip.case_holds:
                clip.apply_case_hold(case_id, why, ctx)
            elif not on and case_id in clip.case_holds:
                clip.lift_case_hold(case_id, why, ctx)
        return [case, *clips], clips

    return svc.events.save_retrying(once)


def sync_object_holds(svc: Services, clips: list[Clip]) -> int:
    """Set or clear the store's legal hold on every version of these clips' objects: on while
    any active held clip references the object. Returns how many versions were set."""
    keys = sorted({key for c in clips for _kind, key, _v in c.object_refs()})
    held = rq.active_refs(svc.db, keys, held_only=True)
    return sum(set_object_hold(svc, key, key in held) for key in keys)


def _done(svc: Services, hold_id: str, on: bool, clips: list[Clip]) -> dict[str, Any]:
    return {
        "hold_id": hold_id,
        "legal_hold": on,
        "clip_ids": [c.clip_id for c in clips],
        "objects": sync_object_holds(svc, clips),
    }


def parse_hold_id(hold_id: str) -> tuple[str | None, str | None]:
    """`clip:<id>` or `case:<id>` (as `set_hold` returns it) to (clip_id, case_id)."""
    kind, _, value = hold_id.partition(":")
    if kind not in ("clip", "case") or not value:
        raise InvalidInput(f"invalid hold id {hold_id!r}: expected clip:ID or case:ID")
    return (value, None) if kind == "clip" else (None, value)

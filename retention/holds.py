"""Legal holds on a clip or a whole case, mirrored on the object store.

A case hold is recorded on the case and, in the same transaction, on every active clip of
the case, so a sweep deciding on a clip always sees it (its intent would conflict). The
store's legal hold on an object is on while any active held clip references it (content is
shared between clips with the same SHA-256).

Who: investigators place holds on their own cases (cases they are members of) and on clips
in them; admins place and release any hold.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from eventsourcing.persistence import IntegrityError

from archive.bootstrap import Services
from archive.cases import load_case, load_clip
from archive.errors import InvalidInput
from archive.retention_calc import load_cases, set_object_hold
from domain.base import Context
from domain.case import Case
from domain.clip import Clip
from retention.batch import load
from storage import retention_queries as rq

ATTEMPTS = 8


def _target(clip_id: str | None, case_id: str | None) -> None:
    if (clip_id is None) == (case_id is None):
        raise InvalidInput("give exactly one of --clip ID or --case ID")


def _reason(reason: str) -> str:
    if not reason or not reason.strip():
        raise InvalidInput("a reason is required")
    return reason.strip()


def place(
    svc: Services,
    ctx: Context,
    *,
    reason: str,
    clip_id: str | None = None,
    case_id: str | None = None,
) -> dict[str, Any]:
    _target(clip_id, case_id)
    reason = _reason(reason)
    if clip_id is not None:
        clip = load_clip(svc, clip_id)
        who = svc.guard.require(ctx, "hold.place", target=clip)
        if who.role != "admin" and not _member_of_a_case(svc, who.name, clip):
            svc.guard.refuse(
                ctx, "hold.place", f"{who.name} is not a member of a case of this clip", clip
            )
        clip = svc.events.update(Clip, clip.id, lambda c: c.place_legal_hold(reason, ctx))
        return _done(svc, f"clip:{clip.clip_id}", True, [clip])
    assert case_id is not None
    case = load_case(svc, case_id)
    who = svc.guard.require(ctx, "hold.place", target=case)
    if who.role != "admin":
        svc.guard.require_member(who, case, "hold.place", case)

    def hold(clip: Clip) -> None:
        if case_id not in clip.case_holds:
            clip.apply_case_hold(case_id, f"case {case_id} on hold: {reason}", ctx)

    clips = _on_case(svc, case_id, lambda k: k.place_legal_hold(reason, ctx), hold)
    return _done(svc, f"case:{case_id}", True, clips)


def release(
    svc: Services,
    ctx: Context,
    *,
    reason: str,
    clip_id: str | None = None,
    case_id: str | None = None,
) -> dict[str, Any]:
    _target(clip_id, case_id)
    reason = _reason(reason)
    if clip_id is not None:
        clip = load_clip(svc, clip_id)
        svc.guard.require(ctx, "hold.release", target=clip)
        clip = svc.events.update(Clip, clip.id, lambda c: c.release_legal_hold(reason, ctx))
        return _done(svc, f"clip:{clip.clip_id}", False, [clip])
    assert case_id is not None
    case = load_case(svc, case_id)
    svc.guard.require(ctx, "hold.release", target=case)

    def lift(clip: Clip) -> None:
        if case_id in clip.case_holds:
            clip.lift_case_hold(case_id, f"case {case_id} hold released: {reason}", ctx)

    clips = _on_case(svc, case_id, lambda k: k.release_legal_hold(reason, ctx), lift)
    return _done(svc, f"case:{case_id}", False, clips)


def _member_of_a_case(svc: Services, user: str, clip: Clip) -> bool:
    return any(c.is_member(user) for c in load_cases(svc, clip.case_ids))


def _on_case(
    svc: Services, case_id: str, on_case: Callable[[Case], None], on_clip: Callable[[Clip], None]
) -> list[Clip]:
    """Change the case and each of its active clips in one transaction (retried on conflict)."""
    for attempt in range(ATTEMPTS):
        case = load_case(svc, case_id)
        on_case(case)
        clips = [c for c in load(svc, Clip, case.clip_ids) if c.status == "active"]
        for clip in clips:
            on_clip(clip)
        try:
            svc.events.save(case, *clips)
            return clips
        except IntegrityError:
            if attempt == ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


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

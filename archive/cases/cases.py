"""Cases: open, add members, attach clips, close, show."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from eventsourcing.domain import Aggregate

from archive import views
from archive.errors import AlreadyExists, NotFound
from archive.guard import Principal
from archive.records import load_case, load_clip
from archive.services import Services
from domain.base import Context
from domain.case import Case, check_case_id
from domain.clip import Clip
from domain.user import User
from retention import calc as retention_calc
from storage.db import Database
from storage.readmodels import queries


def _require_user(svc: Services, name: str) -> None:
    if svc.events.find(User, User.create_id(name)) is None:
        raise NotFound(f"no user {name}")


def open_case(
    svc: Services, ctx: Context, *, case_id: str, kind: str, title: str, members: list[str]
) -> dict[str, Any]:
    svc.guard.require(ctx, "case.open", target=f"case:{case_id}")
    for m in members:
        _require_user(svc, m)
    case = Case.open(case_id, kind, title, ctx.actor, members, ctx)
    if svc.events.find(Case, case.id) is not None:
        raise AlreadyExists(f"case {case_id} already exists")
    svc.events.save(case)
    return case_view(svc.db, case_id)


def _require_case_role(svc: Services, ctx: Context, action: str, case: Case) -> Principal:
    who = svc.guard.require(ctx, action, target=case)
    if who.role != "admin":
        svc.guard.require_member(who, case, action, case)
    return who


def assign(svc: Services, ctx: Context, *, case_id: str, user: str) -> dict[str, Any]:
    case = load_case(svc.events, case_id)
    _require_case_role(svc, ctx, "case.assign", case)
    _require_user(svc, user)
    svc.events.update(Case, case.id, lambda c: c.add_member(user, ctx))
    return case_view(svc.db, case_id)


def attach(
    svc: Services, ctx: Context, *, case_id: str, clip_id: str, reason: str
) -> dict[str, Any]:
    case = load_case(svc.events, case_id)
    clip = load_clip(svc.events, clip_id)
    who = _require_case_role(svc, ctx, "case.attach", case)
    if not svc.guard.may_use_clip(who, clip):
        svc.guard.refuse(ctx, "case.attach", f"{who.name} has no access to clip {clip_id}", clip)
    attach_clip(svc, who, case, clip, reason)
    return case_view(svc.db, case_id)


def attach_clip(svc: Services, who: Principal, case: Case, clip: Clip, reason: str) -> Clip:
    """Record the attachment on both streams in one transaction, then extend retention."""
    return _attach(svc, who, case, clip, lambda: load_clip(svc.events, str(clip.clip_id)), reason)


def ingest_into_case(
    svc: Services, who: Principal, case: Case, make_clip: Callable[[], Clip], reason: str
) -> Clip:
    """Save a new clip and its attachment to `case` in one transaction, so that a clip is never
    recorded outside the case its ingest named. `make_clip` builds the unsaved clip afresh for
    each attempt (a failed save has taken the pending events of the one before)."""
    return _attach(svc, who, case, make_clip(), make_clip, reason)


def _attach(
    svc: Services,
    who: Principal,
    case: Case,
    clip: Clip,
    again: Callable[[], Clip],
    reason: str,
) -> Clip:
    ctx = who.ctx  # what the events record

    def record(both: tuple[Case, Clip]) -> tuple[list[Aggregate], tuple[Case, Clip]]:
        case, clip = both
        case.attach(clip.clip_id, reason, ctx)
        clip.attach_to_case(case.case_id, reason, ctx)
        retention_calc.refresh(svc.db, svc.events, clip, f"attached to case {case.case_id}", ctx)
        if case.on_hold:  # a held case holds every clip it takes in
            clip.apply_case_hold(case.case_id, f"attached to case {case.case_id}, on hold", ctx)
        return [case, clip], both

    case, clip = svc.events.save_reloading(
        (case, clip), lambda: (load_case(svc.events, case.case_id), again()), record
    )
    retention_calc.push_lock(svc, clip)
    if case.on_hold:
        retention_calc.hold_objects(svc, clip)
    return clip


def close_case(svc: Services, ctx: Context, *, case_id: str, reason: str) -> dict[str, Any]:
    case = load_case(svc.events, case_id)
    _require_case_role(svc, ctx, "case.close", case)
    svc.events.update(Case, case.id, lambda c: c.close(reason, ctx))

    def recompute(clip: Clip) -> None:
        if clip.status == "active":
            retention_calc.refresh(svc.db, svc.events, clip, f"case {case_id} closed", ctx)

    for clip_id in case.clip_ids:
        clip = svc.events.update(Clip, load_clip(svc.events, clip_id).id, recompute)
        if clip.status == "active":
            retention_calc.push_lock(svc, clip)
    return case_view(svc.db, case_id)


def show_case(svc: Services, ctx: Context, case_id: str) -> dict[str, Any]:
    svc.guard.require(ctx, "metadata.search", target=f"case:{case_id}")
    return case_view(svc.db, case_id)


def case_view(db: Database, case_id: str) -> dict[str, Any]:
    """What `case show` prints, from the read model."""
    row = queries.case_row(db, check_case_id(case_id))
    if row is None:
        raise NotFound(f"no case {case_id}")
    return views.case(row)


def list_cases(svc: Services, ctx: Context, *, mine: bool = False) -> list[dict[str, Any]]:
    """Cases (metadata, any role), newest first; `mine`: those the caller is a member of."""
    svc.guard.require(ctx, "metadata.search", target="cases")
    rows = queries.cases(svc.db, member=ctx.actor if mine else None)
    return [views.case(r) for r in rows]

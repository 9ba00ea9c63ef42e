"""`audit replay`: what the archive held at a moment, by replaying the log up to it.

Read models show the present; this folds the events themselves (timestamp <= until), so its
answer does not depend on any table but the event log.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from archive.services import Services
from domain.base import Context
from domain.camera import Camera
from domain.case import Case
from domain.clip import Clip
from domain.user import User

PAGE = 1000


def _events(svc: Services) -> Any:
    recorder = svc.store.recorder
    start = 0
    while True:
        page = recorder.select_notifications(start, PAGE, inclusive_of_start=False)
        for n in page:
            yield svc.store.mapper.to_domain_event(n)
        if len(page) < PAGE:
            return
        start = page[-1].id


def state_as_of(svc: Services, ctx: Context, until: datetime | None = None) -> dict[str, Any]:
    svc.guard.require(ctx, "audit", target="ledger")
    return fold(_events(svc), until)


def fold(events: Iterable[Any], until: datetime | None = None) -> dict[str, Any]:
    """The archive's state after these domain events (those stamped after `until` skipped)."""
    clips: dict[str, dict[str, Any]] = {}
    cases: dict[Any, dict[str, Any]] = {}
    users: set[str] = set()
    cameras: set[str] = set()
    applied = 0
    for e in events:
        if until is not None and e.timestamp > until:
            continue  # notification order is nearly, not strictly, time order
        applied += 1
        _apply(e, clips, cases, users, cameras)
    case_list = list(cases.values())
    return {
        "until": until.isoformat() if until else None,
        "events": applied,
        "users": len(users),
        "cameras": len(cameras),
        "cases": {
            "open": sum(c["status"] == "open" for c in case_list),
            "closed": sum(c["status"] == "closed" for c in case_list),
        },
        "clips": {
            "active": sum(c["status"] == "active" for c in clips.values()),
            "purged": sum(c["status"] == "purged" for c in clips.values()),
        },
        "clip_list": sorted(clips.values(), key=lambda c: (c["start"], c["clip_id"])),
    }


def _apply(
    e: Any,
    clips: dict[str, dict[str, Any]],
    cases: dict[Any, dict[str, Any]],
    users: set[str],
    cameras: set[str],
) -> None:
    clip = clips.get(str(e.originator_id))
    if isinstance(e, Clip.ClipIngested):
        clips[str(e.originator_id)] = {
            "clip_id": str(e.originator_id),
            "camera_id": e.camera_id,
            "sha256": e.sha256,
            "start": e.start.isoformat(),
            "end": e.end.isoformat(),
            "retain_until": e.retain_until.isoformat(),
            "status": "active",
            "legal_hold": False,
            "case_ids": [],
        }
    elif clip is not None:
        if isinstance(e, Clip.AttachedToCase):
            clip["case_ids"].append(e.case_id)
        elif isinstance(e, Clip.RetentionChanged):
            clip["retain_until"] = e.retain_until.isoformat()
        elif isinstance(e, (Clip.LegalHoldPlaced, Clip.LegalHoldReleased)):
            clip["legal_hold"] = isinstance(e, Clip.LegalHoldPlaced)
        elif isinstance(e, Clip.ClipPurged):
            clip["status"] = "purged"
    elif isinstance(e, Case.CaseOpened):
        cases[e.originator_id] = {"case_id": e.case_id, "status": "open"}
    elif isinstance(e, Case.CaseClosed) and e.originator_id in cases:
        cases[e.originator_id]["status"] = "closed"
    elif isinstance(e, User.UserRegistered):
        users.add(e.name)
    elif isinstance(e, Camera.CameraRegistered):
        cameras.add(e.camera_id)


def rebuild_read_models(svc: Services, ctx: Context) -> int:
    """Drop the read-model tables and project them again from the whole log."""
    svc.guard.require(ctx, "audit", target="ledger")
    return svc.projector.rebuild()

"""A clip's custody trail, for those who may see it: auditors and admins (the access table's
"trails"), and the members of a case holding the clip - the trail is part of the evidence
they hand on, and an export carries it anyway. Anyone else is refused, and that is recorded.

The trail itself is the ledger's (archive.custody.trail): the clip's hash-chained stream, each link
re-checked, with each event's Merkle leaf once sealed.
"""

from __future__ import annotations

from typing import Any

from archive.custody import trail
from archive.guard import PERMISSIONS
from archive.records import load_clip
from archive.services import Services
from domain.base import Context


def custody_trail(svc: Services, ctx: Context, clip_id: str) -> dict[str, Any]:
    clip = load_clip(svc.events, clip_id)
    who = svc.guard.require(ctx, "metadata.search", target=clip)
    auditing = who.role in PERMISSIONS["audit"]
    member = who.role in PERMISSIONS["content.read"] and svc.guard.may_use_clip(who, clip)
    if not (auditing or member):
        svc.guard.refuse(
            ctx,
            "clip.trail",
            f"{who.name} may not read this trail: not an auditor, nor a member of its case",
            clip,
        )
    return trail.build_trail(svc, clip_id)  # access checked above

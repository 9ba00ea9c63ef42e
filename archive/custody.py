"""A clip's custody trail, for those who may see it: auditors and admins (the access table's
"trails"), and the members of a case holding the clip - the trail is part of the evidence
they hand on, and an export carries it anyway. Anyone else is refused, and that is recorded.

The trail itself is the ledger's (archive.trail): the clip's hash-chained stream, each link
re-checked, with each event's Merkle leaf once sealed.
"""

from __future__ import annotations

from typing import Any

from archive import trail
from archive.access import PERMISSIONS
from archive.bootstrap import Services
from archive.cases import load_clip, may_use_clip
from domain.base import Context


def custody_trail(svc: Services, ctx: Context, clip_id: str) -> dict[str, Any]:
    clip = load_clip(svc, clip_id)
    who = svc.guard.require(ctx, "metadata.search", target=clip)
    auditing = who.role in PERMISSIONS["audit"]
    member = who.role in PERMISSIONS["content.read"] and may_use_clip(svc, who, clip)
    if not (auditing or member):
        svc.guard.refuse(
            ctx,
            "clip.trail",
            f"{who.name} may not read this trail: not an auditor, nor a member of its case",
            clip,
        )
    return trail.trail(svc, clip_id)  # access checked above

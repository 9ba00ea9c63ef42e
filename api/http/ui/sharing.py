"""The case page's shares: a link for a recipient outside the archive, and its revocation.

The same use cases as `POST /api/shares`, `DELETE /api/shares/{id}` and `saksi share`: members
of the case with a content-reading role share it (refusals are recorded on the case and its
clips); its creator, an admin or such a member revokes. The link holds a token the archive
keeps only hashed, so the page that answers the form is the only one that shows it.
"""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import Response

from api.http.deps import Run
from api.http.ui.investigate import show_case_page
from api.http.ui.web import Form, SignedIn, UiRoute, redirect
from archive.errors import InvalidInput
from archive.sharing import shares

router = APIRouter(route_class=UiRoute, include_in_schema=False)
MAX_DAYS = shares.MAX_EXPIRY.days


def _days(text: str) -> str:
    """The form's "works for N days" as the use case's duration (P{N}D)."""
    text = text.strip()
    if not text.isdigit() or not 1 <= int(text) <= MAX_DAYS:
        raise InvalidInput(f"a share works for 1 to {MAX_DAYS} days, not {text!r}")
    return f"P{int(text)}D"


@router.post("/cases/{case_id:path}/shares")
async def share_case(
    request: Request, case_id: str, viewer: SignedIn, run: Run, form: Form
) -> Response:
    """Share the whole case; the answer is the case page showing the link, this once."""
    created = await run(
        shares.create_share,
        viewer.ctx,
        recipient=form.get("recipient", ""),
        expires=shares.lifetime(_days(form.get("days", ""))),
        view_only=form.get("view_only") == "1",
        case_id=case_id,
        reason=form.get("reason", ""),
    )
    return await show_case_page(request, case_id, viewer, run, created=created)


@router.post("/cases/{case_id:path}/shares/{share_id}/revoke")
async def revoke_share(
    request: Request, case_id: str, share_id: UUID, viewer: SignedIn, run: Run, form: Form
) -> Response:
    await run(
        shares.revoke_share, viewer.ctx, share_id=str(share_id), reason=form.get("reason", "")
    )
    return redirect(f"/cases/{case_id}")

"""`saksi retention restore`: take a clip out of its recovery window (safe deletion)."""

from __future__ import annotations

import typer

from api.cli.common import ACTOR_HELP, emit, services, user_context
from retention import recovery


def restore(
    clip_id: str = typer.Argument(..., metavar="CLIP_ID"),
    actor: str | None = typer.Option(None, "--actor", help=ACTOR_HELP),
    reason: str = typer.Option(..., "--reason"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Restore a clip pending deletion (admins): its content is readable again and its
    retain-until moves one recovery window past now. Exit 2 when it is not pending deletion
    or its window is over."""
    with services() as svc:
        result = recovery.restore(svc, user_context(svc, actor), clip_id=clip_id, reason=reason)
    emit(
        result,
        as_json,
        lambda r: f"restored {r['clip_id']}: retain-until {r['retain_until']} ({r['reason']})",
    )

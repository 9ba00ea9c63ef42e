"""`saksi retention restore`: take a clip out of its recovery window (safe deletion)."""

from __future__ import annotations

import typer

from api.cli.common import cli_context, emit, services
from retention import recovery


def restore(
    clip_id: str = typer.Argument(..., metavar="CLIP_ID"),
    actor: str = typer.Option(..., "--actor"),
    reason: str = typer.Option(..., "--reason"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Restore a clip pending deletion (admins): its content is readable again and its
    retain-until moves one recovery window past now. Exit 2 when it is not pending deletion
    or its window is over."""
    with services() as svc:
        result = recovery.restore(svc, cli_context(actor), clip_id=clip_id, reason=reason)
    emit(
        result,
        as_json,
        lambda r: f"restored {r['clip_id']}: retain-until {r['retain_until']} ({r['reason']})",
    )

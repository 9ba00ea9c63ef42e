"""`saksi redact`: a redacted copy of a clip (boxes blurred or blacked out, audio dropped)."""

from __future__ import annotations

from typing import Any

import typer

from api.cli.common import ACTOR_HELP, emit, services, user_context
from archive.errors import InvalidInput
from archive.redaction import redact as redactions
from domain.redaction import Box, parse_box


def register(app: typer.Typer) -> None:
    app.command("redact")(redact)


def _human(r: dict[str, Any]) -> str:
    boxes = ", ".join(Box(**b).label() for b in r["boxes"])
    return "\n".join(
        [
            f"redacted copy {r['clip_id']} of clip {r['derived_from']}",
            f"  sha256: {r['sha256']}   {r['size_bytes']} bytes",
            f"  source sha256: {r['source_sha256']} (the original, untouched)",
            f"  {r['mode']}: {boxes}{'   audio removed' if r['mute'] else ''}",
            f"  made with: {r['ffmpeg']['version']}",
            f"  cases: {', '.join(r['case_ids']) or '(none)'}",
        ]
    )


def redact(
    clip_id: str = typer.Argument(..., help="The clip to make a redacted copy of."),
    box: list[str] = typer.Option(
        [],
        "--box",
        help="X,Y,W,H in pixels, optionally @START-END in seconds from the clip's start "
        "(repeatable; without a range the box covers the whole clip).",
    ),
    black: bool = typer.Option(False, "--black", help="Fill the boxes black."),
    blur: bool = typer.Option(False, "--blur", help="Blur the boxes (the default)."),
    mute: bool = typer.Option(False, "--mute", help="Leave the audio out."),
    actor: str | None = typer.Option(None, "--actor", help=ACTOR_HELP),
    reason: str = typer.Option(..., "--reason"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Make a redacted copy: a new clip recording its source hash and ffmpeg command."""
    if black and blur:
        raise InvalidInput("give --blur or --black, not both")
    boxes = [parse_box(spec) for spec in box]
    with services() as svc:
        result = redactions.redact(
            svc,
            user_context(svc, actor),
            clip_id=clip_id,
            boxes=boxes,
            reason=reason,
            mode="black" if black else "blur",
            mute=mute,
        )
    emit(result, as_json, _human)

"""`saksi audit report`: a clip's, a case's or a user's events from the ledger, CSV or HTML."""

from __future__ import annotations

import os
from pathlib import Path

import typer

from api.cli.common import ACTOR_HELP, emit, reader_context, services
from archive.audit import reports as audit_report
from archive.errors import InvalidInput


def report(
    out: str = typer.Option(..., "--out", help="The file to write."),
    format: str = typer.Option(..., "--format", help="csv or html (printable)."),
    clip: str = typer.Option(None, "--clip", help="Every event of this clip."),
    case: str = typer.Option(None, "--case", help="The case, its clips and its shares."),
    user: str = typer.Option(None, "--user", help="Everything this user did."),
    actor: str | None = typer.Option(None, "--actor", help=ACTOR_HELP),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Write an audit report; its generation is recorded (who, what, its SHA-256)."""
    target = Path(out)
    if target.is_dir() or not target.parent.is_dir():
        raise InvalidInput(f"cannot write {out}: give a file in an existing folder")
    with services() as svc:
        made = audit_report.generate(
            svc,
            reader_context(svc, actor),
            format=format,
            clip_id=clip,
            case_id=case,
            user=user,
        )
    tmp = target.with_name(f".{target.name}.part")
    tmp.write_bytes(made.content)
    os.replace(tmp, target)
    result = {**made.summary(), "out": str(target)}
    emit(
        result,
        as_json,
        lambda r: f"wrote {r['out']}: {r['rows']} events, sha256 {r['sha256']}",
    )

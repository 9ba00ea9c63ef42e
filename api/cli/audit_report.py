"""`saksi audit report`: a clip's, a case's or a user's events from the ledger, CSV or HTML."""

from __future__ import annotations

import getpass
import os
from pathlib import Path

import typer

from api.cli.common import cli_context, emit, services
from archive.audit import reports as audit_report
from archive.errors import InvalidInput


def report(
    out: str = typer.Option(..., "--out", help="The file to write."),
    format: str = typer.Option(..., "--format", help="csv or html (printable)."),
    clip: str = typer.Option(None, "--clip", help="Every event of this clip."),
    case: str = typer.Option(None, "--case", help="The case, its clips and its shares."),
    user: str = typer.Option(None, "--user", help="Everything this user did."),
    actor: str = typer.Option(
        None, "--actor", help="An auditor or admin (default: the local account, unchecked)."
    ),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Write an audit report; its generation is recorded (who, what, its SHA-256)."""
    target = Path(out)
    if target.is_dir() or not target.parent.is_dir():
        raise InvalidInput(f"cannot write {out}: give a file in an existing folder")
    ctx = cli_context(actor or f"local:{_account()}")
    with services() as svc:
        made = audit_report.generate(
            svc,
            ctx,
            format=format,
            clip_id=clip,
            case_id=case,
            user=user,
            authorize=actor is not None,
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


def _account() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no passwd entry in some containers
        return "unknown"

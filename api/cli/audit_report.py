"""`saksi audit report`: a clip's, a case's or a user's events from the ledger, CSV or HTML."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import typer

from api.cli import remote
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
    if remote.server():
        result = _remote(target, format, clip, case, user)
        emit(result, as_json, _written)
        return
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
    emit(result, as_json, _written)


def _written(r: dict[str, Any]) -> str:
    return f"wrote {r['out']}: {r['rows']} events, sha256 {r['sha256']}"


def _remote(
    target: Path, format: str, clip: str | None, case: str | None, user: str | None
) -> dict[str, Any]:
    """Workstation mode: the server makes (and records) the report; it is written here."""
    given = [(k, v) for k, v in (("clip", clip), ("case", case), ("user", user)) if v]
    query = {"format": format, **dict(given)}
    with (
        remote.session() as api,
        api.stream("GET", "/api/audit/report", params=query) as response,
    ):
        size, digest = api.download(response, target, None, response.headers["x-report-sha256"])
        head = response.headers
    kind, subject = given[0] if len(given) == 1 else ("", "")
    return {
        "report_id": head["x-report-id"],
        "subject_kind": kind,
        "subject": subject,
        "format": format,
        "rows": int(head["x-report-rows"]),
        "sha256": digest,
        "size_bytes": size,
        "checkpoint_size": int(head["x-report-checkpoint-size"]),
        "out": str(target),
    }

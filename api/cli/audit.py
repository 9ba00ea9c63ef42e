"""`saksi audit ...`."""

from __future__ import annotations

import sys
from typing import Any

import typer

from api.cli.common import emit, services
from archive import audit as audit_uc
from archive import fixity as fixity_uc


def register(app: typer.Typer) -> None:
    audit_app = typer.Typer(help="Verify the ledger and read custody trails.", no_args_is_help=True)
    audit_app.command("verify")(verify)
    app.add_typer(audit_app, name="audit")


def _progress(done: int) -> None:
    sys.stderr.write(f"\rverified {done} events")
    sys.stderr.flush()


def verify(
    fixity: bool = typer.Option(False, "--fixity", help="Also re-hash every stored object."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Replay the event log and check it; exit 1 if anything was changed."""
    with services() as svc:
        result = audit_uc.verify(svc, progress=_progress if sys.stderr.isatty() else None)
        if fixity:
            result = fixity_uc.include(svc, result)
    if sys.stderr.isatty():
        sys.stderr.write("\n")

    def human(r: dict[str, Any]) -> str:
        if r["ok"]:
            return f"intact: {r['events']} events verified, {r['checkpoints']} checkpoints"
        lines = [f"PROBLEMS: {len(r['problems'])} found in {r['events']} events"]
        for p in r["problems"]:
            lines.append(
                f"  {p['kind']} at position {p['position']}: {p['originator_id']} "
                f"v{p['version']}: {p['detail']}"
            )
        return "\n".join(lines)

    emit(result, as_json, human)
    if not result["ok"]:
        raise typer.Exit(1)

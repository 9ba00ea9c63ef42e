"""`saksi export` and `saksi verify` (offline: no database, no object store, no network)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import typer

from api.cli.common import ACTOR_HELP, emit, progress_printer, services, user_context
from archive.errors import InvalidInput
from archive.export import export as export_uc
from ledger.checkpoint import CheckpointError
from ledger.package.cli import key_argument, tsa_ca_argument, witness_arguments
from ledger.package.report import describe
from ledger.package.verify import verify_package


def register(app: typer.Typer) -> None:
    app.command("export")(export)
    app.command("verify")(verify)


def _progress(label: str) -> Any:
    show = progress_printer(label)
    return None if show is None else (lambda done, _total: show(done))


def export(
    out: str = typer.Option(..., "--out", help="The package to write (FILE.zip)."),
    actor: str | None = typer.Option(None, "--actor", help=ACTOR_HELP),
    reason: str = typer.Option(..., "--reason"),
    recipient: str = typer.Option(..., "--recipient", help="Who the package is for."),
    case: str = typer.Option(None, "--case", help="Export every clip of this case."),
    clip: list[str] = typer.Option([], "--clip", help="A clip (repeatable)."),
    as_json: bool = typer.Option(False, "--json"),
    redacted: str = typer.Option(
        "none",
        "--redacted",
        help="none: originals only; with: each original and its newest redacted copy; "
        "only: the redacted copies instead of the originals.",
    ),
) -> None:
    """Write an evidence package: originals, custody events, proofs, signed checkpoint."""
    with services() as svc:
        result = export_uc.export_to_file(
            svc,
            user_context(svc, actor),
            out=Path(out),
            reason=reason,
            recipient=recipient,
            case_id=case,
            clip_ids=clip,
            progress=_progress("export"),
            redacted=redacted,
        )
    if sys.stderr.isatty():
        sys.stderr.write("\n")
    emit(
        result,
        as_json,
        lambda r: (
            f"wrote {r['out']}: export {r['export_id']}, {r['clips']} clip(s), "
            f"{r['events']} custody events, {r['size_bytes']} bytes, sha256 {r['sha256']}"
        ),
    )


def verify(
    package: str = typer.Argument(..., help="The evidence package (.zip)."),
    key: str = typer.Option(
        None, "--key", help="The archive's verifier key (or a file holding it), got elsewhere."
    ),
    as_json: bool = typer.Option(False, "--json"),
    tsa_ca: str = typer.Option(
        None, "--tsa-ca", help="PEM file: the CA(s) the timestamp's TSA must chain to."
    ),
    witness: list[str] = typer.Option(
        [], "--witness", help="A witness's verifier key (or a file holding it); repeatable."
    ),
    min_witnesses: int = typer.Option(
        None, "--min-witnesses", help="Cosignatures required of them (default: every --witness)."
    ),
) -> None:
    """Check an evidence package offline; exit 1 naming every failed check."""
    path = Path(package)
    if not path.is_file():
        raise InvalidInput(f"no such file: {package}")
    try:
        trusted = key_argument(key) if key is not None else None
    except CheckpointError as e:
        raise InvalidInput(f"--key: {e}") from None
    try:
        cas = tsa_ca_argument(tsa_ca) if tsa_ca is not None else None
    except ValueError as e:
        raise InvalidInput(f"--tsa-ca: {e}") from None
    try:
        cosigners, needed = witness_arguments(witness, min_witnesses)
    except ValueError as e:
        raise InvalidInput(f"--witness: {e}") from None
    report = verify_package(
        path, trusted, _progress("verify"), tsa_ca=cas, witnesses=cosigners, min_witnesses=needed
    )
    if sys.stderr.isatty():
        sys.stderr.write("\n")
    emit(report.as_json(), as_json, lambda _: describe(report))
    if not report.ok:
        raise typer.Exit(1)

"""`saksi export` and `saksi verify` (offline: no database, no object store, no network)."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any
from urllib.parse import quote

import typer

from api.cli import bars, remote
from api.cli.common import ACTOR_HELP, emit, services, user_context
from archive.errors import InvalidInput
from archive.export import export as export_uc
from ledger.checkpoint import CheckpointError
from ledger.package.cli import key_argument, tsa_ca_argument, witness_arguments
from ledger.package.report import describe
from ledger.package.verify import verify_package


def register(app: typer.Typer) -> None:
    app.command("export")(export)
    app.command("verify")(verify)


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
    if remote.server():
        result = _remote_export(Path(out), case, clip, reason, recipient, redacted)
        emit(result, as_json, _written)
        return
    with services() as svc, bars.transfer("export", None) as shown:
        result = export_uc.export_to_file(
            svc,
            user_context(svc, actor),
            out=Path(out),
            reason=reason,
            recipient=recipient,
            case_id=case,
            clip_ids=clip,
            progress=shown,
            redacted=redacted,
        )
    emit(result, as_json, _written)


def _written(r: dict[str, Any]) -> str:
    return (
        f"wrote {r['out']}: export {r['export_id']}, {r['clips']} clip(s), "
        f"{r['events']} custody events, {r['size_bytes']} bytes, sha256 {r['sha256']}"
    )


def _remote_export(
    out: Path, case: str | None, clips: list[str], reason: str, recipient: str, redacted: str
) -> dict[str, Any]:
    """Workstation mode: the server exports the case and streams the package here."""
    if clips or not case:
        raise InvalidInput("from a workstation a case is exported: give --case (not --clip)")
    body = {"reason": reason, "recipient": recipient, "redacted": redacted}
    with (
        remote.session() as api,
        api.stream("POST", f"/api/cases/{quote(case)}/export", json=body) as response,
        bars.transfer("export", None) as shown,
    ):
        size, digest = api.download(response, out, shown)
    return {**_summary(out), "out": str(out), "size_bytes": size, "sha256": digest}


def _summary(package: Path) -> dict[str, Any]:
    """What the local mode reports of an export, read back from the package's manifest."""
    with zipfile.ZipFile(package) as z:
        doc = json.loads(z.read("manifest.json"))
        custody = [n for n in z.namelist() if n.startswith("custody/") and n.endswith(".json")]
        events = sum(len(json.loads(z.read(n))["events"]) for n in custody)
    clips = [c["clip_id"] for c in doc["clips"]]
    return {
        "export_id": doc["export_id"],
        "case_id": doc["case"]["case_id"] if doc.get("case") else None,
        "clip_ids": clips,
        "clips": len(clips),
        "events": events,
        "recipient": doc["recipient"],
        "reason": doc["reason"],
        "exported_by": doc["exported_by"],
        "exported_at": doc["exported_at"],
        "checkpoint": {"size": doc["checkpoint"]["size"], "root": doc["checkpoint"]["root"]},
        "redacted": doc.get("redacted", "none"),
        "source_clip_ids": [c["derived_from"] for c in doc["clips"] if c.get("derived_from")],
    }


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
    with bars.transfer("verify", path.stat().st_size) as shown:
        report = verify_package(
            path, trusted, shown, tsa_ca=cas, witnesses=cosigners, min_witnesses=needed
        )
    emit(report.as_json(), as_json, lambda _: describe(report))
    if not report.ok:
        raise typer.Exit(1)

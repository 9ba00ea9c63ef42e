"""`saksi audit ...`: verify the ledger, seal and print checkpoints, proofs, trails, replay."""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path
from typing import Any
from urllib.parse import quote

import typer

from api.cli import audit_report, bars, remote
from api.cli.common import ACTOR_HELP, emit, host_context, reader_context, services, user_context
from archive.audit import compare as compare_uc
from archive.audit import fixity as fixity_uc
from archive.audit import mirror as mirror_uc
from archive.audit import mirror_replay, proofs
from archive.audit import replay as history
from archive.audit import verify as audit_uc
from archive.custody import trail
from archive.errors import InvalidInput
from archive.sealing import seal as sealing
from archive.timefmt import parse_time
from ledger.cosignature import CosignatureError
from ledger.mirror import MirrorError
from ledger.package.cli import witness_arguments


def register(app: typer.Typer) -> None:
    audit_app = typer.Typer(help="Verify the ledger and read custody trails.", no_args_is_help=True)
    for name, fn in (
        ("verify", verify),
        ("checkpoint", checkpoint),
        ("key", key),
        ("proof", proof),
        ("consistency", consistency),
        ("trail", trail_cmd),
        ("replay", replay),
        ("mirror", mirror_cmd),
        ("compare", compare_cmd),
        ("report", audit_report.report),
    ):
        audit_app.command(name)(fn)
    app.add_typer(audit_app, name="audit")


def verify(
    fixity: bool = typer.Option(False, "--fixity", help="Also re-hash every stored object."),
    key: str = typer.Option(
        None, "--key", help="Check checkpoints with this verifier key (default: the archive's)."
    ),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Replay the event log and the Merkle log and check both; exit 1 if anything was changed."""
    if key is not None:
        sealing.check_verifier_key(key)
    if remote.server():
        if fixity or key is not None:
            raise InvalidInput("--fixity and --key run on the archive host, not from a workstation")
        result = remote.get("/api/audit/verify")
    else:
        with services() as svc, bars.count("verify events") as progress:
            host = host_context()
            result = audit_uc.verify(svc, host, progress=progress, verifier_key=key)
            if fixity:
                result = fixity_uc.include(svc, host, result)

    def human(r: dict[str, Any]) -> str:
        extra = _timestamp_lines(r.get("timestamps")) + _witness_lines(r.get("witnesses"))
        if r["ok"]:
            return (
                f"intact: {r['events']} events verified, {r['sealed']} sealed in the Merkle log, "
                f"{r['checkpoints']} checkpoints"
            ) + extra
        lines = [f"PROBLEMS: {len(r['problems'])} found in {r['events']} events"]
        for p in r["problems"]:
            event = f" {p['originator_id']} v{p['version']}:" if p.get("originator_id") else ""
            lines.append(f"  {p['kind']} at position {p.get('position')}:{event} {p['detail']}")
        return "\n".join(lines) + extra

    emit(result, as_json, human)
    if not result["ok"]:
        raise typer.Exit(1)


def _witness_lines(w: dict[str, Any] | None) -> str:
    """Witnesses: how many cosignatures checked, each witness's last answer."""
    if not w or not (w["configured"] or w.get("cosignatures")):
        return ""
    out = f"\nwitnesses: {w.get('cosignatures', 0)} cosignatures checked"
    for x in w["witnesses"]:
        size = x["cosigned_size"] if x["cosigned_size"] is not None else "-"
        detail = f": {x['detail']}" if x["detail"] and x["status"] != "ok" else ""
        out += f"\n  {x['name']} ({x['url']}): {x['status']}, cosigned size {size}{detail}"
    return out


def _timestamp_lines(t: dict[str, Any] | None) -> str:
    """RFC 3161 timestamps: how many checked, and the checkpoints still waiting for one."""
    if not t or not (t["configured"] or t["stamped"]):
        return ""
    out = f"\ntimestamps: {t['stamped']} checked, latest genTime {t['latest_gen_time']}"
    for m in t["missing"]:
        out += (
            f"\n  not yet timestamped: checkpoint #{m['checkpoint']} (size {m['size']}), "
            f"{m['attempts']} attempt(s): {m['error'] or 'not tried yet'}"
        )
    return out


def checkpoint(as_json: bool = typer.Option(False, "--json")) -> None:
    """Seal the log now and print the signed checkpoint (C2SP signed note)."""
    with services() as svc:
        result = sealing.sealed(svc, host_context())
    if as_json:
        emit(result, True)
    else:
        typer.echo(result["note"], nl=False)


def key(as_json: bool = typer.Option(False, "--json")) -> None:
    """Print the verifier key: NAME+KEYHASH+BASE64(0x01 ‖ PUBKEY); then the witnesses
    (SAKSI_WITNESSES), one `witness NAME URL KEY` line each."""
    if remote.server():
        sealed = remote.get("/api/audit/checkpoint")
        witnesses = (sealed.get("witnesses") or {}).get("witnesses", [])
        result = {"key": sealed["key"], "witnesses": witnesses}
    else:
        with services() as svc:
            result = {
                "key": sealing.verifier_key(svc, host_context()),
                "witnesses": sealing.witness_set(svc.settings),
            }

    def human(r: dict[str, Any]) -> str:
        lines = [r["key"]] + [f"witness {w['name']} {w['url']} {w['key']}" for w in r["witnesses"]]
        return "\n".join(lines)

    emit(result, as_json, human)


def _lines(title: str, fields: dict[str, Any], hashes: list[str]) -> str:
    out = [title] + [f"  {k}: {v}" for k, v in fields.items()]
    return "\n".join(out + ["  proof:"] + [f"    {h}" for h in hashes])


def proof(
    index: int = typer.Option(..., "--index", help="Leaf index (0-based)."),
    size: int = typer.Option(None, "--size", help="Tree size (default: newest checkpoint)."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Inclusion proof of leaf N in the tree of size M (RFC 9162 §2.1.3)."""
    with services() as svc:
        r = proofs.inclusion(svc, host_context(), index, size)
    fields = {
        k: r[k] for k in ("size", "position", "originator_id", "version", "leaf_hash", "root")
    }
    emit(r, as_json, lambda r: _lines(f"leaf {r['index']}", fields, r["proof"]))


def consistency(
    old: int = typer.Option(..., "--from", help="The older tree size."),
    new: int = typer.Option(..., "--to", help="The newer tree size."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Consistency proof that tree M is a prefix of tree N (RFC 9162 §2.1.4)."""
    with services() as svc:
        r = proofs.consistency(svc, host_context(), old, new)
    fields = {"old_root": r["old_root"], "new_root": r["new_root"]}
    emit(r, as_json, lambda r: _lines(f"{r['from']} -> {r['to']}", fields, r["proof"]))


def trail_cmd(
    clip_id: str = typer.Argument(...),
    as_json: bool = typer.Option(False, "--json"),
    html_out: str = typer.Option(None, "--html", help="Also write a printable HTML report."),
) -> None:
    """Every custody event of a clip, in order, with its chain hash and global position."""
    if remote.server():
        t = remote.get(f"/api/audit/trail/{quote(clip_id)}")
    else:
        with services() as svc:
            t = trail.trail(svc, reader_context(svc), clip_id)
    if html_out:
        Path(html_out).write_text(trail.render_html(t), encoding="utf-8")

    def human(t: dict[str, Any]) -> str:
        lines = [f"clip {t['clip_id']}: chain {'intact' if t['chain_intact'] else 'BROKEN'}"]
        for e in t["events"]:
            mark = "" if e["chain_ok"] else "  ✗ chain broken"
            lines.append(
                f"  v{e['version']} {e['at']} {e['type']} by {e['actor']}"
                f"{' (' + e['reason'] + ')' if e['reason'] else ''} "
                f"@{e['position']} {(e['hash'] or '-')[:16]}{mark}"
            )
        return "\n".join(lines)

    emit(t, as_json, human)


def replay(
    until: str = typer.Option(None, "--until", help="ISO time; default: now."),
    rebuild: bool = typer.Option(False, "--rebuild", help="Drop and rebuild the read models."),
    mirror_dir: str = typer.Option(
        None, "--from", help="Replay an auditor's mirror (`saksi audit mirror`) instead."
    ),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """The archive's state as of a time, replayed from the event log (or from a mirror)."""
    moment = parse_time(until, "--until") if until else None
    if mirror_dir is not None:
        if rebuild:
            raise InvalidInput("--rebuild rebuilds the archive's read models: not with --from")
        try:
            result = mirror_replay.replay_mirror(Path(mirror_dir), moment)
        except MirrorError as e:
            typer.echo(f"error: the mirror does not verify: {e}", err=True)
            raise typer.Exit(1) from None
    else:
        with services() as svc:
            result = history.state_as_of(svc, host_context(), moment)
            if rebuild:
                result["rebuilt_events"] = history.rebuild_read_models(svc, host_context())

    def human(r: dict[str, Any]) -> str:
        lines = [
            f"as of {r['until'] or 'now'}: {r['events']} events",
            f"  users {r['users']}, cameras {r['cameras']}, cases open {r['cases']['open']} "
            f"closed {r['cases']['closed']}, clips active {r['clips']['active']} "
            f"purged {r['clips']['purged']}",
        ]
        lines += [
            f"  {c['clip_id']} {c['camera_id']} {c['start']} {c['status']}"
            f"{' HOLD' if c['legal_hold'] else ''}"
            for c in r["clip_list"]
        ]
        if "rebuilt_events" in r:
            lines.append(f"read models rebuilt from {r['rebuilt_events']} events")
        return "\n".join(lines)

    emit(result, as_json, human)


def mirror_cmd(
    url: str = typer.Argument(..., help="The archive's base URL (it serves /log/)."),
    folder: str = typer.Argument(..., help="The mirror's folder (made on first use)."),
    key: str = typer.Option(None, "--key", help="The archive's verifier key, got elsewhere."),
    witness: list[str] = typer.Option([], "--witness", help="A witness's key; repeatable."),
    min_witnesses: int = typer.Option(
        None, "--min-witnesses", help="Cosignatures required (default: every --witness)."
    ),
    token: str = typer.Option(None, "--token", envvar="SAKSI_TOKEN", help="An auditor's token."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Mirror the archive's tiled log into DIR and verify all of it; exit 1 naming what fails."""
    try:
        if key is not None:
            sealing.check_verifier_key(key)
        cosigners, needed = witness_arguments(witness, min_witnesses)
    except (ValueError, CosignatureError) as e:
        raise InvalidInput(f"--witness: {e}") from None
    try:
        result = mirror_uc.mirror(url, Path(folder), token, key, cosigners, needed)
    except MirrorError as e:
        if as_json:
            emit({"ok": False, "kind": e.kind, "detail": e.detail}, True)
        typer.echo(f"error: the mirror was not updated: {e}", err=True)
        raise typer.Exit(1) from None

    def human(r: dict[str, Any]) -> str:
        return (
            f"mirrored {r['origin']} at size {r['size']} ({r['new_events']} new events since "
            f"size {r['previous_size']}) into {r['dir']}: every signature, cosignature, tile, "
            "chain link and event hash checked"
        )

    emit({"ok": True, **result}, as_json, human)


def compare_cmd(
    files: list[str] = typer.Argument(..., help="Kept checkpoint notes or evidence packages."),
    actor: str | None = typer.Option(None, "--actor", help=ACTOR_HELP),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Prove each kept checkpoint or package a prefix of the live log, or name the fork."""
    for name in files:
        if not Path(name).is_file():
            raise InvalidInput(f"no such file: {name}")
    with ExitStack() as opened, services() as svc:
        kept = [(name, opened.enter_context(open(name, "rb"))) for name in files]
        result = compare_uc.compare(svc, user_context(svc, actor), kept)

    def human(r: dict[str, Any]) -> str:
        lines = [f"live log: size {r['live_size']}, root {r['live_root']}"]
        lines += [f"  {f['file']}: {f['status'].upper()}: {f['detail']}" for f in r["files"]]
        return "\n".join(lines)

    emit(result, as_json, human)
    if not result["ok"]:
        raise typer.Exit(1)

"""`saksi case ...`."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote

import typer

from api.cli import remote
from api.cli.common import (
    ACTOR_HELP,
    emit,
    reader_context,
    services,
    table,
    user_context,
)
from api.cli.progress import pull_progress
from api.cli.setup import parse_point
from archive.cases import cases
from archive.errors import InvalidInput
from archive.ingest import pull
from archive.ingest.segments import parse_offset
from archive.timefmt import parse_time


def register(app: typer.Typer) -> None:
    case_app = typer.Typer(help="Cases: reports, incidents, investigations.", no_args_is_help=True)
    case_app.command("open")(case_open)
    case_app.command("assign")(case_assign)
    case_app.command("attach")(case_attach)
    case_app.command("close")(case_close)
    case_app.command("show")(case_show)
    case_app.command("pull")(case_pull)
    app.add_typer(case_app, name="case")


def _human(c: dict[str, Any]) -> str:
    lines = [
        f"case {c['case_id']} ({c['kind']}, {c['status']}): {c['title']}",
        f"  lead: {c['lead']}   members: {', '.join(c['members'])}",
        f"  opened: {c['opened_at']}" + (f"   closed: {c['closed_at']}" if c["closed_at"] else ""),
        f"  legal hold: {'yes' if c['legal_hold'] else 'no'}",
        f"  clips ({len(c['clip_ids'])}):",
        *[f"    {cid}" for cid in c["clip_ids"]],
    ]
    return "\n".join(lines)


def case_open(
    case_id: str = typer.Argument(...),
    kind: str = typer.Option(..., "--kind", help="report|incident|investigation"),
    title: str = typer.Option(..., "--title"),
    actor: str | None = typer.Option(None, "--actor", help=ACTOR_HELP),
    member: list[str] = typer.Option([], "--member", help="Add a member (repeatable)."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Open a case; the actor becomes its lead."""
    if remote.server():
        body = {"case_id": case_id, "kind": kind, "title": title, "members": member}
        with remote.session() as api:
            emit(api.call("POST", "/api/cases", json=body), as_json, _human)
        return
    with services() as svc:
        result = cases.open_case(
            svc, user_context(svc, actor), case_id=case_id, kind=kind, title=title, members=member
        )
    emit(result, as_json, _human)


def case_assign(
    case_id: str = typer.Argument(...),
    user: str = typer.Argument(...),
    actor: str | None = typer.Option(None, "--actor", help=ACTOR_HELP),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Add a member to a case."""
    with services() as svc:
        result = cases.assign(svc, user_context(svc, actor), case_id=case_id, user=user)
    emit(result, as_json, _human)


def case_attach(
    case_id: str = typer.Argument(...),
    clip_id: str = typer.Argument(...),
    actor: str | None = typer.Option(None, "--actor", help=ACTOR_HELP),
    reason: str = typer.Option(..., "--reason"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Attach a clip to a case."""
    if remote.server():
        body = {"clip_id": clip_id, "reason": reason}
        with remote.session() as api:
            emit(api.call("POST", f"/api/cases/{quote(case_id)}/clips", json=body), as_json, _human)
        return
    with services() as svc:
        result = cases.attach(
            svc, user_context(svc, actor), case_id=case_id, clip_id=clip_id, reason=reason
        )
    emit(result, as_json, _human)


def case_close(
    case_id: str = typer.Argument(...),
    actor: str | None = typer.Option(None, "--actor", help=ACTOR_HELP),
    reason: str = typer.Option(..., "--reason"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Close a case; its clips then keep their class tail from now."""
    with services() as svc:
        result = cases.close_case(svc, user_context(svc, actor), case_id=case_id, reason=reason)
    emit(result, as_json, _human)


def case_show(
    case_id: str = typer.Argument(...),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Show a case, its members and clips."""
    if remote.server():
        emit(remote.get(f"/api/cases/{quote(case_id)}"), as_json, _human)
        return
    with services() as svc:
        result = cases.show_case(svc, reader_context(svc), case_id)
    emit(result, as_json, _human)


def _pulled(r: dict[str, Any]) -> str:
    rows = []
    for c in r["ingested"]:
        note = f"clip {c['clip_id']} ({c['source']['kind']}, covers {c['covers']})"
        rows.append({**c, "outcome": note + "".join(f"; {w}" for w in c.get("warnings", []))})
    rows += [{**c, "outcome": f"no footage: {c['reason']}"} for c in r["without_footage"]]
    rows += [{**c, "outcome": f"FAILED: {c['reason']}"} for c in r["failed"]]
    rows.sort(key=lambda c: c["distance_m"])
    head = (
        f"case {r['case_id']}: {len(r['ingested'])} clip(s) pulled from {r['cameras']} "
        f"camera(s) within {r['radius_m']:g} m"
    )
    return head + "\n" + table(rows, ["camera_id", "distance_m", "outcome"])


def case_pull(
    case_id: str = typer.Argument(...),
    near: str = typer.Option(..., "--near", help="LAT,LON of the report."),
    radius_m: float = typer.Option(..., "--radius-m"),
    start: str = typer.Option(..., "--start", help="ISO time."),
    end: str = typer.Option(..., "--end", help="ISO time."),
    actor: str | None = typer.Option(None, "--actor", help=ACTOR_HELP),
    reason: str = typer.Option(..., "--reason"),
    source_root: str = typer.Option(
        None,
        "--source-root",
        help="Folder of <CAMERA_ID>/ folders, for cameras without a registered source.",
    ),
    source_tz: str = typer.Option(
        "Z", "--source-tz", help="Offset of segment names without one, e.g. +07:00."
    ),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Pull the range from every camera near a point, each from its own recorder, into the case."""
    if remote.server():
        if source_root:
            raise InvalidInput(
                "--source-root is a folder on the archive host: not from a workstation"
            )
        lat, lon = parse_point(near)
        body = {"lat": lat, "lon": lon, "radius_m": radius_m, "start": start, "end": end}
        body |= {"reason": reason, "source_tz": source_tz}
        with remote.session() as api:
            result = api.call("POST", f"/api/cases/{quote(case_id)}/pull", json=body)
        emit(result, as_json, _pulled)
        return
    with services() as svc, pull_progress() as progress:
        result = pull.pull(
            svc,
            user_context(svc, actor),
            case_id=case_id,
            near=parse_point(near),
            radius_m=radius_m,
            start=parse_time(start, "--start"),
            end=parse_time(end, "--end"),
            source_root=Path(source_root) if source_root else None,
            reason=reason,
            source_tz=parse_offset(source_tz),
            progress=progress,
        )
    emit(result, as_json, _pulled)

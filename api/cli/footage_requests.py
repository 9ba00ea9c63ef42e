"""`saksi request ...`: footage requests to private camera owners."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote

import typer

from api.cli import remote
from api.cli.common import ACTOR_HELP, emit, services, table, user_context
from archive.errors import InvalidInput
from archive.footage_requests import requests as footage_requests
from archive.timefmt import parse_time


def register(app: typer.Typer) -> None:
    request_app = typer.Typer(
        help="Footage requests to private camera owners.", no_args_is_help=True
    )
    request_app.command("send")(request_send)
    request_app.command("approve")(request_approve)
    request_app.command("decline")(request_decline)
    request_app.command("list")(request_list)
    request_app.command("show")(request_show)
    app.add_typer(request_app, name="request")


def _human(r: dict[str, Any]) -> str:
    lines = [
        f"request {r['request_id']} ({r['status']}) for case {r['case_id']}",
        f"  camera: {r['camera_id']} (owner {r['owner_user']})   {r['start']} → {r['end']}",
        f"  reason: {r['reason']}   sent by {r['sent_by']} at {r['sent_at']}",
    ]
    if r.get("upload_started_at"):
        lines.append(f"  upload under way since {r['upload_started_at']}")
        if r.get("stale"):
            lines[-1] += (
                " - STALE: no outcome in time, its process is taken for dead;"
                " the next upload through the link takes over"
            )
    if r["decline_reason"]:
        lines.append(f"  declined: {r['decline_reason']}")
    if r["clip_id"]:
        lines.append(f"  clip: {r['clip_id']}   sha256: {r['sha256']}")
    if "upload" in r:
        up = r["upload"]
        lines += [
            f"  upload link (shown once; POST the recording as multipart 'file' to the server,"
            f" at most {up['max_bytes']} bytes, before {up['expires']}):",
            f"  {up['url'] or up['path']}",
        ]
    return "\n".join(lines)


def request_send(
    camera: str = typer.Option(..., "--camera", help="A private camera with an owner user."),
    start: str = typer.Option(..., "--start", help="ISO 8601 with offset."),
    end: str = typer.Option(..., "--end", help="ISO 8601 with offset."),
    case: str = typer.Option(..., "--case", help="The case the footage is for."),
    actor: str | None = typer.Option(None, "--actor", help=ACTOR_HELP),
    reason: str = typer.Option(..., "--reason", help="Why the footage is needed."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Ask a private camera's owner for the recording of a time range."""
    first, last = parse_time(start, "--start"), parse_time(end, "--end")
    if remote.server():
        body = {"camera_id": camera, "start": start, "end": end, "case_id": case, "reason": reason}
        emit(_post("/api/requests", body), as_json, _human)
        return
    with services() as svc:
        result = footage_requests.send_request(
            svc,
            user_context(svc, actor),
            camera_id=camera,
            start=first,
            end=last,
            case_id=case,
            reason=reason,
        )
    emit(result, as_json, _human)


def request_approve(
    request_id: str = typer.Argument(...),
    actor: str | None = typer.Option(None, "--actor", help=ACTOR_HELP),
    source: Path = typer.Option(
        None, "--source", help="The recording, ingested at once (without: an upload link)."
    ),
    source_start: str = typer.Option(
        None, "--source-start", help="Wall-clock time of the first frame, ISO 8601."
    ),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Approve a request: deliver the recording now, or get a one-time upload link."""
    start = parse_time(source_start, "--source-start") if source_start else None
    if remote.server():
        if source is not None:
            raise InvalidInput("--source from a workstation: approve, then upload through the link")
        emit(_post(f"/api/requests/{quote(request_id)}/approve", None), as_json, _human)
        return
    with services() as svc:
        result = footage_requests.approve(
            svc, user_context(svc, actor), request_id=request_id, source=source, source_start=start
        )
    emit(result, as_json, _human)


def request_decline(
    request_id: str = typer.Argument(...),
    actor: str | None = typer.Option(None, "--actor", help=ACTOR_HELP),
    reason: str = typer.Option(..., "--reason"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Decline a request, with a reason."""
    if remote.server():
        path = f"/api/requests/{quote(request_id)}/decline"
        emit(_post(path, {"reason": reason}), as_json, _human)
        return
    with services() as svc:
        result = footage_requests.decline(
            svc, user_context(svc, actor), request_id=request_id, reason=reason
        )
    emit(result, as_json, _human)


def request_list(
    actor: str | None = typer.Option(None, "--actor", help=ACTOR_HELP),
    status: str = typer.Option(None, "--status", help="sent|approved|uploading|fulfilled|declined"),
    case: str = typer.Option(None, "--case"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """List the requests the actor may see."""
    if remote.server():
        rows = remote.get("/api/requests", status=status, case=case)["requests"]
    else:
        with services() as svc:
            rows = footage_requests.list_requests(
                svc, user_context(svc, actor), status=status, case_id=case
            )
    cols = ["request_id", "status", "camera_id", "owner_user", "case_id", "start", "end"]
    shown = [{**r, "status": f"{r['status']} (stale)"} if r["stale"] else r for r in rows]
    emit({"requests": rows}, as_json, lambda _: table(shown, cols))


def request_show(
    request_id: str = typer.Argument(...),
    actor: str | None = typer.Option(None, "--actor", help=ACTOR_HELP),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """A request and its events (its own hash-chained stream)."""
    if remote.server():
        result = remote.get(f"/api/requests/{quote(request_id)}")
    else:
        with services() as svc:
            result = footage_requests.show_request(svc, user_context(svc, actor), request_id)

    def human(r: dict[str, Any]) -> str:
        events = [f"  {e['at']}  {e['type']:<15} {e['actor']}" for e in r["events"]]
        return "\n".join([_human(r), "  events:", *events])

    emit(result, as_json, human)


def _post(path: str, body: dict[str, Any] | None) -> Any:
    with remote.session() as api:
        return api.call("POST", path, json=body)

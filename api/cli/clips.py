"""`saksi ingest` and `saksi clip ...`."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote

import typer

from api.cli import bars, remote
from api.cli.common import (
    ACTOR_HELP,
    emit,
    reader_context,
    services,
    table,
    user_context,
)
from archive.custody import retrieval
from archive.errors import InvalidInput
from archive.ingest import ingest as ingest_uc
from archive.ingest.segments import parse_offset
from archive.timefmt import parse_duration, parse_time


def register(app: typer.Typer) -> None:
    app.command("ingest")(ingest)
    clip_app = typer.Typer(help="Clips: list, show, retrieve.", no_args_is_help=True)
    clip_app.command("list")(clip_list)
    clip_app.command("show")(clip_show)
    clip_app.command("get")(clip_get)
    app.add_typer(clip_app, name="clip")


def _human(c: dict[str, Any]) -> str:
    return "\n".join(
        [
            f"clip {c['clip_id']} ({c['status']})",
            f"  camera: {c['camera_id']}   {c['start']} → {c['end']} ({c['duration_s']} s)",
            f"  sha256: {c['sha256']}   {c['size_bytes']} bytes",
            f"  media: {c['codec']} {c['width']}x{c['height']} @ {c['fps']} fps",
            f"  retention: {c['retention_class']} until {c['retain_until']}"
            f"   legal hold: {'yes' if c['legal_hold'] else 'no'}",
            f"  cases: {', '.join(c['case_ids']) or '(none)'}",
        ]
    )


def ingest(
    camera: str = typer.Option(..., "--camera", help="Camera id."),
    source: str = typer.Option(
        ..., "--source", help="Recording file, folder of NVR segments, or rtsp:// / http:// URL."
    ),
    actor: str | None = typer.Option(None, "--actor", help=ACTOR_HELP),
    reason: str = typer.Option(..., "--reason"),
    case: str = typer.Option(None, "--case", help="Attach to this case."),
    retention: str = typer.Option(None, "--retention", help="report|incident|investigation"),
    source_start: str = typer.Option(
        None, "--source-start", help="Wall-clock time of the file's first frame."
    ),
    source_tz: str = typer.Option(
        "Z", "--source-tz", help="Offset of segment names without one, e.g. +07:00."
    ),
    start: str = typer.Option(None, "--start", help="Cut from (ISO time), by stream copy."),
    end: str = typer.Option(None, "--end", help="Cut to (ISO time), by stream copy."),
    duration: str = typer.Option(
        None, "--duration", help="Record a live stream for (ISO duration, e.g. PT30S)."
    ),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Ingest a recording as a clip (content stored first, then the event)."""
    path = Path(source)
    total = path.stat().st_size if "://" not in source and path.is_file() else None
    if remote.server():
        cut = {"--source-start": None, "--start": start, "--end": end, "--duration": duration}
        result = _upload(path, camera, reason, case, retention, source_start, cut)
        emit(result, as_json, _human)
        return
    with services() as svc, bars.transfer("ingest", total) as shown:
        result = ingest_uc.ingest(
            svc,
            user_context(svc, actor),
            camera_id=camera,
            source=source,
            reason=reason,
            case_id=case,
            retention_class=retention,
            source_start=parse_time(source_start, "--source-start") if source_start else None,
            start=parse_time(start, "--start") if start else None,
            end=parse_time(end, "--end") if end else None,
            duration=parse_duration(duration, "--duration") if duration else None,
            source_tz=parse_offset(source_tz),
            progress=bars.of_bytes(shown, total),
        )
    emit(result, as_json, _human)


def _upload(
    path: Path,
    camera: str,
    reason: str,
    case: str | None,
    retention: str | None,
    source_start: str | None,
    cut: dict[str, str | None],
) -> dict[str, Any]:
    """Workstation mode: a local recording file, uploaded whole (the server cuts nothing)."""
    if not path.is_file():
        raise InvalidInput(f"{path}: from a workstation only a local recording file is uploaded")
    given = [name for name, value in cut.items() if value]
    if given:
        raise InvalidInput(f"{given[0]} is not available from a workstation: upload the recording")
    fields = {"camera_id": camera, "reason": reason, "case_id": case}
    fields |= {"retention_class": retention, "source_start": source_start}
    with remote.session() as api, bars.transfer("upload", path.stat().st_size) as progress:
        kept = {k: v for k, v in fields.items() if v is not None}
        return dict(api.upload("/api/clips", kept, path, progress))


def clip_list(
    camera: str = typer.Option(None, "--camera"),
    case: str = typer.Option(None, "--case"),
    district: str = typer.Option(None, "--district"),
    since: str = typer.Option(None, "--since"),
    until: str = typer.Option(None, "--until"),
    status: str = typer.Option(None, "--status", help="active|purged"),
    limit: int = typer.Option(None, "--limit", min=1, help="One page of this many clips."),
    after: str = typer.Option(None, "--after", help="The next_after of the previous page."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """List clips by camera, case, district, time range or status, in recording order;
    with --limit, one page at a time (`next_after` continues it)."""

    filters: dict[str, Any] = {
        "camera_id": camera,
        "case_id": case,
        "district": district,
        "since": parse_time(since, "--since") if since else None,
        "until": parse_time(until, "--until") if until else None,
        "status": status,
        "after": after,
    }
    if remote.server():
        result = _remote_list(filters, since, until, limit)
    else:
        if limit:
            filters["limit"] = limit + 1  # one more than asked tells whether another follows
        with services() as svc:
            rows = retrieval.list_clips(svc, reader_context(svc), **filters)
        result = {"clips": rows[:limit] if limit else rows}
        if limit:
            more = len(rows) > limit
            result["next_after"] = retrieval.next_cursor(rows[limit - 1]) if more else None
    cols = ["clip_id", "camera_id", "start", "end", "status", "legal_hold", "sha256"]
    emit(result, as_json, lambda r: _page(r, cols))


def _page(result: dict[str, Any], cols: list[str]) -> str:
    text = table(result["clips"], cols)
    if result.get("next_after"):
        text += f"\nmore: --after {result['next_after']}"
    return text


def _remote_list(
    filters: dict[str, Any], since: str | None, until: str | None, limit: int | None
) -> dict[str, Any]:
    """Workstation mode: the same filters through GET /api/clips; with a limit one page (its
    next_after continues it), else every page, as the local mode lists every clip."""
    names = {"camera_id": "camera", "case_id": "case", "district": "district"}
    query = {api_name: filters[name] for name, api_name in names.items()}
    query |= {"since": since, "until": until, "status": filters["status"]}
    params: dict[str, Any] = {k: v for k, v in query.items() if v is not None}
    with remote.session() as api:
        if limit:
            params |= {"limit": limit} | ({"after": filters["after"]} if filters["after"] else {})
            page = api.call("GET", "/api/clips", params=params)
            return {"clips": page["clips"], "next_after": page.get("next_after")}
        rows: list[dict[str, Any]] = []
        offset: int | None = 0
        while offset is not None:
            page = api.call("GET", "/api/clips", params={**params, "limit": 500, "offset": offset})
            rows += page["clips"]
            offset = page["next_offset"]
    return {"clips": rows}


def clip_show(
    clip_id: str = typer.Argument(...), as_json: bool = typer.Option(False, "--json")
) -> None:
    """Show one clip."""
    if remote.server():
        result = remote.get(f"/api/clips/{quote(clip_id)}")
    else:
        with services() as svc:
            result = retrieval.show_clip(svc, reader_context(svc), clip_id)
    emit(result, as_json, _human)


def clip_get(
    clip_id: str = typer.Argument(...),
    out: str = typer.Option(..., "--out", help="Where to write the original."),
    actor: str | None = typer.Option(None, "--actor", help=ACTOR_HELP),
    reason: str = typer.Option(..., "--reason"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Retrieve the original, verifying its SHA-256 while writing; recorded as a download."""
    if remote.server():
        result = _remote_get(clip_id, Path(out), reason)
        emit(result, as_json, _got)
        return
    with services() as svc, bars.transfer("download", None) as shown:
        result = retrieval.download(
            svc,
            user_context(svc, actor),
            clip_id=clip_id,
            out=Path(out),
            reason=reason,
            progress=bars.of_bytes(shown),
        )
    emit(result, as_json, _got)


def _got(r: dict[str, Any]) -> str:
    return f"wrote {r['out']} ({r['size_bytes']} bytes, sha256 verified)"


def _remote_get(clip_id: str, out: Path, reason: str) -> dict[str, Any]:
    """The whole original over the API (a download, recorded by the server), checked against
    the SHA-256 the archive recorded before it replaces anything at `out`."""
    with remote.session() as api:
        expected = api.call("GET", f"/api/clips/{quote(clip_id)}")["sha256"]
        path = f"/api/clips/{quote(clip_id)}/content"
        with (
            api.stream("GET", path, params={"reason": reason}) as response,
            bars.transfer("download", None) as progress,
        ):
            size, digest = api.download(response, out, progress, expected)
    return {
        "clip_id": clip_id,
        "out": str(out),
        "sha256": digest,
        "size_bytes": size,
        "verified": True,
    }

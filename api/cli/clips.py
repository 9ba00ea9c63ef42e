"""`saksi ingest` and `saksi clip ...`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import typer

from api.cli.common import (
    cli_context,
    emit,
    host_context,
    progress_printer,
    services,
    table,
)
from archive.custody import retrieval
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
    actor: str = typer.Option(..., "--actor"),
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
    with services() as svc:
        result = ingest_uc.ingest(
            svc,
            cli_context(actor),
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
            progress=progress_printer("ingest", total),
        )
    if sys.stderr.isatty():
        sys.stderr.write("\n")
    emit(result, as_json, _human)


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
    if limit:
        filters["limit"] = limit + 1  # one more than asked tells whether another page follows
    with services() as svc:
        rows = retrieval.list_clips(svc, host_context(), **filters)
    result: dict[str, Any] = {"clips": rows[:limit] if limit else rows}
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


def clip_show(
    clip_id: str = typer.Argument(...), as_json: bool = typer.Option(False, "--json")
) -> None:
    """Show one clip."""
    with services() as svc:
        result = retrieval.show_clip(svc, host_context(), clip_id)
    emit(result, as_json, _human)


def clip_get(
    clip_id: str = typer.Argument(...),
    out: str = typer.Option(..., "--out", help="Where to write the original."),
    actor: str = typer.Option(..., "--actor"),
    reason: str = typer.Option(..., "--reason"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Retrieve the original, verifying its SHA-256 while writing; recorded as a download."""
    with services() as svc:
        result = retrieval.download(
            svc,
            cli_context(actor),
            clip_id=clip_id,
            out=Path(out),
            reason=reason,
            progress=progress_printer("download"),
        )
    if sys.stderr.isatty():
        sys.stderr.write("\n")
    emit(result, as_json, lambda r: f"wrote {r['out']} ({r['size_bytes']} bytes, sha256 verified)")

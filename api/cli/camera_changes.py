"""`saksi camera edit|retire|source|import|export`: changing the registry, one camera or a file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from api.cli.common import ACTOR_HELP, emit, services, user_context
from archive.cameras import bulk, changes
from archive.errors import InvalidInput


def register(camera_app: typer.Typer) -> None:
    camera_app.command("edit")(camera_edit)
    camera_app.command("retire")(camera_retire)
    camera_app.command("source")(camera_source)
    camera_app.command("import")(camera_import)
    camera_app.command("export")(camera_export)


def _shown(r: dict[str, Any]) -> str:
    s = r.get("source")
    where = f"; recordings: {s['kind']} {s['url']}" if s else ""
    state = " (retired)" if r.get("retired") else ""
    return f"camera {r['camera_id']}{state}: {r['name']}, {r['district']}{where}"


def camera_edit(
    camera_id: str = typer.Argument(...),
    name: str = typer.Option(None, "--name"),
    district: str = typer.Option(None, "--district"),
    rt: str = typer.Option(None, "--rt"),
    lat: float = typer.Option(None, "--lat"),
    lon: float = typer.Option(None, "--lon"),
    actor: str | None = typer.Option(None, "--actor", help=ACTOR_HELP),
    reason: str = typer.Option(..., "--reason"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Change a camera's name, district, RT or position."""
    if (lat is None) != (lon is None):
        raise InvalidInput("give both --lat and --lon, or neither")
    given = {"name": name, "district": district, "rt": rt, "lat": lat, "lon": lon}
    with services() as svc:
        result = changes.edit_camera(
            svc,
            user_context(svc, actor),
            camera_id,
            {k: v for k, v in given.items() if v is not None},
            reason,
        )
    emit(result, as_json, _shown)


def camera_retire(
    camera_id: str = typer.Argument(...),
    actor: str | None = typer.Option(None, "--actor", help=ACTOR_HELP),
    reason: str = typer.Option(..., "--reason"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Retire a camera: it keeps its history and clips, and is no longer listed or pulled."""
    with services() as svc:
        result = changes.retire_camera(svc, user_context(svc, actor), camera_id, reason)
    emit(result, as_json, _shown)


def camera_source(
    camera_id: str = typer.Argument(...),
    kind: str = typer.Option(
        ..., "--kind", help="hikvision|dahua|rtsp-template|hls-vod|mediamtx|onvif|folder"
    ),
    url: str = typer.Option(..., "--url", help="The recorder's base URL, template or folder."),
    channel: int = typer.Option(None, "--channel", help="The recorder's channel (NVR/DVR)."),
    path: str = typer.Option(None, "--path", help="The recorder's name for the camera."),
    tz: str = typer.Option("Z", "--tz", help="The recorder's own time zone, e.g. +07:00."),
    credential: str = typer.Option(
        None, "--credential", help="A credential's name in SAKSI_CREDENTIALS."
    ),
    actor: str | None = typer.Option(None, "--actor", help=ACTOR_HELP),
    reason: str = typer.Option(None, "--reason"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Register where a camera's recordings are fetched from (docs/sources.md)."""
    with services() as svc:
        result = changes.set_source(
            svc,
            user_context(svc, actor),
            camera_id,
            kind=kind,
            url=url,
            channel=channel,
            path=path,
            tz=tz,
            credential=credential,
            reason=reason,
        )
    emit(result, as_json, _shown)


def camera_import(
    file: Path = typer.Argument(..., help="FILE.csv or FILE.geojson"),
    actor: str | None = typer.Option(None, "--actor", help=ACTOR_HELP),
    reason: str = typer.Option(None, "--reason"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Register, edit and source many cameras from one file; all rows are checked first."""
    try:
        data = file.read_bytes()
    except OSError as e:
        raise InvalidInput(f"cannot read {file}: {e.strerror}") from None
    with services() as svc:
        result = bulk.import_cameras(svc, user_context(svc, actor), file.name, data, reason)
    emit(
        result,
        as_json,
        lambda r: (
            f"{r['file']}: {r['rows']} camera(s); {r['registered']} registered, "
            f"{r['edited']} edited, {r['sources_set']} source(s) set, {r['unchanged']} unchanged "
            f"({r['events']} event(s))"
        ),
    )


def camera_export(
    fmt: str = typer.Option(..., "--format", help="csv|geojson"),
    out: Path = typer.Option(..., "--out", help="The file to write."),
    actor: str | None = typer.Option(None, "--actor", help=ACTOR_HELP),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Write the registry's cameras in service, with their recording sources."""
    with services() as svc:
        data = bulk.export_cameras(svc, user_context(svc, actor), fmt)
    out.write_bytes(data)
    emit({"out": str(out), "format": fmt, "bytes": len(data)}, as_json, lambda r: f"wrote {out}")

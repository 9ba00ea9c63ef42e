"""`saksi init`, `saksi user ...` and `saksi camera ...`."""

from __future__ import annotations

from typing import Any

import typer

from api.cli import camera_changes, remote
from api.cli.common import (
    ACTOR_HELP,
    emit,
    host_context,
    reader_context,
    services,
    table,
    user_context,
)
from archive.accounts import users
from archive.cameras import registry as cameras
from archive.errors import InvalidInput
from archive.timefmt import now, parse_duration


def register(app: typer.Typer) -> None:
    app.command("init")(init)
    user_app = typer.Typer(help="Users and their tokens.", no_args_is_help=True)
    user_app.command("add")(user_add)
    user_app.command("revoke")(user_revoke)
    app.add_typer(user_app, name="user")
    camera_app = typer.Typer(help="The camera registry.", no_args_is_help=True)
    camera_app.command("add")(camera_add)
    camera_app.command("list")(camera_list)
    camera_changes.register(camera_app)
    app.add_typer(camera_app, name="camera")


def init(
    admin: str = typer.Option("admin", "--admin", help="Name of the first admin."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Set up storage, the signing key and the first admin (idempotent)."""
    with services(create_database=True) as svc:
        result = users.init_archive(svc, host_context(), admin)

    def human(r: dict[str, Any]) -> str:
        lines = [f"archive ready at {r['settings']['home']}"]
        if r["token"]:
            lines.append(f"admin {r['admin']} created; token (shown once, keep it safe):")
            lines.append(r["token"])
        else:
            lines.append(f"admin {r['admin']} already exists; its token is not shown again")
        return "\n".join(lines)

    emit(
        {
            "admin": result["admin"],
            "token": result["token"],
            **{k: v for k, v in result.items() if k not in ("admin", "token")},
        },
        as_json,
        human,
    )


def user_add(
    name: str = typer.Argument(..., help="User name."),
    role: str = typer.Option(..., "--role", help="operator|investigator|auditor|admin|owner"),
    actor: str | None = typer.Option(None, "--actor", help=ACTOR_HELP),
    expires: str = typer.Option(None, "--expires", help="Token lifetime, e.g. P90D."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Add a user; prints its token once."""
    if remote.server():
        with remote.session() as api:
            result = api.call(
                "POST", "/api/users", json={"name": name, "role": role, "expires": expires}
            )
    else:
        until = now() + parse_duration(expires, "--expires") if expires else None
        with services() as svc:
            result = users.add_user(svc, user_context(svc, actor), name, role, until)
    emit(
        result,
        as_json,
        lambda r: f"user {r['name']} ({r['role']}) added; token (shown once):\n{r['token']}",
    )


def user_revoke(
    name: str = typer.Argument(...),
    actor: str | None = typer.Option(None, "--actor", help=ACTOR_HELP),
    reason: str = typer.Option(..., "--reason"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Revoke a user's token."""
    with services() as svc:
        result = users.revoke_token(svc, user_context(svc, actor), name, reason)
    emit(result, as_json, lambda r: f"token of {r['name']} revoked")


def camera_add(
    camera_id: str = typer.Argument(..., help="Camera id, e.g. SMG-SS-0001."),
    name: str = typer.Option(..., "--name"),
    owner: str = typer.Option(..., "--owner", help="public|private"),
    district: str = typer.Option(..., "--district", help="Kecamatan."),
    rt: str = typer.Option(None, "--rt", help="Rukun tetangga."),
    lat: float = typer.Option(None, "--lat"),
    lon: float = typer.Option(None, "--lon"),
    owner_user: str = typer.Option(None, "--owner-user", help="Private owner's user name."),
    actor: str | None = typer.Option(None, "--actor", help=ACTOR_HELP),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Register a camera."""
    if remote.server():
        body: dict[str, Any] = {"camera_id": camera_id, "name": name, "owner": owner}
        body |= {"district": district}
        body |= {"rt": rt, "lat": lat, "lon": lon, "owner_user": owner_user}
        with remote.session() as api:
            result = api.call("POST", "/api/cameras", json=body)
        emit(result, as_json, _registered)
        return
    with services() as svc:
        result = cameras.register_camera(
            svc,
            user_context(svc, actor),
            camera_id=camera_id,
            name=name,
            owner=owner,
            district=district,
            rt=rt,
            lat=lat,
            lon=lon,
            owner_user=owner_user,
        )
    emit(result, as_json, _registered)


def _registered(r: dict[str, Any]) -> str:
    return f"camera {r['camera_id']} registered in {r['district']}"


def parse_point(text: str) -> tuple[float, float]:
    try:
        lat_s, lon_s = text.split(",")
        return float(lat_s), float(lon_s)
    except ValueError:
        raise InvalidInput(f"invalid --near {text!r}: expected LAT,LON") from None


def camera_list(
    district: str = typer.Option(None, "--district"),
    near: str = typer.Option(None, "--near", help="LAT,LON"),
    radius_m: float = typer.Option(None, "--radius-m"),
    as_json: bool = typer.Option(False, "--json"),
    actor: str = typer.Option(
        None, "--actor", help="List as this user (a private camera owner sees only their own)."
    ),
) -> None:
    """List cameras, by district or around a point."""
    point = parse_point(near) if near else None
    if remote.server():
        query = {"district": district, "radius_m": radius_m}
        query |= {"lat": point[0], "lon": point[1]} if point else {}
        rows = remote.get("/api/cameras", **query)["cameras"]
    else:
        with services() as svc:
            rows = cameras.list_cameras(
                svc, reader_context(svc, actor), district=district, near=point, radius_m=radius_m
            )
    cols = ["camera_id", "name", "owner", "district", "rt", "lat", "lon"]
    if point:
        cols.append("distance_m")
    emit({"cameras": rows}, as_json, lambda r: table(r["cameras"], cols))

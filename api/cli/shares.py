"""`saksi share create|revoke|list`: links for recipients outside the archive."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import typer

from api.cli import remote
from api.cli.common import ACTOR_HELP, emit, reader_context, services, table, user_context
from archive.sharing import shares


def register(app: typer.Typer) -> None:
    share_app = typer.Typer(
        help="Share a case or clips with a recipient by a link that expires.",
        no_args_is_help=True,
    )
    share_app.command("create")(create)
    share_app.command("revoke")(revoke)
    share_app.command("list")(list_cmd)
    app.add_typer(share_app, name="share")


def create(
    actor: str | None = typer.Option(None, "--actor", help=ACTOR_HELP),
    recipient: str = typer.Option(..., "--recipient", help="Who the link is for."),
    expires: str = typer.Option(..., "--expires", help="ISO 8601 duration, e.g. P14D."),
    view_only: bool = typer.Option(False, "--view-only", help="Watch only: no package."),
    case: str = typer.Option(None, "--case", help="Share every clip of this case."),
    clip: list[str] = typer.Option([], "--clip", help="A clip (repeatable)."),
    reason: str = typer.Option(None, "--reason", help="Why (default: shared with RECIPIENT)."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Create a share; prints its link and token once (only their hash is kept)."""
    until = shares.lifetime(expires)
    if remote.server():
        body: dict[str, Any] = {"case_id": case, "clip_ids": clip, "recipient": recipient}
        body |= {"expires": expires}
        body |= {"view_only": view_only, "reason": reason}
        with remote.session() as api:
            result = api.call("POST", "/api/shares", json=body)
        emit(result, as_json, _created)
        return
    with services() as svc:
        result = shares.create_share(
            svc,
            user_context(svc, actor),
            recipient=recipient,
            expires=until,
            view_only=view_only,
            case_id=case,
            clip_ids=clip,
            reason=reason,
        )
    emit(result, as_json, _created)


def _created(r: dict[str, Any]) -> str:
    return (
        f"share {r['share_id']} for {r['recipient']}: {len(r['clip_ids'])} clip(s), "
        f"expires {r['expires_at']}{', view-only' if r['view_only'] else ''}\n"
        f"link (shown once; give it to the recipient only): {r['url']}"
    )


def revoke(
    share_id: str = typer.Argument(...),
    actor: str | None = typer.Option(None, "--actor", help=ACTOR_HELP),
    reason: str = typer.Option(..., "--reason"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Revoke a share: its link stops working at once."""
    if remote.server():
        with remote.session() as api:
            path = f"/api/shares/{quote(share_id)}"
            result = api.call("DELETE", path, params={"reason": reason})
        emit(result, as_json, _revoked)
        return
    with services() as svc:
        result = shares.revoke_share(
            svc, user_context(svc, actor), share_id=share_id, reason=reason
        )
    emit(result, as_json, _revoked)


def _revoked(r: dict[str, Any]) -> str:
    return f"share {r['share_id']} revoked at {r['revoked_at']}"


def list_cmd(
    case: str = typer.Option(None, "--case", help="Only the shares of this case."),
    actor: str = typer.Option(
        None, "--actor", help="List as this user (default: all, read locally)."
    ),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Shares, newest first, with their state and use (never their tokens)."""
    if remote.server():
        rows = remote.get("/api/shares", case=case)["shares"]
    else:
        with services() as svc:
            rows = shares.list_shares(svc, reader_context(svc, actor), case_id=case)

    def human(r: dict[str, Any]) -> str:
        columns = ["share_id", "recipient", "case_id", "status", "expires_at", "views"]
        return table(r["shares"], [*columns, "downloads", "view_only"])

    emit({"shares": rows}, as_json, human)

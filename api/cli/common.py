"""Shared plumbing of the command line: services, output, errors, progress."""

from __future__ import annotations

import getpass
import json
import socket
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import typer
from typer._click.globals import get_current_context

from api.cli import remote
from archive.accounts import sign_in
from archive.bootstrap import bootstrap
from archive.errors import InvalidInput, SaksiError, classify
from archive.services import Services
from archive.settings import ClientSettings, Settings
from domain.base import Context

DEBUG = {"on": False}
ACTOR_HELP = "Optional check: the user whose token (SAKSI_TOKEN) runs the command."


def _account() -> str:
    try:
        return f"{getpass.getuser()}@{socket.gethostname()}"
    except Exception:  # no passwd entry in some containers
        return f"unknown@{socket.gethostname()}"


def user_context(svc: Services, actor: str | None = None) -> Context:
    """The user a command acts for, proven by their token (SAKSI_TOKEN, or typed when asked on
    a terminal) and checked by the same use case as a bearer token on the API. `--actor`, when
    given, must name the token's user: a name typed proves nothing. Events record the local
    account and host as the client address; a missing or wrong token is recorded and refused."""
    target = f"cli:{_command_path()}"
    token = ClientSettings.from_env().token or ask_token()
    return sign_in.sign_in_command(svc, token, f"local:{_account()}", target, actor)


def reader_context(svc: Services, actor: str | None = None) -> Context:
    """Commands that read metadata and take an optional --actor: the user when a token or an
    --actor is given (then checked as any user's command), otherwise the host (HOST)."""
    if actor or ClientSettings.from_env().token:
        return user_context(svc, actor)
    return host_context()


def host_context() -> Context:
    """A command naming no user: the host's own account acts (the access table's HOST); its
    records say so (channel `host`, the OS account as actor and client)."""
    account = _account()
    return Context(actor=account, channel="host", client=f"local:{account}")


def ask_token() -> str | None:
    """Asked only when someone is at a terminal; scripts must set SAKSI_TOKEN."""
    if not (sys.stdin.isatty() and sys.stderr.isatty()):
        return None
    try:
        return getpass.getpass("token (SAKSI_TOKEN is not set): ", stream=sys.stderr) or None
    except (EOFError, KeyboardInterrupt):
        return None


def _command_path() -> str:
    """`saksi case open`: what was refused, for the record. Typer (pinned) vendors click."""
    context, names = get_current_context(silent=True), []
    while context is not None and context.parent is not None:  # the root's name is argv[0]
        names.append(context.info_name or "")
        context = context.parent
    return " ".join(["saksi", *reversed(names)])


@contextmanager
def services(create_database: bool = False) -> Iterator[Services]:
    """The archive on this host. Never from a workstation (a server is configured): a command
    without a workstation mode is refused there rather than run on a stray local archive."""
    if remote.server():
        raise InvalidInput(
            f"{_command_path()} runs only on the archive host, not from a workstation "
            "(unset SAKSI_SERVER / --server to run it here)"
        )
    svc = bootstrap(Settings.from_env(), create_database=create_database)
    try:
        yield svc
    finally:
        svc.close()


def emit(result: Any, as_json: bool, human: Callable[[Any], str] | None = None) -> None:
    if as_json:
        typer.echo(json.dumps(result, indent=2, sort_keys=False, default=str))
    elif human is not None:
        typer.echo(human(result))
    else:
        typer.echo(json.dumps(result, indent=2, default=str))


def fail(error: SaksiError) -> None:
    typer.echo(f"error: {error.message}", err=True)
    raise typer.Exit(error.exit_code)


def handle(exc: BaseException) -> int:
    """One line on stderr and the contract's exit code; a traceback only with --debug."""
    known = classify(exc)
    if DEBUG["on"]:
        import traceback

        traceback.print_exception(exc, file=sys.stderr)
    if known is None:
        typer.echo(f"error: internal error ({type(exc).__name__}); rerun with --debug", err=True)
        return 70
    typer.echo(f"error: {known.message}", err=True)
    return known.exit_code


def table(rows: list[dict[str, Any]], columns: list[str]) -> str:
    if not rows:
        return "(none)"
    cells = [[("" if r.get(c) is None else str(r.get(c))) for c in columns] for r in rows]
    widths = [max(len(c), *(len(row[i]) for row in cells)) for i, c in enumerate(columns)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True))]
    lines += ["  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)) for row in cells]
    return "\n".join(lines)

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

from archive.bootstrap import bootstrap
from archive.errors import SaksiError, classify
from archive.services import Services
from archive.settings import Settings
from domain.base import Context

DEBUG = {"on": False}


def _account() -> str:
    try:
        return f"{getpass.getuser()}@{socket.gethostname()}"
    except Exception:  # no passwd entry in some containers
        return f"unknown@{socket.gethostname()}"


def cli_context(actor: str) -> Context:
    """A user's command: CLI events record the local account and host as the client address."""
    return Context(actor=actor, channel="cli", client=f"local:{_account()}")


def caller(actor: str | None) -> Context:
    """Who runs a command that takes an optional --actor: that user, or else the host."""
    return cli_context(actor) if actor else host_context()


def host_context() -> Context:
    """A command naming no user: the host's own account acts (the access table's HOST)."""
    account = _account()
    return Context(actor=account, channel="host", client=f"local:{account}")


@contextmanager
def services(create_database: bool = False) -> Iterator[Services]:
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


def progress_printer(label: str, total: int | None = None) -> Callable[[int], None] | None:
    """Progress on stderr, only when stderr is a terminal."""
    if not sys.stderr.isatty():
        return None
    last = {"mb": -1}

    def show(done: int) -> None:
        mb = done // (1024 * 1024)
        if mb == last["mb"]:
            return
        last["mb"] = mb
        if total:
            sys.stderr.write(
                f"\r{label}: {mb} / {total // (1024 * 1024)} MiB ({100 * done // total}%)"
            )
        else:
            sys.stderr.write(f"\r{label}: {mb} MiB")
        sys.stderr.flush()

    return show


def table(rows: list[dict[str, Any]], columns: list[str]) -> str:
    if not rows:
        return "(none)"
    cells = [[("" if r.get(c) is None else str(r.get(c))) for c in columns] for r in rows]
    widths = [max(len(c), *(len(row[i]) for row in cells)) for i, c in enumerate(columns)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True))]
    lines += ["  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)) for row in cells]
    return "\n".join(lines)

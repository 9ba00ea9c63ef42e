"""The `saksi` command line (Typer). Thin: parse, call a use case, print, map errors."""

from __future__ import annotations

import sys
from importlib.metadata import version

import typer
from typer.exceptions import TyperException

from api.cli import (
    audit,
    cases,
    clips,
    footage_requests,
    packages,
    redactions,
    remote,
    retention,
    serve,
    setup,
    shares,
    witness,
)
from api.cli.common import DEBUG, handle

app = typer.Typer(
    name="saksi",
    help="Saksi: an event-sourced, tamper-evident video evidence archive.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=True,  # --install-completion / --show-completion (bash, zsh, fish, PowerShell)
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"saksi {version('saksi')}")
        raise typer.Exit(0)


@app.callback()
def root(
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks for errors."),
    show_version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version."
    ),
    server: str = typer.Option(
        None,
        "--server",
        help="Run user commands through this archive's HTTP API (default: SAKSI_SERVER; "
        "unset: on this host's archive). Needs the user's token (SAKSI_TOKEN).",
    ),
) -> None:
    DEBUG["on"] = debug
    remote.SERVER["url"] = server


setup.register(app)
cases.register(app)
clips.register(app)
audit.register(app)
packages.register(app)
retention.register(app)
serve.register(app)
shares.register(app)
footage_requests.register(app)
redactions.register(app)
witness.register(app)


def main() -> None:
    try:
        code = app(standalone_mode=False)
    except typer.Exit as e:
        code = e.exit_code
    except typer.Abort:
        typer.echo("error: aborted", err=True)
        code = 130
    except TyperException as e:
        if type(e).__name__ == "NoArgsIsHelpError":
            e.show()  # type: ignore[attr-defined]
            code = 0
        else:
            typer.echo(f"error: {e.format_message()}", err=True)
            code = 2
    except Exception as e:
        code = handle(e)
    sys.exit(code if isinstance(code, int) else 0)

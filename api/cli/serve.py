"""`saksi serve`: the HTTP API under uvicorn.

Shutdown (SIGTERM or SIGINT): uvicorn stops listening at once, closes idle connections, and
lets requests under way - uploads included - finish for up to SAKSI_SHUTDOWN_GRACE (default
PT30S; give the container's stop timeout more). Requests still running then are cut: the
client sees its connection closed, and an upload cut that way records nothing (content already
stored is an orphan for the sweep). Then the process cleans up (scheduler, catch-up,
connections) and exits 0. A read-model catch-up runs beside the server (archive/jobs/catchup.py).
"""

from __future__ import annotations

import math
import os
import signal
from datetime import timedelta
from typing import Any

import typer

from api.cli.common import DEBUG, services
from archive.bootstrap import start_scheduler
from archive.jobs import catchup
from archive.services import Services
from archive.timefmt import parse_duration

SHUTDOWN_GRACE = timedelta(seconds=30)


def shutdown_grace() -> int:
    text = os.environ.get("SAKSI_SHUTDOWN_GRACE")
    grace = parse_duration(text, "SAKSI_SHUTDOWN_GRACE") if text else SHUTDOWN_GRACE
    return max(1, math.ceil(grace.total_seconds()))


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)


def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
    port: int = typer.Option(8000, "--port", min=0, max=65535, help="Port to listen on."),
    no_scheduler: bool = typer.Option(
        False, "--no-scheduler", help="Do not run the scheduled jobs in this process."
    ),
    demo: bool = typer.Option(
        False, "--demo", help="Load the demo data and print sign-in tokens for its users."
    ),
) -> None:
    """Serve the HTTP API (OpenAPI at /openapi.json); logs are JSON lines on stderr."""
    import uvicorn

    from api.http import create_app, logs

    logs.configure(debug=DEBUG["on"])
    grace = shutdown_grace()
    with services() as svc:
        if demo:
            _load_demo(svc, host, port)
        config = uvicorn.Config(
            create_app(svc),
            host=host,
            port=port,
            timeout_graceful_shutdown=grace,
            **server_options(svc),
        )
        # The scheduled jobs (retention sweep, checkpoint sealing, fixity) run in this process
        # unless scaled out to a separate `saksi scheduler`.
        scheduler = None if no_scheduler else start_scheduler(svc.settings)
        catching_up = catchup.CatchUp(svc, svc.settings.catchup_interval).start()
        # uvicorn drains on SIGTERM/SIGINT, then raises the signal again under the handler it
        # found: with the default one the process would die there, skipping the clean-up below.
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, _drained)
        try:
            uvicorn.Server(config).run()
        finally:
            catching_up.stop()
            if scheduler is not None:
                scheduler.shutdown(wait=False)


def server_options(svc: Services) -> dict[str, Any]:
    """uvicorn's options for Saksi (api/http/protocol.py, docs/trust-model.md "Limits"): h11
    with the 16 KiB header limit and the header deadline; X-Forwarded-For believed only from
    SAKSI_TRUSTED_PROXIES, by the app itself (uvicorn's own default trusts 127.0.0.1)."""
    from api.http import logs
    from api.http.protocol import with_header_timeout

    return {
        "http": with_header_timeout(svc.settings.http_header_timeout.total_seconds()),
        "h11_max_incomplete_event_size": 16 * 1024,
        "proxy_headers": False,
        "forwarded_allow_ips": [],
        "log_config": logs.UVICORN_LOG_CONFIG,
        "access_log": False,
        "server_header": False,
        "timeout_keep_alive": 5,
        "limit_concurrency": 256,
    }


def _drained(_signum: int, _frame: object) -> None:
    """The signal uvicorn re-raises once it has drained: nothing left to do but clean up."""


def _load_demo(svc: Services, host: str, port: int) -> None:
    """Demo data and its recorder, then fresh tokens printed on the console (never to the log)."""
    from api.demo import demo_tokens, load_demo

    result = load_demo(svc, say=lambda line: typer.echo(line, err=True), recorder_port=port + 1)
    typer.echo(
        f"demo: {result['cameras']} cameras, cases {', '.join(result['cases'])}; "
        f"{result['case_id']} holds {len(result['clips'])} clips",
        err=True,
    )
    shown = f"[{host}]" if ":" in host else host
    typer.echo(f"\nSaksi is serving on http://{shown}:{port}  (web UI: /, API docs: /docs)")
    typer.echo("sign-in tokens for the demo users (new each start; the old ones stop working):")
    tokens = demo_tokens(svc)
    for name, token in tokens.items():
        typer.echo(f"  {name:12} {token}")
    typer.echo(
        f"try:  curl -H 'Authorization: Bearer TOKEN' http://{shown}:{port}/api/clips\n",
    )
    held = result["held"]
    a, b = held["end"] - timedelta(minutes=5), held["end"] - timedelta(minutes=4)
    typer.echo(
        "the demo recorder holds the last hour of every public camera; pull a minute of it "
        "(as inv.budi, whose token above proves who runs it):\n"
        f"  SAKSI_TOKEN={tokens['inv.budi']} saksi case pull {result['case_id']} "
        "--near -6.9904,110.4229 --radius-m 300 "
        f"--start {a.isoformat()} --end {b.isoformat()} --reason 'demo pull'\n"
    )

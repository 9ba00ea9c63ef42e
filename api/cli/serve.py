"""`saksi serve`: the HTTP API under uvicorn."""

from __future__ import annotations

import typer

from api.cli.common import DEBUG, services
from archive.bootstrap import Services
from retention.scheduler import start_scheduler


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
    with services() as svc:
        if demo:
            _load_demo(svc, host, port)
        config = uvicorn.Config(
            create_app(svc),
            host=host,
            port=port,
            log_config=logs.UVICORN_LOG_CONFIG,
            access_log=False,
            server_header=False,
            timeout_keep_alive=5,
            limit_concurrency=256,
            h11_max_incomplete_event_size=16 * 1024,
        )
        # The scheduled jobs (retention sweep, checkpoint sealing, fixity) run in this process
        # unless scaled out to a separate `saksi scheduler`.
        scheduler = None if no_scheduler else start_scheduler(svc.settings)
        try:
            uvicorn.Server(config).run()
        finally:
            if scheduler is not None:
                scheduler.shutdown(wait=False)


def _load_demo(svc: Services, host: str, port: int) -> None:
    """Demo data, then fresh tokens printed on the console (never to the log)."""
    from api.demo import demo_tokens, load_demo

    result = load_demo(svc, say=lambda line: typer.echo(line, err=True))
    typer.echo(f"demo case {result['case_id']} holds {len(result['clips'])} clips", err=True)
    shown = f"[{host}]" if ":" in host else host
    typer.echo(f"\nSaksi is serving on http://{shown}:{port}  (web UI: /, API docs: /docs)")
    typer.echo("sign-in tokens for the demo users (new each start; the old ones stop working):")
    for name, token in demo_tokens(svc).items():
        typer.echo(f"  {name:12} {token}")
    typer.echo(
        f"try:  curl -H 'Authorization: Bearer TOKEN' http://{shown}:{port}/api/clips\n",
    )

"""`saksi witness key` and `saksi witness serve`: the witness service (api/witness/)."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import typer
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from api.witness.state import WitnessState
from archive.errors import InvalidInput
from ledger.checkpoint import CheckpointError, Verifier, parse_verifier_key
from ledger.cosignature import CosignatureError, cosigner_key
from ledger.keys import create_key, load_key

witness_app = typer.Typer(help="Run a witness that cosigns an archive's checkpoints.")


def register(app: typer.Typer) -> None:
    app.add_typer(witness_app, name="witness")


NAME_HELP = "The witness's name: its key name in cosignatures (e.g. kejaksaan.example/witness)."


@witness_app.command("key")
def key(
    key_file: str = typer.Option(..., "--key", help="The witness's Ed25519 key (made if absent)."),
    name: str = typer.Option(..., "--name", help=NAME_HELP),
) -> None:
    """Print the witness's verifier key (NAME+KEYHASH+BASE64(0x04‖PUBKEY)); make the key once."""
    path = Path(key_file)
    create_key(path)
    typer.echo(_verifier_key(name, path))


def _verifier_key(name: str, path: Path) -> str:
    try:
        return cosigner_key(name, _load(path).public_key())
    except CosignatureError as e:
        raise InvalidInput(f"--name: {e}") from None


def _load(path: Path) -> Ed25519PrivateKey:
    if not path.is_file():
        raise InvalidInput(f"no witness key at {path}: make one with `saksi witness key`")
    try:
        return load_key(path)
    except ValueError as e:
        raise InvalidInput(f"--key: {e}") from None


def parse_logs(values: list[str]) -> dict[str, list[Verifier]]:
    """`--log ORIGIN=VERIFIER_KEY`, repeatable (a log may have several keys)."""
    logs: dict[str, list[Verifier]] = {}
    for value in values:
        origin, sep, text = value.partition("=")
        if not sep or not origin:
            raise InvalidInput(f"--log {value[:80]!r}: expected ORIGIN=VERIFIER_KEY")
        try:
            logs.setdefault(origin, []).append(parse_verifier_key(text))
        except CheckpointError as e:
            raise InvalidInput(f"--log {origin}: {e}") from None
    if not logs:
        raise InvalidInput("give at least one --log ORIGIN=VERIFIER_KEY")
    return logs


@witness_app.command("serve")
def serve(
    key_file: str = typer.Option(..., "--key", help="The witness's Ed25519 key file."),
    name: str = typer.Option(..., "--name", help=NAME_HELP),
    state: str = typer.Option(
        ..., "--state", help="Its own state: sqlite:///PATH or postgresql://USER@HOST/DB."
    ),
    log: list[str] = typer.Option([], "--log", help="ORIGIN=VERIFIER_KEY of a log it accepts."),
    host: str = typer.Option("127.0.0.1", "--host"),
    port: int = typer.Option(8100, "--port", min=0, max=65535),
) -> None:
    """Serve C2SP tlog-witness (POST /add-checkpoint) for the given logs."""
    import uvicorn

    logs = parse_logs(log)
    path = Path(key_file)
    _verifier_key(name, path)  # a bad name or key fails before the state is touched
    try:
        store = WitnessState(state)
    except ValueError as e:
        raise InvalidInput(f"--state: {e}") from None
    logging.basicConfig(
        stream=sys.stderr, level=logging.INFO, format="%(asctime)s %(name)s %(message)s"
    )
    # The witness's HTTP stack is imported here, not with the CLI: every other command
    # would pay for loading FastAPI (docs/performance.md, "A command").
    from api.witness.server import Witness, create_witness_app

    witness = Witness(name, _load(path), logs, store)
    logging.getLogger("saksi.witness").info(
        "witness %s serving %d log(s) on %s:%d", witness.verifier_key, len(logs), host, port
    )
    try:
        uvicorn.run(
            create_witness_app(witness),
            host=host,
            port=port,
            access_log=False,
            server_header=False,
            timeout_keep_alive=5,
            log_level="warning",
        )
    finally:
        store.close()

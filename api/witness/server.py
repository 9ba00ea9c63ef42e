"""`saksi witness serve`: a C2SP tlog-witness over HTTP (ledger/witness.py decides).

    POST /add-checkpoint             the log's new checkpoint, old size and consistency proof
    GET  /<sha256(origin) hex>/checkpoint   the latest checkpoint cosigned for that log
    GET  /                           the witness's name and verifier key (text)

Its own Ed25519 key and its own state (api/witness/state.py): it never reads the archive's
database. A refused checkpoint whose signature was good is kept with the latest one, and
logged (logger `saksi.witness`): for an inconsistent one, as an error — a fork's evidence.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import FastAPI, Request
from fastapi.responses import PlainTextResponse, Response
from starlette.concurrency import run_in_threadpool

from api.witness.state import WitnessState
from ledger.checkpoint import Verifier
from ledger.cosignature import cosign, cosigner_key, with_cosignatures
from ledger.witness import (
    MAX_REQUEST_BYTES,
    SIZE_CONTENT_TYPE,
    AddCheckpoint,
    Latest,
    Refusal,
    decide,
    note_origin,
    parse_add_checkpoint,
)

log = logging.getLogger("saksi.witness")


@dataclass(frozen=True)
class Witness:
    """What the service needs: its name and key, the logs it accepts, its state."""

    name: str
    key: Ed25519PrivateKey
    logs: Mapping[str, Sequence[Verifier]]  # origin -> the keys that may sign its checkpoints
    state: WitnessState

    @property
    def verifier_key(self) -> str:
        return cosigner_key(self.name, self.key.public_key())

    def add_checkpoint(self, body: bytes) -> str:
        """The cosignature line for a request's checkpoint, once it is stored; or Refusal."""
        request = parse_add_checkpoint(body)
        signed: dict[str, str] = {}

        def check(latest: Latest | None) -> tuple[int, bytes, str]:
            checkpoint = decide(request, self.logs, latest)
            line = cosign(checkpoint.body(), self.name, self.key, int(time.time()))
            signed["line"] = line
            return checkpoint.size, checkpoint.root, with_cosignatures(checkpoint.note, [line])

        origin = note_origin(request.note)
        try:
            self.state.advance(origin, check)
        except Refusal as refusal:
            self._keep(origin, request, refusal)
            raise
        return signed["line"]

    def _keep(self, origin: str, request: AddCheckpoint, refusal: Refusal) -> None:
        """A refused checkpoint of a known log is kept beside the latest cosigned one."""
        if refusal.kind == "unknown_log":
            log.warning("refused a checkpoint: %s", refusal.detail)
            return
        self.state.refused(
            origin, refusal.status, refusal.kind, refusal.detail, request.old_size, request.note
        )
        if refusal.kind == "inconsistent":
            log.error("FORK: refused an inconsistent checkpoint for %r: %s", origin, refusal.detail)
        else:
            log.warning("refused a checkpoint for %r: %s", origin, refusal.detail)

    def latest_note(self, origin_hash: str) -> str | None:
        for origin in self.logs:
            if hashlib.sha256(origin.encode()).hexdigest() == origin_hash:
                latest = self.state.latest(origin)
                return latest.note if latest else None
        return None


def create_witness_app(witness: Witness) -> FastAPI:
    app = FastAPI(title="Saksi witness", docs_url=None, redoc_url=None, openapi_url=None)

    @app.post("/add-checkpoint")
    async def add_checkpoint(request: Request) -> Response:
        body = b""
        async for chunk in request.stream():
            body += chunk
            if len(body) > MAX_REQUEST_BYTES:
                return PlainTextResponse("request body too large\n", status_code=400)
        try:
            line = await run_in_threadpool(witness.add_checkpoint, body)
        except Refusal as refusal:
            if refusal.status == 409:
                return Response(f"{refusal.size}\n", 409, media_type=SIZE_CONTENT_TYPE)
            return PlainTextResponse(f"{refusal.detail}\n", status_code=refusal.status)
        return PlainTextResponse(line)

    @app.get("/{origin_hash}/checkpoint")
    async def checkpoint(origin_hash: str) -> Response:
        note = await run_in_threadpool(witness.latest_note, origin_hash)
        if note is None:
            return PlainTextResponse("no checkpoint cosigned for that log\n", status_code=404)
        return PlainTextResponse(note, headers={"Cache-Control": "no-store"})

    @app.get("/")
    async def about() -> Response:
        return PlainTextResponse(f"{witness.name}\n{witness.verifier_key}\n")

    return app

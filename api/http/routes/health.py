"""/health (is the process up) and /ready (can it reach its stores); no token needed."""

from __future__ import annotations

from importlib.metadata import version
from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from api.http.deps import Run
from api.http.models import HealthOut, ReadyOut
from archive.ops import status

router = APIRouter(tags=["health"])


@router.get("/health", response_model=HealthOut)
async def health() -> dict[str, Any]:
    return {"status": "ok", "version": version("saksi")}


@router.get("/ready", response_model=ReadyOut, responses={503: {"model": ReadyOut}})
async def ready(run: Run) -> Any:
    checks = await run(status.readiness)
    body = {"ready": all(checks.values()), "checks": checks}
    return body if body["ready"] else JSONResponse(body, status_code=503)

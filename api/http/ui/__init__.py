"""The web UI: server-rendered pages under `/` for investigators, auditors and admins.

Pages call the same use cases as the API and the CLI, with the signed-in user's Context, so
the access table applies unchanged and every refusal is recorded by the use case.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from api.http.ui import (
    admin,
    apidocs,
    audit,
    cameramap,
    caseupload,
    exports,
    investigate,
    owners,
    pulls,
    recovery,
    registry,
    sharing,
    signin,
    sso,
    timeline,
)

STATIC = Path(__file__).parent / "static"


def install(app: FastAPI) -> None:
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for module in (
        signin,
        sso,
        apidocs,
        timeline,
        owners,
        caseupload,
        registry,
        pulls,  # before investigate: /cases/new and /cases/{id}/pull are not case ids
        investigate,
        cameramap,
        audit,
        admin,
        exports,
        sharing,
        recovery,
    ):
        app.include_router(module.router)

"""HTTP fixtures: the app in-process (TestClient) and a real uvicorn server on a free port."""

from __future__ import annotations

import io
import logging
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.http import create_app, logs
from api.http.limits import HttpLimits
from tests.conftest import Archive
from tests.support import flows


@dataclass
class Api:
    """A client of the app with the archive's users signed in by name."""

    client: TestClient | httpx.Client
    archive: Archive
    app: FastAPI

    def auth(self, user: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.archive.tokens[user]}"}

    def request(self, method: str, url: str, user: str | None = None, **kw: Any) -> httpx.Response:
        headers = {**(self.auth(user) if user else {}), **kw.pop("headers", {})}
        return self.client.request(method, url, headers=headers, **kw)

    def get(self, url: str, user: str | None = None, **kw: Any) -> httpx.Response:
        return self.request("GET", url, user, **kw)

    def post(self, url: str, user: str | None = None, **kw: Any) -> httpx.Response:
        return self.request("POST", url, user, **kw)

    def delete(self, url: str, user: str | None = None, **kw: Any) -> httpx.Response:
        return self.request("DELETE", url, user, **kw)


@pytest.fixture
def log_output() -> Iterator[io.StringIO]:
    """Everything saksi and uvicorn log during the test, as the JSON lines `saksi serve` writes."""
    stream = io.StringIO()
    logs.configure(stream)
    yield stream
    for name in ("saksi", "uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers = []
        logging.getLogger(name).propagate = True


@pytest.fixture
def api(archive: Archive, log_output: io.StringIO) -> Iterator[Api]:
    app = create_app(archive.svc, HttpLimits())
    with TestClient(app, raise_server_exceptions=False) as client:
        yield Api(client, archive, app)


@pytest.fixture
def case_clip(archive: Archive, footage: Path) -> dict[str, Any]:
    """A clip in case R-2026-0001 (lead budi, member dodi; eko, sari and ana are not members)."""
    return flows.clip_in_case(archive.svc, footage)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def server(archive: Archive, log_output: io.StringIO) -> Iterator[Api]:
    """The app under a real uvicorn server on a free loopback port, in a thread."""
    app = create_app(archive.svc, HttpLimits())
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=free_port(),
        log_config=logs.UVICORN_LOG_CONFIG,
        access_log=False,
        lifespan="off",
    )
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not srv.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    with httpx.Client(base_url=f"http://127.0.0.1:{config.port}", timeout=30) as client:
        yield Api(client, archive, app)
    srv.should_exit = True
    thread.join(10)

"""End-to-end fixtures: an archive set up through the command line; the HTTP app in-process
(TestClient) and a real uvicorn server on a free port."""

from __future__ import annotations

import io
import logging
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.cli import serve
from api.http import create_app, logs
from api.http.limits import HttpLimits
from archive.services import Services
from tests.conftest import Archive, CliResult
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

    def put(self, url: str, user: str | None = None, **kw: Any) -> httpx.Response:
        return self.request("PUT", url, user, **kw)

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


def serve_at(archive: Archive, url: str) -> None:
    """SAKSI_PUBLIC_URL as a deployment sets it: links are made from it alone."""
    archive.svc.settings = archive.svc.settings.model_copy(update={"public_url": url})


@pytest.fixture
def api(archive: Archive, log_output: io.StringIO) -> Iterator[Api]:
    serve_at(archive, "http://testserver")
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


@contextmanager
def uvicorn_serving(app: FastAPI, svc: Services, port: int = 0) -> Iterator[int]:
    """`app` under a real uvicorn server in a thread, on loopback (`port`, or a free one,
    yielded), with the options `saksi serve` runs with (h11, header deadline, no proxy trusted
    by default)."""
    options = {**serve.server_options(svc), "log_config": logs.UVICORN_LOG_CONFIG}
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port or free_port(), lifespan="off", **options
    )
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not srv.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    try:
        yield config.port
    finally:
        srv.should_exit = True
        thread.join(10)


@contextmanager
def serving(app: FastAPI, svc: Services, port: int = 0) -> Iterator[str]:
    """`uvicorn_serving`, yielding the server's URL."""
    with uvicorn_serving(app, svc, port) as bound:
        yield f"http://127.0.0.1:{bound}"


@pytest.fixture
def server_port() -> int:
    """The port `server` listens on (a module overrides it when its settings must name it)."""
    return free_port()


@pytest.fixture
def server(archive: Archive, log_output: io.StringIO, server_port: int) -> Iterator[Api]:
    """The app under a real uvicorn server on loopback, in a thread."""
    app = create_app(archive.svc, HttpLimits())
    with serving(app, archive.svc, server_port) as url:
        serve_at(archive, url)
        with httpx.Client(base_url=url, timeout=30) as client:
            yield Api(client, archive, app)


# --- the command line ---


@pytest.fixture
def admin_token(cli) -> str:
    result = cli("init", "--admin", "ana", "--json")
    assert result.code == 0, result.err
    doc = result.json()
    assert set(doc) >= {"admin", "token"} and doc["admin"] == "ana"
    assert doc["token"].startswith("sks_")
    return str(doc["token"])


@pytest.fixture
def people(cli, admin_token: str) -> None:
    for name, role in (("budi", "investigator"), ("dodi", "operator"), ("sari", "auditor")):
        result = cli("user", "add", name, "--role", role, "--actor", "ana", "--json")
        assert result.code == 0, result.err
        assert result.json()["name"] == name and result.json()["role"] == role
        assert result.json()["token"].startswith("sks_")


@pytest.fixture
def clip(cli, people: None, footage: Path) -> dict:
    assert (
        cli(
            "camera",
            "add",
            "SMG-SS-0001",
            "--name",
            "Simpang Lima",
            "--owner",
            "public",
            "--district",
            "Semarang Selatan",
            "--rt",
            "001",
            "--lat",
            "-6.9903",
            "--lon",
            "110.4229",
            "--actor",
            "dodi",
        ).code
        == 0
    )
    assert (
        cli(
            "case",
            "open",
            "R-1",
            "--kind",
            "report",
            "--title",
            "112 call",
            "--actor",
            "budi",
            "--member",
            "dodi",
        ).code
        == 0
    )
    result = cli(
        "ingest",
        "--camera",
        "SMG-SS-0001",
        "--source",
        str(footage),
        "--actor",
        "budi",
        "--reason",
        "verify 112 report",
        "--case",
        "R-1",
        "--json",
    )
    assert result.code == 0, result.err
    return dict(result.json())


def one_error_line(result: CliResult, code: int = 2) -> str:
    assert result.code == code, (result.code, result.out, result.err)
    lines = result.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.err
    assert result.out == ""
    return lines[0]

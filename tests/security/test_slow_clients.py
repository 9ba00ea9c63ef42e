"""Findings 9 and 14 of issue 18, against uvicorn with the options `saksi serve` runs with
(api/cli/serve.py `server_options`: h11, header deadline, no proxy trusted by its own default):
- the recorded client address is the peer's unless the peer is a trusted proxy
  (SAKSI_TRUSTED_PROXIES, empty by default); X-Forwarded-For from anyone else is ignored;
- one client cannot stall or lock out the server: an oversized header is refused, a socket
  that trickles its headers or sends nothing is closed, an upload that trickles is cut off,
  and /health answers all the while. Every wait here is bounded; none measures speed.
"""

from __future__ import annotations

import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from api.http import create_app
from archive.accounts import users
from archive.bootstrap import bootstrap
from archive.services import Services
from archive.settings import Settings
from tests.conftest import module_settings
from tests.e2e.conftest import uvicorn_serving
from tests.support.principals import HOST

PROXY = "127.0.0.2"  # a loopback address of its own: the one trusted proxy
BOUND_S = 20.0  # how long any single wait may take before the test fails


@dataclass
class Served:
    svc: Services
    port: int
    token: str

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def served(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Served]:
    tight = {  # short deadlines, so the tests stay short; one trusted proxy
        "http_header_timeout": timedelta(seconds=1),
        "http_body_grace": timedelta(seconds=1),
        "http_body_min_bytes_per_s": 64 * 1024,
        "trusted_proxies": (PROXY,),
    }
    settings = module_settings(request, tmp_path_factory, "served").model_copy(update=tight)
    svc = bootstrap(settings, create_database=True)
    token = str(users.init_archive(svc, HOST, "ana")["token"])
    with uvicorn_serving(create_app(svc), svc) as port:
        yield Served(svc, port, token)
    svc.close()


def health_throughout(served: Served) -> Callable[[], list[int]]:
    """Ask /health every 0.2 s in a thread until the returned function is called, and once
    more then: the answers."""
    answers: list[int] = []
    stop = threading.Event()

    def ask() -> None:
        with httpx.Client(timeout=5) as client:
            while not stop.is_set():
                try:
                    answers.append(client.get(f"{served.url}/health").status_code)
                except httpx.HTTPError:
                    answers.append(0)
                stop.wait(0.2)

    thread = threading.Thread(target=ask, daemon=True)
    thread.start()

    def done() -> list[int]:
        stop.set()
        thread.join(10)
        answers.append(httpx.get(f"{served.url}/health", timeout=5).status_code)
        return answers

    return done


def closed_by_server(sock: socket.socket, feed: bytes = b"", every: float = 0.3) -> bytes:
    """Send `feed` a byte at a time (none if empty) until the server closes the socket, which
    must happen within BOUND_S; returns what the server sent."""
    sock.settimeout(every)
    got, deadline, i = b"", time.monotonic() + BOUND_S, 0
    while time.monotonic() < deadline:
        try:
            if feed:
                sock.sendall(feed[i % len(feed) : i % len(feed) + 1])
                i += 1
            chunk = sock.recv(65536)
            if not chunk:
                return got
            got += chunk
        except TimeoutError:
            continue
        except (ConnectionResetError, BrokenPipeError):
            return got
    raise AssertionError(f"the server kept the socket open for {BOUND_S} s")


def test_a_socket_that_trickles_its_headers_is_closed_and_health_answers(served: Served) -> None:
    done = health_throughout(served)
    with socket.create_connection(("127.0.0.1", served.port)) as sock:
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: saksi\r\n")
        got = closed_by_server(sock, feed=b"X-Slow: aaaaaaaa\r\n")
    answers = done()
    assert b"200 OK" not in got
    assert answers and set(answers) == {200}


def test_idle_sockets_are_closed_and_do_not_lock_out_others(served: Served) -> None:
    done = health_throughout(served)
    socks = [socket.create_connection(("127.0.0.1", served.port)) for _ in range(30)]
    try:
        for sock in socks:
            assert closed_by_server(sock) == b""
    finally:
        for sock in socks:
            sock.close()
    answers = done()
    assert answers and set(answers) == {200}


def test_an_oversized_header_is_refused_at_once(served: Served) -> None:
    done = health_throughout(served)
    with socket.create_connection(("127.0.0.1", served.port)) as sock:
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: saksi\r\nX-Big: " + b"a" * 200_000)
        got = closed_by_server(sock)
    assert got.startswith(b"HTTP/1.1 400")
    assert set(done()) == {200}


def test_a_trickling_upload_is_cut_off_and_health_answers(served: Served) -> None:
    user = httpx.post(
        f"{served.url}/api/users",
        headers={"Authorization": f"Bearer {served.token}"},
        json={"name": "budi", "role": "investigator"},
    )
    assert user.status_code == 201, user.text
    done = health_throughout(served)
    head = (
        "POST /api/clips HTTP/1.1\r\nHost: saksi\r\n"
        f"Authorization: Bearer {user.json()['token']}\r\n"
        "Content-Type: multipart/form-data; boundary=b\r\nContent-Length: 1000000\r\n\r\n"
    )
    with socket.create_connection(("127.0.0.1", served.port)) as sock:
        sock.sendall(head.encode() + b"--b\r\n")
        got = closed_by_server(sock, feed=b"x", every=0.2)
    assert got.startswith(b"HTTP/1.1 408"), got[:200]
    assert b"slower than 64 KiB/s" in got
    assert set(done()) == {200}


def _failed_sign_in(served: Served, forwarded: str, local: str | None = None) -> str | None:
    """A refused sign-in claiming to come from `forwarded`; the client address it recorded."""
    marker = f"sks_{uuid.uuid4().hex}"
    transport = httpx.HTTPTransport(local_address=local) if local else None
    with httpx.Client(transport=transport, timeout=10) as client:
        refused = client.get(
            f"{served.url}/api/clips",
            headers={"Authorization": f"Bearer {marker}", "X-Forwarded-For": forwarded},
        )
    assert refused.status_code == 401
    with served.svc.db.tx(write=False) as tx:
        rows = tx.all("SELECT client FROM rm_refusals WHERE action='auth' ORDER BY position")
    return rows[-1]["client"] if rows else None


def test_the_peer_address_is_recorded_unless_the_peer_is_a_trusted_proxy(
    served: Served,
) -> None:
    # From 127.0.0.1 (not a trusted proxy) the header is ignored.
    assert _failed_sign_in(served, "203.0.113.9") == "127.0.0.1"
    # From the trusted proxy, the client it names is recorded (the nearest untrusted one).
    assert _failed_sign_in(served, "198.51.100.1, 203.0.113.7", local=PROXY) == "203.0.113.7"


def test_no_proxy_is_trusted_unless_configured(tmp_path: Path) -> None:
    assert Settings.from_env({"SAKSI_HOME": str(tmp_path)}).trusted_proxies == ()
    parsed = Settings.from_env({"SAKSI_TRUSTED_PROXIES": "10.0.0.0/8, 192.0.2.1"})
    assert parsed.trusted_proxies == ("10.0.0.0/8", "192.0.2.1")

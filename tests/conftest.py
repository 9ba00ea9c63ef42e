"""Fixtures: real PostgreSQL and real SeaweedFS S3; one suite run on every backend by parameter.

Under `make test` an unreachable service fails the run; nothing is skipped.
"""

from __future__ import annotations

import io
import os
import uuid
from collections.abc import Iterator
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest

from archive.accounts import users
from archive.bootstrap import bootstrap
from archive.ingest import media
from archive.services import Services
from archive.settings import Settings
from tests.support import cli_tokens
from tests.support.principals import HOST
from tests.support.recorders import Recorders, started
from tests.support.seaweed import SeaweedServer, start_seaweed
from tests.support.tsa import LocalTsa

PG_ADMIN = "host=127.0.0.1 port=5432 user=postgres dbname=postgres connect_timeout=5"
EVENT_STORES = ["sqlite", "postgres"]
OBJECT_STORES = ["file", "s3"]


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """A fresh PostgreSQL database for this test session, dropped afterwards."""
    name = f"saksi_test_{uuid.uuid4().hex[:10]}"
    try:
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as e:
        pytest.fail(f"PostgreSQL at 127.0.0.1:5432 is required (make services): {e}")
    yield name
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def seaweed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SeaweedServer]:
    """A real S3 server (SeaweedFS `weed mini`) on free loopback ports."""
    server = start_seaweed(tmp_path_factory.mktemp("seaweed"))
    yield server
    server.discard()


def event_store_url(kind: str, tmp_path: Path, pg_database: str) -> str:
    if kind == "sqlite":
        return f"sqlite:///{tmp_path}/events.sqlite"
    return f"postgresql://postgres@127.0.0.1:5432/{pg_database}?schema=t_{uuid.uuid4().hex[:12]}"


@pytest.fixture(params=EVENT_STORES)
def store_kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(params=OBJECT_STORES)
def object_kind(request: pytest.FixtureRequest) -> str:
    """Tests that name this fixture run on the file store and on S3 (SeaweedFS)."""
    return str(request.param)


def object_store_url(request: pytest.FixtureRequest, home: Path) -> str:
    """The file store unless the test asks for `object_kind`; on S3 a fresh bucket per test."""
    if "object_kind" not in request.fixturenames:
        return f"file://{home}/objects"
    if request.getfixturevalue("object_kind") == "file":
        return f"file://{home}/objects"
    server: SeaweedServer = request.getfixturevalue("seaweed")
    return server.url(f"t-{uuid.uuid4().hex[:16]}")


def module_settings(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, name: str
) -> Settings:
    """Settings of an archive shared by a module's tests, on the backend `request.param` names
    (a module-scoped fixture's parameter), with local files."""
    tmp = tmp_path_factory.mktemp(name)
    pg = request.getfixturevalue("pg_database") if request.param == "postgres" else ""
    home = tmp / "home"
    return Settings(
        home=home,
        event_store=event_store_url(request.param, tmp, pg),
        object_store=f"file://{home}/objects",
        signing_key=home / "keys" / "checkpoint.key",
        public_url="https://saksi.example",
    )


@pytest.fixture
def settings(store_kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> Settings:
    pg = request.getfixturevalue("pg_database") if store_kind == "postgres" else ""
    home = tmp_path / "home"
    return Settings(
        home=home,
        event_store=event_store_url(store_kind, tmp_path, pg),
        object_store=object_store_url(request, home),
        signing_key=home / "keys" / "checkpoint.key",
        chromium="none",  # as pytest_configure: no PDF but where a test asks for one
        public_url="https://saksi.example",  # links are made from it alone (SAKSI_PUBLIC_URL)
    )


@dataclass
class Archive:
    """A set-up archive with one user of each role and their tokens."""

    svc: Services
    tokens: dict[str, str]


@pytest.fixture
def archive(settings: Settings) -> Iterator[Archive]:
    svc = bootstrap(settings, create_database=True)
    tokens = {"ana": str(users.init_archive(svc, HOST, "ana")["token"])}
    from domain.base import Context

    admin = Context("ana")
    for name, role in (
        ("budi", "investigator"),
        ("dodi", "operator"),
        ("sari", "auditor"),
        ("eko", "investigator"),
    ):
        tokens[name] = str(users.add_user(svc, admin, name, role)["token"])
    yield Archive(svc, tokens)
    svc.close()


@pytest.fixture(scope="session")
def footage(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 3-second synthetic recording with a creation time."""
    folder = tmp_path_factory.mktemp("footage")
    return media.make_test_clip(
        folder / "cam.mp4", seconds=3, creation_time=datetime(2026, 11, 1, 10, 0, tzinfo=UTC)
    )


@dataclass
class CliResult:
    code: int
    out: str
    err: str

    def json(self) -> object:
        import json

        return json.loads(self.out)


@pytest.fixture
def cli(settings: Settings, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    """Run `saksi ...` in-process against this test's archive.

    A user's command proves who runs it with their token (SAKSI_TOKEN), as on a real host: a
    command naming `--actor NAME` runs with NAME's token, the one the test saw printed by
    `init` / `user add` (or that the `archive` fixture holds). `token=` sets SAKSI_TOKEN
    explicitly (None: unset) for tests of the sign-in itself."""
    monkeypatch.setenv("SAKSI_HOME", str(settings.home))
    monkeypatch.setenv("SAKSI_EVENT_STORE", settings.event_store)
    monkeypatch.setenv("SAKSI_OBJECT_STORE", settings.object_store)
    monkeypatch.setenv("SAKSI_SIGNING_KEY", str(settings.signing_key))
    monkeypatch.delenv("SAKSI_TOKEN", raising=False)
    monkeypatch.delenv("SAKSI_SERVER", raising=False)
    tokens = cli_tokens.Tokens()
    if "archive" in request.fixturenames:
        tokens.known.update(request.getfixturevalue("archive").tokens)
    monkeypatch.setenv("SAKSI_PUBLIC_URL", "https://saksi.example")

    def run(*args: str, token: str | object | None = cli_tokens.BY_ACTOR) -> CliResult:
        from api.cli import main

        out, err = io.StringIO(), io.StringIO()
        monkeypatch.setattr("sys.argv", ["saksi", *args])
        chosen = tokens.for_args(args) if token is cli_tokens.BY_ACTOR else token
        if isinstance(chosen, str):
            monkeypatch.setenv("SAKSI_TOKEN", chosen)
        else:
            monkeypatch.delenv("SAKSI_TOKEN", raising=False)
        code = 0
        with redirect_stdout(out), redirect_stderr(err):
            try:
                main()
            except SystemExit as e:
                code = int(e.code or 0)
        monkeypatch.delenv("SAKSI_TOKEN", raising=False)
        tokens.remember(args, out.getvalue())
        return CliResult(code, out.getvalue(), err.getvalue())

    return run


def pytest_configure(config: pytest.Config) -> None:
    os.environ.setdefault("TZ", "UTC")
    # Printing each package's report as PDF takes seconds: only the tests of the PDF print it
    # (tests/e2e/test_package_tampering.py builds its archive's settings itself).
    os.environ.setdefault("SAKSI_CHROMIUM", "none")


@pytest.fixture(scope="session")
def recorders(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Recorders]:
    """Simulated recorders on loopback (tests/support/recorders.py), once a session."""
    with started(tmp_path_factory.mktemp("recorders")) as found:
        yield found


@pytest.fixture(scope="session")
def local_tsa(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalTsa]:
    """An RFC 3161 TSA on loopback: `openssl ts -reply`, a throwaway CA (tests/support/tsa.py)."""
    server = LocalTsa(tmp_path_factory.mktemp("tsa")).start()
    yield server
    server.stop()


@pytest.fixture
def tsa(local_tsa: LocalTsa) -> Iterator[LocalTsa]:
    """The local TSA, answering properly at the start of each test."""
    local_tsa.mode = "ok"
    yield local_tsa
    local_tsa.mode = "ok"

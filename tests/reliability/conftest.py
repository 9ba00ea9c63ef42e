"""Fixtures of the reliability suite: a private PostgreSQL and a private SeaweedFS (both on
loopback, both stopped and started by the fault scenarios without disturbing other test runs),
a fresh archive (schema and bucket) per test, and footage to upload.

Run alone with `pytest tests/reliability` (or `-m reliability`); `make test` runs it too.
Each scenario writes its figures to tests/artifacts/reliability.json.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from archive.ingest import media
from archive.settings import Settings
from tests.support.cluster import UNLIMITED, Cluster
from tests.support.postgres import PrivatePostgres, start_private_postgres
from tests.support.seaweed import SeaweedServer, start_seaweed


@pytest.fixture(scope="session")
def private_pg() -> Iterator[PrivatePostgres]:
    server = start_private_postgres()
    yield server
    server.destroy()


@pytest.fixture(scope="session")
def private_db(private_pg: PrivatePostgres) -> str:
    name = f"saksi_rel_{uuid.uuid4().hex[:8]}"
    private_pg.create_database(name)
    return name


@pytest.fixture(scope="session")
def private_s3(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SeaweedServer]:
    server = start_seaweed(tmp_path_factory.mktemp("rel-seaweed"))
    yield server
    server.discard()


@pytest.fixture
def rel_settings(
    tmp_path: Path, private_pg: PrivatePostgres, private_db: str, private_s3: SeaweedServer
) -> Settings:
    """PostgreSQL (private server, fresh schema) and S3 (private server, fresh bucket)."""
    assert private_pg.is_up(), "the private PostgreSQL is down (a fault test left it so)"
    private_s3.wait_ready()
    home = tmp_path / "home"
    return Settings(
        home=home,
        event_store=private_pg.url(private_db, f"r_{uuid.uuid4().hex[:12]}"),
        object_store=private_s3.url(f"r-{uuid.uuid4().hex[:16]}"),
        signing_key=home / "keys" / "checkpoint.key",
    )


@pytest.fixture
def cluster(rel_settings: Settings, tmp_path: Path) -> Iterator[Cluster]:
    """A set-up archive; tests start its server and scheduler processes."""
    c = Cluster(rel_settings, tmp_path, env=dict(UNLIMITED))
    c.setup()
    yield c
    c.shutdown()


@pytest.fixture(scope="session")
def footage_bases(tmp_path_factory: pytest.TempPathFactory) -> list[bytes]:
    """Three short recordings; tests upload distinct variants of them (cluster.variant)."""
    folder = tmp_path_factory.mktemp("rel-footage")
    recorded = datetime.now(UTC).replace(microsecond=0)
    return [
        media.make_test_clip(
            folder / f"base{i}.mp4", seconds=2, creation_time=recorded, pattern=pattern
        ).read_bytes()
        for i, pattern in enumerate(("testsrc2", "smptebars", "rgbtestsrc"))
    ]

"""Retention tests run on each event store and each object store (through the ObjectStore
port only), by fixture parameters."""

from __future__ import annotations

import uuid

import pytest

from archive.settings import Settings

# The sweep's contract holds on every store; S3 (SeaweedFS) joins this list once
# storage/s3store.py is merged: the `s3` branch below is all it takes.
OBJECT_STORES = ["file"]


@pytest.fixture(params=OBJECT_STORES)
def object_kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def settings(settings: Settings, object_kind: str, request: pytest.FixtureRequest) -> Settings:
    if object_kind == "file":
        return settings
    server = request.getfixturevalue("seaweed")
    bucket = f"sweep-{uuid.uuid4().hex[:12]}"
    return settings.model_copy(update={"object_store": server.url(bucket)})

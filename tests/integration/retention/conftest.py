"""Retention tests run on each event store and each object store (file and SeaweedFS S3),
through the ObjectStore port only: every test here uses the `object_kind` parameter."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _every_object_store(object_kind: str) -> str:
    return object_kind

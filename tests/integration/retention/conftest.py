"""Retention tests run on each event store and each object store (file and SeaweedFS S3),
through the ObjectStore port only: every test here uses the `object_kind` parameter.

They test what the sweep does once a clip's recovery window is over, so they run with no
window (SAKSI_RECOVERY_WINDOW=PT0S: the sweep that schedules a clip also purges it); the
window itself is tested in test_recovery_window.py, which sets its own."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _every_object_store(object_kind: str) -> str:
    return object_kind


@pytest.fixture(autouse=True)
def _no_recovery_window(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SAKSI_RECOVERY_WINDOW", "PT0S")

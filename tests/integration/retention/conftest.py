"""Retention tests run on each event store and each object store (file and SeaweedFS S3),
through the ObjectStore port only: every test here uses the `object_kind` parameter.

They test what the sweep does once a clip's recovery window is over, so they run with no
window (SAKSI_RECOVERY_WINDOW=PT0S: the sweep that schedules a clip also purges it); the
window itself is tested in test_recovery_window.py, which sets its own."""

from __future__ import annotations

from datetime import timedelta

import pytest

from archive.settings import Settings


@pytest.fixture(autouse=True)
def _every_object_store(object_kind: str) -> str:
    return object_kind


@pytest.fixture
def settings(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """No recovery window: for the archive of the test, and for the CLI it runs."""
    monkeypatch.setenv("SAKSI_RECOVERY_WINDOW", "PT0S")
    return settings.model_copy(update={"recovery_window": timedelta(0)})

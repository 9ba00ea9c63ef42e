"""Changing a running archive's settings in a test, as an operator would change its environment.

The archive reads its configuration once (archive/settings.py). A test that changes a setting
mid-way sets the variable (for CLI commands and child processes, which read it afresh) and
gives the in-process Services the value parsed the same way.
"""

from __future__ import annotations

import pytest

from archive.services import Services
from archive.settings import Settings

FIELDS = {
    "SAKSI_RECOVERY_WINDOW": "recovery_window",
    "SAKSI_ORPHAN_GRACE": "orphan_grace",
    "SAKSI_SWEEP_BATCH": "sweep_batch",
    "SAKSI_REQUEST_UPLOAD_STALE": "request_upload_stale",
    "SAKSI_REQUEST_LINK_TTL": "request_link_ttl",
    "SAKSI_MAP_TILES": "map_tiles",
}


def configure(svc: Services, monkeypatch: pytest.MonkeyPatch, **env: str) -> None:
    for name, value in env.items():
        if name not in FIELDS:
            raise KeyError(f"{name} is not a setting tests change at run time")
        monkeypatch.setenv(name, value)
    parsed = Settings.from_env({"SAKSI_HOME": str(svc.settings.home), **env})
    svc.settings = svc.settings.model_copy(
        update={FIELDS[name]: getattr(parsed, FIELDS[name]) for name in env}
    )

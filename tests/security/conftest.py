"""Fixtures of the security suite: the end-to-end archive, app and server, on every backend
(the `archive` fixture runs each test on SQLite and PostgreSQL)."""

from __future__ import annotations

from tests.e2e.conftest import api, case_clip, log_output, server, server_port
from tests.e2e.test_footage_requests import owners

__all__ = ["api", "case_clip", "log_output", "owners", "server", "server_port"]

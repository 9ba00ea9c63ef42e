"""Periodic read-model catch-up for long-running processes.

Every save brings the (shared) read models up to date, but events can reach the log without a
projection after them: a process killed between its save and its catch-up, a bulk loader, a
restore. A server that never saves would then serve stale lists until someone else saves. So
`saksi serve` also catches up every SAKSI_CATCHUP_INTERVAL (Settings.catchup_interval, default
PT2S): one indexed query when there is nothing new.
"""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

from archive.errors import classify
from archive.services import Services

log = logging.getLogger("saksi.catchup")
DEFAULT = timedelta(seconds=2)


class CatchUp:
    """A daemon thread projecting new events every `every`; errors are logged, not fatal (the
    database may be restarting: the next round catches up)."""

    def __init__(self, svc: Services, every: timedelta) -> None:
        self.svc, self.every = svc, every.total_seconds()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="catch-up", daemon=True)
        self.failing = False

    def start(self) -> CatchUp:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            try:
                self.svc.projector.catch_up()
                if self.failing:
                    log.info("read models catching up again")
                self.failing = False
            except Exception as e:
                if not self.failing:  # once per outage, not every round
                    known = classify(e)
                    log.error("read-model catch-up failed: %s", known.message if known else e)
                self.failing = True

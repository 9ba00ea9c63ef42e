"""Recording refusals without letting them flood the log: which to record, which to count.

An attacker must not be able to grow the event log at will by failing on purpose. So, per key
(a client address), at most one record per WINDOW seconds; the attempts in between are counted
and the count goes into that key's next record. Across all keys at most GLOBAL_CAP records per
window; past it, attempts are only counted, into the next record made. In memory, per process.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

WINDOW = 60.0
GLOBAL_CAP = 30
REFUSALS_GLOBAL_CAP = 120  # refused actions of signed-in users: more keys, each rarer
_TRACKED_CLIENTS = 10_000  # memory bound of the per-key table


@dataclass
class _Window:
    started: float
    suppressed: int = 0


class FailedSignIns:
    """Decides which failed sign-ins are recorded, and counts the ones that are not."""

    def __init__(
        self,
        window: float = WINDOW,
        global_cap: int = GLOBAL_CAP,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.window, self.global_cap, self.clock = window, global_cap, clock
        self._clients: dict[str, _Window] = {}
        self._global = _Window(clock())
        self._global_records = 0
        self._lock = threading.Lock()

    def admit(self, client: str) -> int | None:
        """None: count this attempt only. Otherwise record it, with this many suppressed before."""
        now = self.clock()
        with self._lock:
            if now - self._global.started >= self.window:
                self._global = _Window(now, self._global.suppressed)
                self._global_records = 0
            seen = self._clients.get(client)
            if seen is not None and now - seen.started < self.window:
                seen.suppressed += 1
                return None
            if self._global_records >= self.global_cap:
                self._global.suppressed += 1
                return None
            if len(self._clients) >= _TRACKED_CLIENTS:
                self._prune(now)
            suppressed = (seen.suppressed if seen else 0) + self._global.suppressed
            self._global.suppressed = 0
            self._global_records += 1
            self._clients[client] = _Window(now)
            return suppressed

    def _prune(self, now: float) -> None:
        for key in [k for k, w in self._clients.items() if now - w.started >= self.window]:
            self._global.suppressed += self._clients.pop(key).suppressed
        if len(self._clients) >= _TRACKED_CLIENTS:  # all recent: forget, keeping the counts
            self._global.suppressed += sum(w.suppressed for w in self._clients.values())
            self._clients.clear()


@dataclass
class Throttles:
    """The refusal throttles of one process: failed sign-ins, share links, upload links, and
    the guard's refusals keyed by (actor, target, action)."""

    sign_ins: FailedSignIns = field(default_factory=FailedSignIns)
    share_links: FailedSignIns = field(default_factory=FailedSignIns)
    upload_links: FailedSignIns = field(default_factory=FailedSignIns)
    refusals: FailedSignIns = field(
        default_factory=lambda: FailedSignIns(global_cap=REFUSALS_GLOBAL_CAP)
    )

"""Long work started from a page (verify now), run in a thread, its progress polled by the page.

Jobs live in the serving process: a page polls the process that started it. The work itself
is a use case; what it records (if anything) is recorded by the use case, not here.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from archive.errors import classify

log = logging.getLogger("saksi.ui")
KEEP = 50  # finished jobs remembered per process


@dataclass
class Job:
    job_id: str
    owner: str
    kind: str
    total: int
    done: int = 0
    result: dict[str, Any] | None = None
    error: str | None = None
    started: float = field(default_factory=time.time)
    finished: float | None = None

    @property
    def running(self) -> bool:
        return self.finished is None

    def progress(self) -> dict[str, Any]:
        return {
            "running": self.running,
            "done": self.done,
            "total": self.total,
            "ok": None if self.result is None else bool(self.result.get("ok")),
            "error": self.error,
        }


class Jobs:
    def __init__(self) -> None:
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()

    def start(
        self,
        owner: str,
        kind: str,
        total: int,
        work: Callable[[Callable[[int], None]], dict[str, Any]],
    ) -> Job:
        job = Job(secrets.token_urlsafe(12), owner, kind, total)

        def tick(done: int) -> None:
            job.done = done

        def run() -> None:
            try:
                job.result = work(tick)
                job.done = max(job.done, int(job.result.get("events", job.done)))
            except Exception as exc:  # shown on the page; the log keeps the detail
                known = classify(exc)
                job.error = known.message if known else "internal error"
                if known is None:
                    log.error("job %s failed", kind, exc_info=exc)
            finally:
                job.finished = time.time()

        with self._lock:
            self._jobs[job.job_id] = job
            done = [j for j in self._jobs.values() if not j.running]
            for old in sorted(done, key=lambda j: j.started)[: max(len(done) - KEEP, 0)]:
                del self._jobs[old.job_id]
        threading.Thread(target=run, name=f"ui-{kind}", daemon=True).start()
        return job

    def get(self, job_id: str, owner: str) -> Job | None:
        job = self._jobs.get(job_id)
        return job if job is not None and job.owner == owner else None

    def latest(self, kind: str) -> Job | None:
        mine = [j for j in self._jobs.values() if j.kind == kind]
        return max(mine, key=lambda j: j.started) if mine else None

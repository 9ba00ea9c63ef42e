"""The scheduled jobs: a small registry, so jobs other parts of Saksi provide plug in.

Built in: the retention sweep and the daily deletion notice (retention/recovery.py). Plugged
in when their function exists in this build: checkpoint sealing
(`archive.sealing.seal_checkpoint(svc)`, the ledger's) and the fixity audit
(`archive.fixity.check(svc)`, its problems). A job missing from the build is skipped, and said
so at start.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from archive.bootstrap import Services
from archive.errors import InvalidInput
from archive.timefmt import parse_duration
from domain.base import Context
from retention import recovery, runs, sweep

Work = Callable[[Services, Context], Any]


@dataclass(frozen=True)
class Job:
    name: str
    interval_env: str  # the environment variable holding its ISO 8601 interval
    default_interval: timedelta
    work: Work
    summarize: Callable[[Any], dict[str, Any]] = runs.plain

    def interval(self, env: Mapping[str, str]) -> timedelta:
        text = env.get(self.interval_env)
        if not text:
            return self.default_interval
        value = parse_duration(text, self.interval_env)
        if value.total_seconds() < 1:
            raise InvalidInput(f"{self.interval_env} must be at least one second")
        return value


_REGISTRY: dict[str, Job] = {}


def register(job: Job) -> None:
    _REGISTRY[job.name] = job


register(
    Job(
        sweep.JOB,
        "SAKSI_SWEEP_INTERVAL",
        timedelta(hours=1),
        lambda svc, ctx: sweep.run_sweep(svc, ctx),
        sweep.summary,
    )
)

register(
    Job(
        recovery.NOTICE_JOB,
        "SAKSI_DELETION_NOTICE_INTERVAL",
        timedelta(days=1),
        lambda svc, _ctx: recovery.notice(svc),
        recovery.notice_summary,
    )
)

# Jobs provided elsewhere: name, interval variable, default, and where their function is
# ("module:function" candidates, the first found is used; each is called with the services).
PLUGGABLE: list[tuple[str, str, timedelta, tuple[str, ...]]] = [
    (
        "checkpoint",
        "SAKSI_CHECKPOINT_INTERVAL",
        timedelta(minutes=5),
        ("archive.sealing:seal_checkpoint",),
    ),
    ("fixity-audit", "SAKSI_FIXITY_INTERVAL", timedelta(days=1), ("archive.fixity:check",)),
]


def _find(candidates: tuple[str, ...]) -> Callable[[Services], Any] | None:
    for candidate in candidates:
        module_name, _, attr = candidate.partition(":")
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        fn = getattr(module, attr, None)
        if callable(fn):
            return fn  # type: ignore[no-any-return]
    return None


def available() -> tuple[dict[str, Job], list[str]]:
    """The jobs this build can run, and the names of pluggable jobs it lacks."""
    jobs = dict(_REGISTRY)
    missing: list[str] = []
    for name, env, default, candidates in PLUGGABLE:
        if name in jobs:
            continue
        fn = _find(candidates)
        if fn is None:
            missing.append(name)
            continue
        jobs[name] = Job(name, env, default, _calling(fn))
    return jobs, missing


def _calling(fn: Callable[[Services], Any]) -> Work:
    def work(svc: Services, _ctx: Context) -> Any:
        return fn(svc)

    return work

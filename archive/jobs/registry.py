"""What a scheduled job is: a name, the work it does, and what its recorded run keeps.

The jobs themselves are listed once, by the composition root (archive/bootstrap.py); their
intervals are settings (Settings.job_intervals).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from archive.jobs import runs
from archive.services import Services
from domain.base import Context

Work = Callable[[Services, Context], Any]


@dataclass(frozen=True)
class Job:
    name: str
    work: Work  # called with the job's own services and the scheduler's principal
    summarize: Callable[[Any], dict[str, Any]] = runs.plain
    # False for a job that runs every few seconds (the custody feed): recording each run would
    # add two events to the log every time, which the job itself would then ship.
    recorded: bool = True

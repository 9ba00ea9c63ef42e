"""A pull's progress on the terminal: one line per camera (rich), on stderr when it is one."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, TaskID, TextColumn, TimeElapsedColumn
from rich.progress import Progress as Bars
from rich.table import Column

from archive.ingest.pull import CameraProgress, Progress

_SHOWN = {
    "queued": "waiting",
    "fetching": "fetching from its recorder",
    "storing": "cutting and storing",
    "done": "[green]done",
    "without": "[yellow]no footage",
    "failed": "[red]failed",
}


@contextmanager
def pull_progress() -> Iterator[Progress | None]:
    """A progress callback for archive.ingest.pull (None when stderr is not a terminal)."""
    if not sys.stderr.isatty():
        yield None
        return
    bars = Bars(
        TextColumn("{task.description}", table_column=Column(no_wrap=True, min_width=12)),
        BarColumn(bar_width=20),
        TimeElapsedColumn(),
        TextColumn("{task.fields[stage]}", table_column=Column(overflow="ellipsis")),
        console=Console(stderr=True),
        transient=False,
    )
    tasks: dict[str, TaskID] = {}

    def show(p: CameraProgress) -> None:
        if p.camera_id not in tasks:
            tasks[p.camera_id] = bars.add_task(p.camera_id, total=1.0, stage="")
        done = p.stage in ("done", "without", "failed")
        stage = _SHOWN.get(p.stage, p.stage) + (f": {p.detail}" if p.detail and done else "")
        completed = 1.0 if done else (p.fraction if p.fraction is not None else None)
        bars.update(tasks[p.camera_id], stage=stage, completed=completed)

    with bars:
        yield show

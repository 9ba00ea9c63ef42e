"""Progress bars on stderr (rich) for downloads, uploads, exports, ingest and audit verify,
shown only when stderr is a terminal: scripts and --json see nothing of them."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    TaskProgressColumn,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)

Transfer = Callable[[int, int | None], None]  # (bytes done, total bytes if known)
Count = Callable[[int], None]  # items done


def shown() -> bool:
    return sys.stderr.isatty()


@contextmanager
def transfer(label: str, total: int | None) -> Iterator[Transfer | None]:
    """Bytes moved: size, speed and time left (None when stderr is no terminal)."""
    if not shown():
        yield None
        return
    columns = (DownloadColumn(binary_units=True), TransferSpeedColumn(), TimeRemainingColumn())
    with _bars(*columns) as bars:
        task = bars.add_task(label, total=total)

        def show(done: int, size: int | None) -> None:
            bars.update(task, completed=done, total=size if size is not None else total)

        yield show


@contextmanager
def count(label: str, total: int | None = None) -> Iterator[Count | None]:
    """Items handled (events verified...), with a bar when the total is known."""
    if not shown():
        yield None
        return
    with _bars(MofNCompleteColumn(), TaskProgressColumn()) as bars:
        task = bars.add_task(label, total=total)
        yield lambda done: bars.update(task, completed=done)


def _bars(*columns: ProgressColumn) -> Progress:
    return Progress(
        TextColumn("{task.description}"), BarColumn(), *columns, console=Console(stderr=True)
    )


def of_bytes(show: Transfer | None, total: int | None = None) -> Count | None:
    """For use cases that report bytes done alone (ingest, download)."""
    return None if show is None else (lambda done: show(done, total))

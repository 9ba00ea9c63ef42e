"""Injecting faults at a chosen moment: a process frozen (SIGSTOP) now and then until the state
shows it is where we want it, then killed there (SIGKILL) - no sleeps guessing the timing."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager


@contextmanager
def frozen_when(
    procs: list[subprocess.Popen[str]], caught: Callable[[], bool], *, timeout: float = 120
) -> Iterator[None]:
    """Freeze `procs` (SIGSTOP) now and then until `caught()` is true while they are frozen;
    they stay frozen inside the block and continue after it (those still alive). Fails if one
    of them ends or the moment never comes."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        time.sleep(0.005)
        if any(p.poll() is not None for p in procs):
            break
        _signal(procs, signal.SIGSTOP)
        try:
            hit = caught()
        except BaseException:
            _signal(procs, signal.SIGCONT)
            raise
        if hit:
            try:
                yield
            finally:
                _signal(procs, signal.SIGCONT)
            return
        _signal(procs, signal.SIGCONT)
    for p in procs:
        p.kill()
    raise AssertionError(f"the moment never came (exits {[p.wait() for p in procs]})")


def kill_when(
    proc: subprocess.Popen[str], caught: Callable[[], bool], *, timeout: float = 120
) -> float:
    """SIGKILL `proc` at a moment `caught()` is true (checked while it is frozen); returns the
    time of the kill (monotonic). Fails if the process ends or the moment never comes."""
    with frozen_when([proc], caught, timeout=timeout):
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        return time.monotonic()
    raise AssertionError("unreachable")


def _signal(procs: list[subprocess.Popen[str]], sig: int) -> None:
    for p in procs:
        if p.poll() is None:
            os.kill(p.pid, sig)


def wait_for(
    what: str, done: Callable[[], bool], timeout: float = 120, every: float = 0.2
) -> float:
    """Seconds until `done()`; fails after `timeout`."""
    began = time.monotonic()
    while not done():
        assert time.monotonic() - began < timeout, f"{what}: not within {timeout} s"
        time.sleep(every)
    return time.monotonic() - began

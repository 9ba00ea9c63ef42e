"""Injecting faults at a chosen moment: a process frozen (SIGSTOP) now and then until the state
shows it is where we want it, then killed there (SIGKILL) - no sleeps guessing the timing."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable


def kill_when(
    proc: subprocess.Popen[str], caught: Callable[[], bool], *, timeout: float = 120
) -> float:
    """SIGKILL `proc` at a moment `caught()` is true (checked while it is frozen); returns the
    time of the kill (monotonic). Fails if the process ends or the moment never comes."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        time.sleep(0.005)
        if proc.poll() is not None:
            break
        os.kill(proc.pid, signal.SIGSTOP)
        try:
            hit = caught()
        except BaseException:
            os.kill(proc.pid, signal.SIGCONT)
            raise
        if hit:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
            return time.monotonic()
        os.kill(proc.pid, signal.SIGCONT)
    proc.kill()
    raise AssertionError(f"the moment to kill never came (exit {proc.wait()})")


def wait_for(
    what: str, done: Callable[[], bool], timeout: float = 120, every: float = 0.2
) -> float:
    """Seconds until `done()`; fails after `timeout`."""
    began = time.monotonic()
    while not done():
        assert time.monotonic() - began < timeout, f"{what}: not within {timeout} s"
        time.sleep(every)
    return time.monotonic() - began

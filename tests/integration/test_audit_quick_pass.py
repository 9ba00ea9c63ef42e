"""`audit verify`'s quick pass in two processes, with the archive in use, on SQLite and
PostgreSQL: writers go on meanwhile (SQLite holds them only while the worker joins the
snapshot), nothing written meanwhile is taken for tampering, and a worker that cannot start
fails the audit loudly without leaving writers stuck."""

from __future__ import annotations

import sys
import threading
import time
import uuid
from pathlib import Path

import pytest

from archive.audit import verify as audit
from archive.sealing import seal as sealing
from archive.services import Services
from domain.base import Context
from domain.clip import Clip
from tests.conftest import Archive
from tests.support import flows
from tests.support.principals import HOST

SPLIT = {"split_min": 0, "chunk_level": 1}  # two processes even for a small log


def view(svc: Services, clip: uuid.UUID, note: str) -> None:
    svc.events.update(Clip, clip, lambda c: c.record_view(note, Context("budi")))


def test_writers_go_on_while_verify_runs_in_two_processes(archive: Archive, footage: Path) -> None:
    svc = archive.svc
    clip = uuid.UUID(flows.clip_in_case(svc, footage)["clip_id"])
    sealing.seal_checkpoint(svc, HOST)
    stop, written, failures = threading.Event(), [], []

    def writer() -> None:
        while not stop.is_set():
            try:
                view(svc, clip, f"review {len(written)}")
                written.append(time.monotonic())
            except Exception as e:  # reported below
                failures.append(e)
                return

    thread = threading.Thread(target=writer)
    thread.start()
    during: list[float] = []
    try:
        # On SQLite writers wait while the worker joins, most of an audit of a log this small:
        # audit until a write has landed inside one.
        for _ in range(30):
            start = time.monotonic()
            result = audit.verify(svc, HOST, **SPLIT)
            end = time.monotonic()
            assert result["ok"], result["problems"]
            assert result["sealed"] <= result["events"]
            during += [t for t in written if start <= t <= end]
            if during:
                break
    finally:
        stop.set()
        thread.join()
    assert not failures
    assert during, "no write completed while an audit was running"
    assert audit.verify(svc, HOST, **SPLIT)["ok"]


def test_a_worker_that_cannot_start_fails_the_audit_and_frees_writers(
    archive: Archive, footage: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    svc = archive.svc
    clip = uuid.UUID(flows.clip_in_case(svc, footage)["clip_id"])
    sealing.seal_checkpoint(svc, HOST)
    with monkeypatch.context() as m:
        m.setattr(sys, "executable", "/bin/false")  # exits at once, never "ready"
        with pytest.raises(RuntimeError, match="audit worker failed"):
            audit.verify(svc, HOST, **SPLIT)
    start = time.monotonic()
    view(svc, clip, "after the failed audit")
    assert time.monotonic() - start < 2  # the write lock is not held any more
    assert audit.verify(svc, HOST, **SPLIT)["ok"]


def test_the_quick_pass_and_the_locating_passes_agree_on_an_intact_log(
    archive: Archive, footage: Path
) -> None:
    svc = archive.svc
    clip = uuid.UUID(flows.clip_in_case(svc, footage)["clip_id"])
    sealing.seal_checkpoint(svc, HOST)
    for i in range(5):
        view(svc, clip, f"review {i}")  # some events sealed, some not yet
    sealing.seal_checkpoint(svc, HOST)
    view(svc, clip, "after the checkpoint")
    shown: list[int] = []
    quick, split = audit.verify(svc, HOST), audit.verify(svc, HOST, progress=shown.append, **SPLIT)
    locating = audit.verify(svc, HOST, quick=False)
    assert quick == split == locating
    assert locating["ok"] and locating["sealed"] < locating["events"]
    assert shown == sorted(shown) and shown[-1] == split["events"]  # both processes counted

"""A case every ingest wants: the attachment retries against real rival writes, and an ingest
that cannot win records nothing (no clip left outside the case it named)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from eventsourcing.persistence import IntegrityError

from archive.bootstrap import bootstrap
from archive.cases import cases
from archive.services import Services
from archive.settings import Settings
from domain.base import Context
from domain.case import Case
from storage.eventstore import store as eventstore
from tests.conftest import Archive
from tests.support import flows

CASE = "R-2026-0001"


@pytest.fixture
def rival(settings: Settings, archive: Archive) -> Iterator[Services]:
    """A second process's view of the same archive: its writes race ours for real."""
    svc = bootstrap(settings)
    yield svc
    svc.close()


def race_case_saves(
    monkeypatch: pytest.MonkeyPatch, svc: Services, rival: Services, times: int
) -> list[int]:
    """Before each of our first `times` saves that include the case, the rival records an
    event on it, so our save finds its version taken."""
    raced = [0]
    save = svc.events.save

    def racing_save(*aggregates: Any) -> None:
        if raced[0] < times and any(isinstance(a, Case) for a in aggregates):
            raced[0] += 1
            rival.events.update(
                Case,
                Case.create_id(CASE),
                lambda c: c.record_refusal("case.view", "a rival write", Context("eko")),
            )
        save(*aggregates)

    monkeypatch.setattr(svc.events, "save", racing_save)
    return raced


def clip_events(svc: Services) -> int:
    with svc.db.tx(write=False) as tx:
        row = tx.one(
            f"SELECT COUNT(*) AS n FROM {svc.db.events_table} WHERE topic LIKE ?",
            ("%ClipIngested",),
        )
    assert row is not None
    return int(row["n"])


def test_an_ingest_into_a_busy_case_retries_and_lands_in_it(
    archive: Archive, rival: Services, footage: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    svc = archive.svc
    flows.camera(svc)
    flows.case(svc, CASE)
    raced = race_case_saves(monkeypatch, svc, rival, times=3)

    clip = flows.ingest_into(svc, footage, CASE)

    assert raced[0] == 3
    assert cases.load_case(svc.events, CASE).clip_ids == [clip["clip_id"]]
    assert cases.load_clip(svc.events, clip["clip_id"]).case_ids == [CASE]
    assert clip_events(svc) == 1


def test_an_ingest_that_never_wins_the_case_records_no_clip(
    archive: Archive, rival: Services, footage: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    svc = archive.svc
    flows.camera(svc)
    flows.case(svc, CASE)
    monkeypatch.setattr(eventstore, "PATIENCE_S", 0.0)
    race_case_saves(monkeypatch, svc, rival, times=10**6)

    with pytest.raises(IntegrityError):
        flows.ingest_into(svc, footage, CASE)

    assert clip_events(svc) == 0  # not a clip recorded outside the case it was meant for
    assert cases.load_case(svc.events, CASE).clip_ids == []

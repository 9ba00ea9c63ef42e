"""Long streams load from a snapshot: a case holding hundreds of clips is not replayed from
its first event at every read, and the snapshots stay outside the ledger."""

from __future__ import annotations

import uuid

from archive.audit import verify as audit
from domain.base import Context
from domain.case import Case
from tests.conftest import Archive
from tests.support.principals import HOST


def test_a_long_case_loads_from_its_latest_snapshot_and_the_log_still_verifies(
    archive: Archive,
) -> None:
    svc = archive.svc
    budi = Context("budi")
    case = Case.open("I-LONG", "investigation", "market fire", "budi", [], budi)
    for _ in range(250):
        case.attach(str(uuid.uuid4()), "camera near the market", budi)
    svc.events.save(case)

    # Snapshots at versions 100 and 200; loading starts from the newest.
    assert svc.store.snapshots is not None
    taken = [s.originator_version for s in svc.store.snapshots.get(case.id)]
    assert taken == [100, 200]
    loaded = svc.events.find(Case, case.id)
    assert loaded is not None and loaded.version == 251
    assert loaded.clip_ids == case.clip_ids

    result = audit.verify(svc, HOST)
    assert result["ok"] and result["events"] >= 251, result["problems"][:3]

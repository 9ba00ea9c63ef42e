"""Shares and the actor index are projections of the log like every read model."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from archive.custody.content import ByteRange
from archive.sharing import links as share_links
from archive.sharing import shares
from domain.base import Context
from storage.readmodels import activity
from tests.conftest import Archive
from tests.integration.test_read_models import snapshot
from tests.support import flows


def test_rebuilt_share_rows_equal_the_incrementally_built_ones(
    archive: Archive, footage: Path
) -> None:
    svc = archive.svc
    clip = flows.clip_in_case(svc, footage)
    made = shares.create_share(
        svc,
        Context("budi"),
        recipient="Kejaksaan",
        expires=timedelta(days=1),
        case_id="R-2026-0001",
    )
    share_links.view(svc, made["token"], "198.51.100.7", clip["clip_id"], [ByteRange(0, 9)]).close()
    shares.revoke_share(svc, Context("dodi"), share_id=made["share_id"], reason="done")
    before = snapshot(svc)
    [row] = before["rm_shares"]
    assert ("views", 1) in row and ("revoked_by", "dodi") in row
    svc.projector.rebuild()
    assert snapshot(svc) == before


def test_the_actor_index_catches_up_from_the_start_of_an_existing_log(
    archive: Archive, footage: Path
) -> None:
    svc = archive.svc
    flows.clip_in_case(svc, footage)
    assert activity.by_actor(svc.db, "budi") == []  # nothing indexed until a report asks
    assert activity.catch_up(svc.db, svc.store.mapper) == flows.event_count(svc)
    positions = [int(r["position"]) for r in activity.by_actor(svc.db, "budi")]
    events = activity.events_at(svc.db, positions)
    assert positions and [int(e["pos"]) for e in events] == positions
    assert activity.catch_up(svc.db, svc.store.mapper) == 0  # and then only what is new

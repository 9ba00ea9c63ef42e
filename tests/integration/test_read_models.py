"""Read models are projections of the log: rebuilt from scratch they come out the same."""

from __future__ import annotations

from pathlib import Path

from archive.custody import retrieval
from domain.base import Context
from storage.readmodels.schema import TABLES
from tests.conftest import Archive
from tests.support import flows
from tests.support.principals import HOST


def snapshot(svc) -> dict[str, list[dict]]:
    out = {}
    with svc.db.tx(write=False) as tx:
        for table in TABLES:
            rows = tx.all(f"SELECT * FROM {table}")
            out[table] = sorted((sorted(r.items()) for r in rows), key=repr)
    return out


def test_rebuilt_read_models_equal_the_incrementally_built_ones(
    archive: Archive, footage: Path, tmp_path: Path
) -> None:
    svc = archive.svc
    clip = flows.clip_in_case(svc, footage)
    retrieval.download(
        svc, Context("budi"), clip_id=clip["clip_id"], out=tmp_path / "c.mp4", reason="review"
    )
    before = snapshot(svc)
    assert before["rm_clips"] and before["rm_case_members"] and before["rm_users"]
    applied = svc.projector.rebuild()
    assert applied == flows.event_count(svc)
    assert snapshot(svc) == before


def test_a_second_process_sees_what_the_first_recorded(archive: Archive, footage: Path) -> None:
    from archive.bootstrap import bootstrap

    other = bootstrap(archive.svc.settings)
    try:
        clip = flows.clip_in_case(archive.svc, footage)
        assert retrieval.show_clip(other, HOST, clip["clip_id"])["sha256"] == clip["sha256"]
    finally:
        other.close()

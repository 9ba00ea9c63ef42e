"""A legal hold on a clip holds its redacted copies too: those made before the hold and those
made while it stands, in the event log, the read model and the object store alike."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from archive.records import load_clip
from archive.redaction import redact as redactions
from archive.services import Services
from domain.base import Context
from domain.redaction import Box
from retention import holds
from tests.conftest import Archive
from tests.support import flows

BUDI, ANA = Context("budi"), Context("ana")


def redact(svc: Services, clip_id: str) -> str:
    made = redactions.redact(
        svc, BUDI, clip_id=clip_id, boxes=[Box(10, 10, 40, 40)], reason="release to the press"
    )
    return str(made["clip_id"])


def held_everywhere(svc: Services, clip_id: str) -> tuple[bool, bool, bool]:
    """(the clip's own state, the read model, every one of its stored objects)"""
    clip = load_clip(svc.events, clip_id)
    with svc.db.tx(write=False) as tx:
        row = tx.one("SELECT legal_hold FROM rm_clips WHERE clip_id=?", (clip_id,))
    assert row is not None
    objects = [svc.objects.stat(key, version).legal_hold for _k, key, version in clip.object_refs()]
    assert objects
    return clip.is_held, bool(row["legal_hold"]), all(objects)


@pytest.mark.parametrize(("store_kind", "object_kind"), [("sqlite", "file"), ("postgres", "s3")])
def test_a_hold_on_a_clip_holds_its_redacted_copies_and_its_release_frees_them(
    archive: Archive, footage: Path, store_kind: str, object_kind: str
) -> None:
    svc = archive.svc
    original: dict[str, Any] = flows.clip_in_case(svc, footage)
    oid = original["clip_id"]
    before = redact(svc, oid)
    assert held_everywhere(svc, before) == (False, False, False)

    holds.set_hold(svc, BUDI, on=True, reason="court order 12/2026", clip_id=oid)
    during = redact(svc, oid)
    for copy in (before, during):
        assert held_everywhere(svc, copy) == (True, True, True), copy
        assert load_clip(svc.events, copy).source_holds == [oid]
    [applied] = [e for e in flows.custody(svc, before) if e["type"] == "SourceHoldApplied"]
    assert applied["actor"] == "budi" and "court order 12/2026" in applied["reason"]

    holds.set_hold(svc, ANA, on=False, reason="case dismissed", clip_id=oid)
    for copy in (before, during):
        assert held_everywhere(svc, copy) == (False, False, False), copy
        assert "SourceHoldLifted" in [e["type"] for e in flows.custody(svc, copy)]

"""Safe deletion on every event store and object store: a due clip first waits out its
recovery window (each test sets SAKSI_RECOVERY_WINDOW), unreadable but restorable; holds,
cases and policies still keep it; the sweep deletes only once the window is over."""

from __future__ import annotations

import time
from datetime import timedelta
from pathlib import Path

import pytest

from archive.audit import verify as audit
from archive.cases import cases
from archive.custody import retrieval
from archive.errors import Refused, StateConflict
from archive.services import Services
from archive.timefmt import now
from retention import holds, policies, recovery, sweep
from tests.conftest import Archive
from tests.support import flows, seed
from tests.support.principals import HOST
from tests.support.retention import (
    ANA,
    BUDI,
    clip,
    events_of,
    policy,
    stored_versions,
    topic_counts,
)
from tests.support.settings import configure

STEPS = ("DeletionScheduled", "DeletionCancelled", "Restored", "PurgeStarted", "ClipPurged")


def window(svc: Services, monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    configure(svc, monkeypatch, SAKSI_RECOVERY_WINDOW=text)


def test_a_due_clip_waits_out_its_window_unreadable_and_is_purged_once_it_is_over(
    archive: Archive, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    svc = archive.svc
    window(svc, monkeypatch, "PT2S")
    policy(svc, "report", 1)
    [cid] = seed.clips(svc, 1)  # ingested by budi, in no case: budi may read it

    first = sweep.sweep(svc, ANA)

    assert (first["scheduled"], first["purged"]) == ([cid], [])
    pending = clip(svc, cid)
    assert pending.pending_deletion and pending.delete_after is not None
    assert timedelta(seconds=1) < pending.delete_after - now() <= timedelta(seconds=2)
    assert (
        stored_versions(svc, cid) == 1 and retrieval.show_clip(svc, HOST, cid)["status"] == "active"
    )
    with pytest.raises(StateConflict, match="pending deletion") as refused:
        retrieval.download(svc, BUDI, clip_id=cid, out=tmp_path / "x.mp4", reason="review")
    assert refused.value.details["pending_deletion"]["delete_after"] == (
        pending.delete_after.isoformat()
    )
    again = sweep.sweep(svc, ANA)  # inside the window: nothing more to do
    assert (again["scheduled"], again["purged"], again["cancelled"]) == ([], [], [])

    time.sleep(max(0.0, (pending.delete_after - now()).total_seconds()) + 0.1)
    last = sweep.sweep(svc, ANA)

    assert (last["scheduled"], last["purged"]) == ([], [cid])
    assert stored_versions(svc, cid) == 0
    counts = topic_counts(svc, STEPS)
    assert {n: counts[n].get(cid, 0) for n in STEPS} == {
        "DeletionScheduled": 1,
        "DeletionCancelled": 0,
        "Restored": 0,
        "PurgeStarted": 1,
        "ClipPurged": 1,
    }
    [purged] = events_of(svc, cid, "ClipPurged")
    assert "recovery window ended" in purged["reason"]
    assert audit.verify(svc, HOST)["ok"] is True


def test_with_a_window_of_zero_the_sweep_that_schedules_a_clip_also_purges_it(
    archive: Archive, monkeypatch: pytest.MonkeyPatch
) -> None:
    svc = archive.svc
    window(svc, monkeypatch, "PT0S")
    policy(svc, "report", 1)
    ids = seed.clips(svc, 3)

    result = sweep.sweep(svc, ANA)

    assert sorted(result["scheduled"]) == sorted(result["purged"]) == sorted(ids)
    counts = topic_counts(svc, ("DeletionScheduled", "ClipPurged"))
    assert counts["DeletionScheduled"] == counts["ClipPurged"] == {i: 1 for i in ids}


def test_a_hold_placed_during_the_window_cancels_the_deletion_until_it_is_released(
    archive: Archive, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    svc = archive.svc
    window(svc, monkeypatch, "P7D")
    policy(svc, "report", 1)
    [cid] = seed.clips(svc, 1)
    assert sweep.sweep(svc, ANA)["scheduled"] == [cid]
    holds.set_hold(svc, ANA, on=True, reason="court order 12/2026", clip_id=cid)
    assert [v.legal_hold for v in svc.objects.versions(clip(svc, cid).storage["key"])] == [True]

    kept = sweep.sweep(svc, ANA)

    assert (kept["cancelled"], kept["kept_on_hold"], kept["purged"]) == ([cid], [cid], [])
    [cancelled] = events_of(svc, cid, "DeletionCancelled")
    assert "legal hold" in cancelled["reason"] and cancelled["actor"] == "ana"
    got = retrieval.download(svc, BUDI, clip_id=cid, out=tmp_path / "x.mp4", reason="review")
    assert got["sha256"] == clip(svc, cid).sha256  # readable again, the same bytes

    # Released, the clip is due again: announced with a new window, not deleted at once.
    holds.set_hold(svc, ANA, on=False, reason="trial over", clip_id=cid)
    again = sweep.sweep(svc, ANA)
    assert (again["scheduled"], again["purged"]) == ([cid], [])
    assert len(events_of(svc, cid, "DeletionScheduled")) == 2


def test_a_case_or_a_longer_policy_during_the_window_cancels_the_deletion(
    archive: Archive, monkeypatch: pytest.MonkeyPatch
) -> None:
    svc = archive.svc
    window(svc, monkeypatch, "P7D")
    policy(svc, "report", 1)
    policy(svc, "incident", 1)
    in_case, longer = seed.clips(svc, 1) + seed.clips(svc, 1, retention_class="incident")
    assert sorted(sweep.sweep(svc, ANA)["scheduled"]) == sorted([in_case, longer])

    flows.case(svc, "R-1")  # an open case keeps its clips
    cases.attach(svc, BUDI, case_id="R-1", clip_id=in_case, reason="evidence after all")
    policies.set_policy(
        svc, ANA, retention_class="incident", keep=timedelta(days=365), reason="new regulation"
    )
    result = sweep.sweep(svc, ANA)

    assert sorted(result["cancelled"]) == sorted([in_case, longer])
    assert (result["purged"], result["kept_on_hold"]) == ([], [])
    assert not any(clip(svc, c).pending_deletion for c in (in_case, longer))
    reasons = [events_of(svc, c, "DeletionCancelled")[0]["reason"] for c in (in_case, longer)]
    assert all("retain-until is now" in r for r in reasons)


def test_a_restore_moves_retain_until_one_window_past_now_and_extends_the_store_lock(
    archive: Archive, monkeypatch: pytest.MonkeyPatch
) -> None:
    svc = archive.svc
    window(svc, monkeypatch, "P7D")
    policy(svc, "report", 1)
    [cid] = seed.clips(svc, 1)
    sweep.sweep(svc, ANA)
    with pytest.raises(Refused):
        recovery.restore(svc, BUDI, clip_id=cid, reason="mine")  # admins only
    assert events_of(svc, cid, "AccessDenied")[0]["action"] == "retention.admin"

    before = now()
    done = recovery.restore(svc, ANA, clip_id=cid, reason="wanted by the prosecutor")

    restored = clip(svc, cid)
    assert not restored.pending_deletion and done["was"]["clip_id"] == cid
    assert before + timedelta(days=7) <= restored.retain_until <= now() + timedelta(days=7)
    assert done["retain_until"] == restored.retain_until.isoformat()
    [version] = svc.objects.versions(restored.storage["key"])
    assert version.retain_until is not None  # S3 keeps whole seconds, rounded up
    assert version.retain_until >= restored.retain_until - timedelta(seconds=1)
    [event] = events_of(svc, cid, "Restored")
    assert (event["actor"], event["reason"]) == ("ana", "wanted by the prosecutor")
    assert sweep.sweep(svc, ANA)["scheduled"] == []  # not due again at once
    with pytest.raises(StateConflict, match="not pending deletion"):
        recovery.restore(svc, ANA, clip_id=cid, reason="again")


def test_content_a_clip_in_its_window_uses_survives_the_purge_of_another_clip(
    archive: Archive, monkeypatch: pytest.MonkeyPatch
) -> None:
    svc = archive.svc
    policy(svc, "report", 1)
    body = b"the same recording pulled twice"
    window(svc, monkeypatch, "P7D")
    [waiting] = seed.clips(svc, 1, content=body)
    assert sweep.sweep(svc, ANA)["scheduled"] == [waiting]
    window(svc, monkeypatch, "PT0S")
    [gone] = seed.clips(svc, 1, content=body)

    assert sweep.sweep(svc, ANA)["purged"] == [gone]

    [purged] = events_of(svc, gone, "ClipPurged")
    assert [o["action"] for o in purged["objects"]] == ["kept_shared"]
    assert stored_versions(svc, waiting) >= 1
    recovery.restore(svc, ANA, clip_id=waiting, reason="still needed")
    assert retrieval.download(
        svc, BUDI, clip_id=waiting, out=Path(svc.settings.home) / "copy", reason="review"
    )["verified"]

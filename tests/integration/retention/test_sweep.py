"""The retention sweep on every event store and object store: what goes, what stays, and
that the log still verifies after purges."""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path

import pytest

from archive.audit import verify as audit
from archive.cases import cases
from archive.custody import retrieval
from archive.errors import Gone, Refused
from archive.timefmt import now
from domain.base import Context
from retention import holds, policies, sweep
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
    wait_until_expired,
)
from tests.support.settings import configure


def test_an_unattached_clip_is_purged_by_the_sweep_once_its_policy_expires(
    archive: Archive, tmp_path: Path
) -> None:
    svc = archive.svc
    policy(svc, "report", 2)
    [cid] = seed.clips(svc, 1, recorded=now())
    assert sweep.sweep(svc, ANA)["purged"] == []  # not yet: two seconds to go
    due = policies.due(svc, HOST, timedelta(minutes=1))["clips"]
    assert [(c["clip_id"], c["will_purge"], c["overdue"]) for c in due] == [(cid, True, False)]
    wait_until_expired(svc, cid)

    result = sweep.sweep(svc, ANA)

    assert (result["purged"], result["kept_on_hold"], result["errors"]) == ([cid], [], [])
    assert stored_versions(svc, cid) == 0  # every version of the content is gone
    [purged] = events_of(svc, cid, "ClipPurged")
    assert [o["action"] for o in purged["objects"]] == ["deleted"]
    assert retrieval.show_clip(svc, HOST, cid)["status"] == "purged"
    assert audit.verify(svc, HOST)["ok"] is True  # the tombstone keeps metadata, hash and chain
    with pytest.raises(Gone, match="was purged") as gone:
        retrieval.download(svc, BUDI, clip_id=cid, out=tmp_path / "x.mp4", reason="review")
    assert gone.value.details["purge"]["sha256"] == clip(svc, cid).sha256
    assert gone.value.details["purge"]["objects"][0]["action"] == "deleted"


def test_clips_in_an_open_case_under_hold_or_in_a_recently_closed_case_survive(
    archive: Archive,
) -> None:
    svc = archive.svc
    policy(svc, "report", 1)
    policy(svc, "incident", 3600)  # the tail a closed incident case gives its clips
    flows.case(svc, "R-OPEN")
    cases.open_case(svc, BUDI, case_id="I-DONE", kind="incident", title="theft", members=[])
    plain, in_open, held, in_closed = seed.clips(svc, 4)  # all recorded an hour ago: due
    cases.attach(svc, BUDI, case_id="R-OPEN", clip_id=in_open, reason="evidence")
    cases.attach(svc, BUDI, case_id="I-DONE", clip_id=in_closed, reason="evidence")
    cases.close_case(svc, BUDI, case_id="I-DONE", reason="solved")
    holds.set_hold(svc, ANA, on=True, reason="court order 12/2026", clip_id=held)

    result = sweep.sweep(svc, ANA)

    assert (result["purged"], result["kept_on_hold"]) == ([plain], [held])
    for survivor in (in_open, held, in_closed):
        assert clip(svc, survivor).status == "active"
        assert stored_versions(svc, survivor) == 1
    assert [v.legal_hold for v in svc.objects.versions(clip(svc, held).storage["key"])] == [True]

    # Releasing the hold lets the next sweep purge it, and frees the object's hold first.
    holds.set_hold(svc, ANA, on=False, reason="case dropped", clip_id=held)
    assert [v.legal_hold for v in svc.objects.versions(clip(svc, held).storage["key"])] == [False]
    assert sweep.sweep(svc, ANA)["purged"] == [held]
    assert audit.verify(svc, HOST)["ok"] is True


def test_a_case_hold_keeps_its_clips_after_the_case_closes_until_an_admin_releases_it(
    archive: Archive,
) -> None:
    svc = archive.svc
    policy(svc, "report", 1)
    flows.case(svc, "R-1")  # lead budi, member dodi
    a, b = seed.clips(svc, 2)
    cases.attach(svc, BUDI, case_id="R-1", clip_id=a, reason="evidence")
    placed = holds.set_hold(svc, BUDI, on=True, reason="prosecutor's request", case_id="R-1")
    assert (placed["hold_id"], placed["clip_ids"]) == ("case:R-1", [a])
    cases.attach(svc, BUDI, case_id="R-1", clip_id=b, reason="more evidence")  # held on entry
    cases.close_case(svc, BUDI, case_id="R-1", reason="report verified")
    wait_until_expired(svc, a, b)  # the case's one-second tail runs out

    result = sweep.sweep(svc, ANA)

    assert (result["purged"], sorted(result["kept_on_hold"])) == ([], sorted([a, b]))
    assert all(
        v.legal_hold for c in (a, b) for v in svc.objects.versions(clip(svc, c).storage["key"])
    )
    assert retrieval.show_clip(svc, HOST, b)["legal_hold"] is True
    holds.set_hold(svc, ANA, on=False, reason="trial over", case_id="R-1")
    assert sorted(sweep.sweep(svc, ANA)["purged"]) == sorted([a, b])
    assert [e["case_id"] for e in events_of(svc, a, "CaseHoldApplied")] == ["R-1"]
    assert [e["case_id"] for e in events_of(svc, a, "CaseHoldLifted")] == ["R-1"]


def test_shared_content_is_deleted_only_with_the_last_clip_that_uses_it(archive: Archive) -> None:
    svc = archive.svc
    policy(svc, "report", 1)
    first, second = seed.clips(svc, 2, content=b"the same recording pulled twice")
    holds.set_hold(svc, ANA, on=True, reason="court order", clip_id=second)

    assert sweep.sweep(svc, ANA)["purged"] == [first]
    [purged] = events_of(svc, first, "ClipPurged")
    assert [o["action"] for o in purged["objects"]] == ["kept_shared"]
    assert stored_versions(svc, second) >= 1  # still there (on S3 perhaps as two versions)

    holds.set_hold(svc, ANA, on=False, reason="released", clip_id=second)
    assert sweep.sweep(svc, ANA)["purged"] == [second]
    assert stored_versions(svc, second) == 0


def test_a_store_lock_that_outlasts_a_shortened_policy_defers_the_purge(archive: Archive) -> None:
    svc = archive.svc
    [cid] = seed.clips(svc, 1)  # stored under the default 90-day lock
    policy(svc, "report", 1)  # retain-until moves back; the WORM lock cannot
    assert clip(svc, cid).retain_until < now()

    result = sweep.sweep(svc, ANA)

    assert result["purged"] == [] and [d["clip_id"] for d in result["deferred"]] == [cid]
    assert clip(svc, cid).status == "active" and stored_versions(svc, cid) == 1


def test_changing_a_policy_recomputes_retain_until_and_extends_the_store_lock(
    archive: Archive,
) -> None:
    svc = archive.svc
    [cid] = seed.clips(svc, 1)
    start = clip(svc, cid).start
    result = policies.set_policy(
        svc, ANA, retention_class="report", keep=timedelta(days=120), reason="new regulation"
    )
    assert (result["keep"], result["clips_recomputed"]) == ("P120D", 1)
    assert clip(svc, cid).retain_until == start + timedelta(days=120)
    [version] = svc.objects.versions(clip(svc, cid).storage["key"])
    assert version.retain_until is not None  # S3 keeps whole seconds, rounded up
    assert (
        timedelta(0) <= version.retain_until - (start + timedelta(days=120)) < timedelta(seconds=1)
    )
    [changed] = events_of(svc, cid, "RetentionChanged")
    assert "report set to P120D" in changed["reason"]


def test_orphan_objects_are_deleted_once_the_store_lets_them_go(
    archive: Archive, monkeypatch: pytest.MonkeyPatch
) -> None:
    svc = archive.svc
    configure(svc, monkeypatch, SAKSI_ORPHAN_GRACE="PT0S")  # no grace for uploads in flight here
    # What an ingest interrupted between storing content and recording its event leaves.
    expired = svc.objects.put(io.BytesIO(b"orphan, lock over"), retain_until=now() - timedelta(1))
    locked = svc.objects.put(io.BytesIO(b"orphan, still locked"), retain_until=now() + timedelta(1))
    [kept] = seed.clips(svc, 1)

    found = sweep.sweep(svc, ANA)["orphans"]

    assert [o["key"] for o in found["deleted"]] == [expired.key]
    assert found["waiting_for_lock"] == 1
    assert svc.objects.versions(expired.key) == []
    assert len(svc.objects.versions(locked.key)) == 1 and stored_versions(svc, kept) == 1


def test_a_second_sweep_finds_nothing_more_to_do(archive: Archive) -> None:
    svc = archive.svc
    policy(svc, "report", 1)
    ids = seed.clips(svc, 5)
    assert sorted(sweep.sweep(svc, ANA)["purged"]) == sorted(ids)
    events = flows.event_count(svc)
    again = sweep.sweep(svc, ANA)
    assert (again["purged"], again["resumed"], again["errors"]) == ([], [], [])
    assert flows.event_count(svc) == events + 2  # only the run's own started and finished


def test_refused_retention_actions_are_recorded_where_they_were_aimed(archive: Archive) -> None:
    svc = archive.svc
    flows.case(svc, "R-1")  # lead budi; eko is an investigator outside it
    [cid] = seed.clips(svc, 1)
    eko = Context("eko")
    attempts = [
        lambda: policies.set_policy(
            svc, BUDI, retention_class="report", keep=timedelta(days=1), reason=None
        ),
        lambda: sweep.sweep(svc, BUDI),
        lambda: holds.set_hold(svc, eko, on=True, reason="mine now", case_id="R-1"),
        lambda: holds.set_hold(svc, eko, on=True, reason="mine now", clip_id=cid),
        lambda: holds.set_hold(svc, BUDI, on=False, reason="done", case_id="R-1"),
    ]
    for attempt in attempts:
        with pytest.raises(Refused):
            attempt()
    with svc.db.tx(write=False) as tx:
        rows = tx.all("SELECT actor, action, target FROM rm_refusals ORDER BY position")
    assert [(r["actor"], r["action"], r["target"]) for r in rows] == [
        ("budi", "retention.admin", "retention:report"),
        ("budi", "retention.admin", "retention:sweep"),
        ("eko", "hold.place", "case:R-1"),
        ("eko", "hold.place", f"clip:{cid}"),
        ("budi", "hold.release", "case:R-1"),
    ]

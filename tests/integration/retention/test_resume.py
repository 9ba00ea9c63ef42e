"""A sweep interrupted after recording its intent is finished by the next; one sweep leads."""

from __future__ import annotations

from archive.audit import verify as audit
from archive.timefmt import now
from domain.clip import Clip
from retention import purge, recovery, sweep
from retention.batch import load
from storage.eventstore.locks import leader
from tests.conftest import Archive
from tests.support import seed
from tests.support.principals import HOST
from tests.support.retention import ANA, clip, events_of, policy, stored_versions, topic_counts


def test_a_purge_interrupted_after_its_intent_is_finished_by_the_next_sweep(
    archive: Archive,
) -> None:
    svc = archive.svc
    policy(svc, "report", 1)
    ids = seed.clips(svc, 3)
    # The state a sweep killed between its deletions leaves: deletions scheduled (with no
    # recovery window), intents recorded for the batch, the first clip's content already
    # deleted, nothing else done.
    at, report = now(), purge.SweepReport()
    admin = svc.guard.require(ANA, "retention.sweep")  # as the sweep itself does
    recovery.schedule(svc, admin, at, report, 100)
    assert sorted(report.scheduled) == sorted(ids)
    started = purge.begin(svc, admin, load(svc, Clip, ids), at, report)
    assert sorted(c.clip_id for c in started) == sorted(ids)
    first = clip(svc, ids[0])
    svc.objects.delete(first.storage["key"], first.storage.get("version_id"))

    result = sweep.sweep(svc, ANA)

    assert sorted(result["resumed"]) == sorted(ids) and sorted(result["purged"]) == sorted(ids)
    actions = {i: [o["action"] for o in events_of(svc, i, "ClipPurged")[0]["objects"]] for i in ids}
    assert actions == {ids[0]: ["absent"], ids[1]: ["deleted"], ids[2]: ["deleted"]}
    counts = topic_counts(svc, ("PurgeStarted", "ClipPurged"))
    assert all(counts[name] == {i: 1 for i in ids} for name in counts)  # once each, no more
    assert all(stored_versions(svc, i) == 0 for i in ids)
    assert audit.verify(svc, HOST)["ok"] is True


def test_only_one_sweep_leads_at_a_time(archive: Archive) -> None:
    svc = archive.svc
    policy(svc, "report", 1)
    [cid] = seed.clips(svc, 1)
    with leader(svc.store.url, sweep.JOB) as first:
        assert first
        blocked = sweep.run_sweep(svc, ANA, wait_s=0.3)
        assert (blocked["leader"], blocked["purged"]) == (False, [])
        assert clip(svc, cid).status == "active"
    assert sweep.run_sweep(svc, ANA)["purged"] == [cid]

"""Safe deletion's rules on the clip: a recovery window before the purge, restores inside it."""

from datetime import timedelta

import pytest

from domain.base import Context, RuleBroken
from domain.clip import NotRestorable
from tests.unit.test_domain import T0, a_clip

ANA = Context("ana")
SWEEP = Context("scheduler", "scheduler")
AFTER = T0 + timedelta(days=7)


def test_a_clip_pending_deletion_keeps_its_custody_rules_but_refuses_content_reads() -> None:
    clip = a_clip()
    clip.schedule_deletion(AFTER, "retention expired", SWEEP)
    assert clip.pending_deletion and clip.status == "active" and clip.delete_after == AFTER
    for read in (
        lambda: clip.record_view("look", ANA),
        lambda: clip.record_download("copy", ANA),
        lambda: clip.record_export("E-1", "court", "hand-over", ANA),
        lambda: clip.record_share_view("S-1", "court", "hand-over", ANA),
    ):
        with pytest.raises(RuleBroken, match="pending deletion"):
            read()
    with pytest.raises(RuleBroken, match="already pending"):
        clip.schedule_deletion(AFTER, "again", SWEEP)
    # Holds and cases still reach it: they are what keeps it after all.
    clip.place_legal_hold("court order", ANA)
    clip.attach_to_case("R-1", "evidence", ANA)
    assert clip.is_held and clip.case_ids == ["R-1"]


def test_a_held_clip_is_not_scheduled_for_deletion() -> None:
    clip = a_clip()
    clip.place_legal_hold("court order", ANA)
    with pytest.raises(RuleBroken, match="legal hold"):
        clip.schedule_deletion(AFTER, "retention expired", SWEEP)


def test_a_restore_inside_the_window_makes_the_content_readable_and_moves_retain_until() -> None:
    clip = a_clip()
    clip.schedule_deletion(AFTER, "retention expired", SWEEP)
    later = clip.retain_until + timedelta(days=30)

    clip.restore("wanted by the prosecutor", later, AFTER - timedelta(seconds=1), ANA)

    assert not clip.pending_deletion and clip.delete_after is None
    assert clip.retain_until == later
    clip.record_download("review", ANA)  # readable again


def test_a_restore_never_moves_retain_until_earlier() -> None:
    clip = a_clip()
    clip.schedule_deletion(AFTER, "retention expired", SWEEP)
    clip.restore("mistake", T0, T0, ANA)
    assert clip.retain_until == T0 + timedelta(days=90)


@pytest.mark.parametrize("late", [timedelta(0), timedelta(days=1)])
def test_a_restore_at_or_after_the_end_of_the_window_is_refused(late: timedelta) -> None:
    clip = a_clip()
    clip.schedule_deletion(AFTER, "retention expired", SWEEP)
    with pytest.raises(NotRestorable, match=r"recovery window .* ended"):
        clip.restore("too late", AFTER + timedelta(days=30), AFTER + late, ANA)
    assert clip.pending_deletion


def test_only_a_clip_pending_deletion_can_be_restored_and_a_restore_needs_a_reason() -> None:
    clip = a_clip()
    with pytest.raises(NotRestorable, match="not pending deletion"):
        clip.restore("why not", AFTER, T0, ANA)
    clip.schedule_deletion(AFTER, "retention expired", SWEEP)
    with pytest.raises(RuleBroken, match="reason"):
        clip.restore("  ", AFTER, T0, ANA)
    clip.begin_purge("window over", [], SWEEP)
    with pytest.raises(NotRestorable, match="being purged"):
        clip.restore("stop", AFTER, T0, ANA)
    clip.purge("window over", [], SWEEP)
    with pytest.raises(NotRestorable, match="was purged"):
        clip.restore("stop", AFTER, T0, ANA)


def test_the_sweep_cancels_a_pending_deletion_and_a_cancel_needs_one() -> None:
    clip = a_clip()
    with pytest.raises(RuleBroken, match="not pending"):
        clip.cancel_deletion("held", SWEEP)
    clip.schedule_deletion(AFTER, "retention expired", SWEEP)
    clip.cancel_deletion("deletion cancelled: a legal hold keeps it", SWEEP)
    assert not clip.pending_deletion
    names = [type(e).__name__ for e in clip.collect_events()]
    assert names[-2:] == ["DeletionScheduled", "DeletionCancelled"]

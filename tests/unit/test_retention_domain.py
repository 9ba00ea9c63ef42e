"""The purge's state machine, holds through cases, and job runs: rules of the aggregates."""

import pytest

from archive.errors import InvalidInput
from domain.base import Context, RuleBroken
from domain.jobs import JobRun
from retention.holds import parse_hold_id
from tests.unit.test_domain import a_clip

CTX = Context("ana")


def test_a_purge_records_its_intent_first_and_then_the_clip_takes_no_custody_events() -> None:
    clip = a_clip()
    plan = [{"kind": "original", "key": clip.storage["key"], "version_ids": [None]}]
    clip.begin_purge("expired", plan, CTX)
    assert clip.status == "purging" and clip.purge_plan == plan
    for command in (
        lambda: clip.record_view("look", CTX),
        lambda: clip.place_legal_hold("court", CTX),
        lambda: clip.apply_case_hold("R-1", "court", CTX),
        lambda: clip.begin_purge("again", plan, CTX),
    ):
        with pytest.raises(RuleBroken, match="being purged"):
            command()
    clip.purge("expired", [{"key": "k", "action": "deleted"}], CTX)
    assert clip.status == "purged" and clip.purged_by == "ana"
    with pytest.raises(RuleBroken, match="was purged"):
        clip.purge("expired", [], CTX)


def test_a_clip_held_through_its_case_cannot_be_purged_until_the_case_hold_is_lifted() -> None:
    clip = a_clip()
    clip.apply_case_hold("R-1", "case on hold", CTX)
    assert clip.is_held and not clip.legal_hold
    with pytest.raises(RuleBroken, match="legal hold"):
        clip.begin_purge("expired", [], CTX)
    with pytest.raises(RuleBroken, match="already held"):
        clip.apply_case_hold("R-1", "again", CTX)
    clip.lift_case_hold("R-1", "released", CTX)
    assert not clip.is_held
    clip.begin_purge("expired", [], CTX)


def test_case_holds_need_a_reason_and_lifting_needs_the_hold() -> None:
    clip = a_clip()
    with pytest.raises(RuleBroken, match="reason"):
        clip.apply_case_hold("R-1", " ", CTX)
    with pytest.raises(RuleBroken, match="not held"):
        clip.lift_case_hold("R-1", "released", CTX)


def test_object_refs_name_the_original_and_each_derivative_once() -> None:
    clip = a_clip()
    for kind, key in (("poster", "p1"), ("proxy", "p2"), ("proxy", "p2"), ("poster", "k")):
        clip.add_derivative(kind, "b" * 64, 5, {"key": key}, {"ffmpeg": "x"}, CTX)
    refs = [(kind, key) for kind, key, _version in clip.object_refs()]
    assert refs == [("original", "k"), ("poster", "p1"), ("proxy", "p2")]


def test_a_job_run_finishes_or_fails_once() -> None:
    run = JobRun.start("retention-sweep", "schedule", "host:1", CTX)
    run.finish({"purged": 3}, CTX)
    assert (run.status, run.result) == ("finished", {"purged": 3})
    with pytest.raises(RuleBroken, match="already finished"):
        run.fail("late", CTX)
    failed = JobRun.start("checkpoint", "catch-up", "host:1", CTX)
    failed.fail("database down", CTX)
    assert failed.status == "failed"
    with pytest.raises(RuleBroken, match="trigger"):
        JobRun.start("checkpoint", "whenever", "host:1", CTX)


def test_hold_ids_name_a_clip_or_a_case() -> None:
    assert parse_hold_id("case:R-2026-0001") == (None, "R-2026-0001")
    assert parse_hold_id("clip:1b4e") == ("1b4e", None)
    for bad in ("R-1", "user:ana", "clip:"):
        with pytest.raises(InvalidInput):
            parse_hold_id(bad)

"""Rules the aggregates keep by themselves."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from domain.base import Context, RuleBroken
from domain.camera import Camera
from domain.case import Case
from domain.clip import Clip
from domain.footage_request import FootageRequest
from domain.retention import FOREVER, CaseTerm, retain_until
from domain.user import User

CTX = Context("budi")
T0 = datetime(2026, 11, 1, 10, 0, tzinfo=UTC)


def a_clip() -> Clip:
    return Clip.ingest(
        clip_id=uuid.uuid4(),
        camera_id="C1",
        start=T0,
        end=T0 + timedelta(seconds=3),
        sha256="a" * 64,
        size_bytes=10,
        media={},
        storage={"key": "k"},
        retention_class="report",
        retain_until=T0 + timedelta(days=90),
        source={},
        reason="verify report",
        ctx=CTX,
    )


def test_a_case_lead_is_always_a_member_and_members_are_unique() -> None:
    case = Case.open("R-1", "report", "t", "budi", ["dodi", "dodi", "budi"], CTX)
    assert case.members == ["budi", "dodi"]


def test_a_closed_case_takes_no_clips() -> None:
    case = Case.open("R-1", "report", "t", "budi", [], CTX)
    case.close("done", CTX)
    assert case.closed_at is not None
    with pytest.raises(RuleBroken, match="closed"):
        case.attach("x", "r", CTX)


@pytest.mark.parametrize("kind", ["", "crime", "REPORT"])
def test_unknown_case_kinds_are_refused(kind: str) -> None:
    with pytest.raises(RuleBroken):
        Case.open("R-1", kind, "t", "budi", [], CTX)


def test_custody_events_need_a_reason() -> None:
    clip = a_clip()
    with pytest.raises(RuleBroken, match="reason"):
        clip.record_view("  ", CTX)


def test_a_purged_clip_takes_no_more_custody_events() -> None:
    clip = a_clip()
    clip.purge("retention expired", [], CTX)
    with pytest.raises(RuleBroken, match="purged"):
        clip.record_download("look", CTX)


def test_a_held_clip_cannot_be_purged() -> None:
    clip = a_clip()
    clip.place_legal_hold("court order", CTX)
    with pytest.raises(RuleBroken, match="legal hold"):
        clip.purge("expired", [], CTX)


def test_events_carry_actor_channel_and_client() -> None:
    clip = a_clip()
    clip.record_view("check", Context("budi", "http", "10.0.0.7"))
    viewed = clip.collect_events()[-1]
    assert (viewed.actor, viewed.channel, viewed.client, viewed.reason) == (
        "budi",
        "http",
        "10.0.0.7",
        "check",
    )


def test_camera_coordinates_and_ids_are_checked() -> None:
    with pytest.raises(RuleBroken):
        Camera.register("C 1", "n", "public", "d", CTX)
    with pytest.raises(RuleBroken):
        Camera.register("C1", "n", "public", "d", CTX, lat=91.0, lon=0.0)
    with pytest.raises(RuleBroken):
        Camera.register("C1", "n", "city", "d", CTX)


def test_roles_are_checked() -> None:
    with pytest.raises(RuleBroken, match="role"):
        User.register("x", "superuser", "h", None, CTX)


def test_retain_until_is_the_longest_term() -> None:
    keep = timedelta(days=90)
    assert retain_until(T0, keep, []) == T0 + keep
    closed = CaseTerm(open=False, closed_at=T0 + timedelta(days=100), keep=timedelta(days=365))
    assert retain_until(T0, keep, [closed]) == T0 + timedelta(days=465)
    assert retain_until(T0, keep, [closed, CaseTerm(True, None, keep)]) == FOREVER


def a_claimed_request() -> FootageRequest:
    request = FootageRequest.send(
        request_id=uuid.uuid4(), camera_id="C1", owner_user="agus", case_id="R-1",
        start=T0, end=T0 + timedelta(seconds=3), reason="fight", ctx=CTX,
    )  # fmt: skip
    owner = Context("agus", "http")
    request.approve(owner)
    request.issue_link("L1", "h" * 64, datetime.now(UTC) + timedelta(days=3), 100, owner)
    request.start_upload("L1", owner)
    return request


def test_an_upload_claim_goes_stale_by_its_start_and_the_caller_s_now() -> None:
    request = a_claimed_request()
    started = request.upload_started
    assert started is not None
    bound = timedelta(hours=2)
    # The claim's time is its UploadStarted's; "now" is whatever the caller passes.
    assert request.link_problem("h" * 64, started + bound - timedelta(seconds=1), bound) == (
        "busy",
        f"an upload through the link of request {request.request_id} is under way",
    )
    assert not request.abandon_stale_upload(started + timedelta(minutes=5), bound, CTX)
    assert request.link_problem("h" * 64, started + bound, bound) is None
    # Stale: recorded abandoned, then claimed anew; the old claim's outcome is refused.
    system = Context("system", "system")
    assert request.abandon_stale_upload(started + bound, bound, system)
    request.start_upload("L1", Context("agus", "http"))
    types = [type(e).__name__ for e in request.collect_events()]
    assert types[-2:] == ["UploadFailed", "UploadStarted"]
    assert request.upload_started != started
    with pytest.raises(RuleBroken, match="was abandoned"):
        request.fail_upload("L1", "cut off", CTX, started)
    with pytest.raises(RuleBroken, match="was abandoned"):
        request.fulfil("clip", "a" * 64, 10, "L1", CTX, started)
    request.fulfil("clip", "a" * 64, 10, "L1", CTX, request.upload_started)
    assert request.status == "fulfilled"


def test_an_abandoned_claim_names_its_bound_as_an_iso_8601_duration() -> None:
    for bound, text in (
        (timedelta(hours=2), "PT2H"),
        (timedelta(seconds=1), "PT1S"),
        (timedelta(days=1, minutes=30), "P1DT30M"),
        (timedelta(days=2), "P2D"),
    ):
        request = a_claimed_request()
        assert request.upload_started is not None
        request.abandon_stale_upload(request.upload_started + bound, bound, CTX)
        failed = request.collect_events()[-1]
        assert isinstance(failed, FootageRequest.UploadFailed)
        assert failed.detail.startswith(f"abandoned: no outcome within {text} of its start at ")

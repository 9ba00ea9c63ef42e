"""Rules the aggregates keep by themselves."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from domain.base import Context, RuleBroken
from domain.camera import Camera
from domain.case import Case
from domain.clip import Clip
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

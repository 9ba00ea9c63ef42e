"""Redaction rules the domain keeps by itself: box syntax, boxes inside the clip, the copy."""

from __future__ import annotations

import uuid

import pytest

from domain.base import RuleBroken
from domain.redaction import Box, check_boxes, make_redacted_copy, parse_box
from tests.unit.test_domain import CTX, a_clip


@pytest.mark.parametrize(
    ("spec", "box"),
    [
        ("10,20,64,48", Box(10, 20, 64, 48)),
        (" 0,0,320,240 ", Box(0, 0, 320, 240)),
        ("10,20,64,48@1.5-4", Box(10, 20, 64, 48, 1.5, 4.0)),
        ("1,2,3,4@0-0.25", Box(1, 2, 3, 4, 0.0, 0.25)),
    ],
)
def test_box_specs_give_pixels_and_seconds(spec: str, box: Box) -> None:
    assert parse_box(spec) == box


@pytest.mark.parametrize(
    "spec", ["", "10,20,64", "10,20,64,48,1", "-1,0,4,4", "a,b,c,d", "1,2,3,4@1", "1,2,3,4@-1-2"]
)
def test_malformed_box_specs_are_refused(spec: str) -> None:
    with pytest.raises(RuleBroken, match="invalid box"):
        parse_box(spec)


def test_a_box_records_its_range_only_when_it_has_one() -> None:
    assert Box(1, 2, 3, 4).as_dict() == {"x": 1, "y": 2, "w": 3, "h": 4}
    assert Box(1, 2, 3, 4, 0.5, 1.0).as_dict()["start"] == 0.5
    assert Box(1, 2, 3, 4, 0.5, 1.0).label() == "1,2,3,4@0.5-1"


@pytest.mark.parametrize(
    ("boxes", "mode", "message"),
    [
        ([], "blur", "at least one box"),
        ([Box(0, 0, 4, 4)] * 65, "blur", "at most 64"),
        ([Box(0, 0, 4, 4)], "pixelate", "invalid mode"),
        ([Box(317, 0, 4, 4)], "black", "outside the clip's 320x240 picture"),
        ([Box(0, 0, 4, 4), Box(0, 237, 4, 4)], "blur", "box 2"),
        ([Box(0, 0, 4, 4, 2.0, 2.0)], "blur", "end after"),
        ([Box(0, 0, 4, 4, 0.0, 3.1)], "blur", "after the clip's end"),
        ([Box(0, 0, 4, 4, 1.0, None)], "blur", "both the start and the end"),
    ],
)
def test_boxes_must_lie_inside_the_picture_and_the_clip(
    boxes: list[Box], mode: str, message: str
) -> None:
    with pytest.raises(RuleBroken, match=message):
        check_boxes(boxes, 320, 240, 3.0, mode)


def test_boxes_that_fit_exactly_are_taken() -> None:
    boxes = [Box(0, 0, 320, 240), Box(318, 238, 2, 2, 0.0, 3.0)]
    assert check_boxes(boxes, 320, 240, 3.0, "black") == boxes


def test_a_redacted_copy_names_its_source_and_the_source_names_the_copy() -> None:
    original = a_clip()
    copy = make_redacted_copy(
        original,
        copy_id=uuid.uuid4(),
        sha256="b" * 64,
        size_bytes=5,
        media={},
        storage={"key": "k2"},
        retain_until=original.retain_until,
        ffmpeg={"version": "ffmpeg version x", "args": ["-i", "INPUT", "OUTPUT"]},
        boxes=[Box(1, 2, 3, 4)],
        mode="black",
        mute=True,
        deduplicated=False,
        reason="press release",
        ctx=CTX,
    )
    assert copy.derived_from == original.clip_id and original.derived_from is None
    assert copy.source["source_sha256"] == original.sha256 and copy.source["mute"] is True
    assert (copy.camera_id, copy.start, copy.retention_class) == (
        original.camera_id,
        original.start,
        original.retention_class,
    )
    made = original.collect_events()[-1]
    assert isinstance(made, type(original).RedactedCopyMade)
    assert (made.redacted_clip_id, made.sha256) == (copy.clip_id, "b" * 64)
    assert list(original.redactions) == [copy.clip_id]
    assert original.redactions[copy.clip_id] == made.originator_version
    with pytest.raises(RuleBroken, match="itself a redacted copy"):
        make_redacted_copy(
            copy, copy_id=uuid.uuid4(), sha256="c" * 64, size_bytes=5, media={},
            storage={"key": "k3"}, retain_until=copy.retain_until, ffmpeg={}, boxes=[],
            mode="blur", mute=False, deduplicated=False, reason="again", ctx=CTX,
        )  # fmt: skip

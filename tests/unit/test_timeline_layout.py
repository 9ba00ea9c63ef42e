"""The case timeline's axis (api/http/ui/timeline.py): one wall-clock scale for every camera,
a row per camera, and a gap in the footage left as a gap in the drawing."""

from __future__ import annotations

from api.http.ui.timeline import LEFT, WIDTH, layout


def clip(clip_id: str, camera: str, start: str, end: str) -> dict[str, str]:
    return {"clip_id": clip_id, "camera_id": camera, "start": start, "end": end}


def test_clips_share_one_axis_and_a_gap_stays_a_gap() -> None:
    got = layout(
        [
            clip("a", "CAM-1", "2026-11-01T10:00:00+00:00", "2026-11-01T10:00:10+00:00"),
            clip("b", "CAM-1", "2026-11-01T10:00:30+00:00", "2026-11-01T10:00:40+00:00"),
            clip("c", "CAM-2", "2026-11-01T17:00:05+07:00", "2026-11-01T17:00:25+07:00"),
        ]
    )
    assert got["span"] == 40 and [camera for camera, _ in got["rows"]] == ["CAM-1", "CAM-2"]
    (_, first), (_, second) = got["rows"]
    scale = (WIDTH - LEFT - 10) / 40
    a, b = first
    assert (a["x"], b["x"]) == (LEFT, LEFT + 30 * scale)
    assert a["x"] + a["w"] < b["x"]  # 10:00:10 to 10:00:30: nothing drawn
    [c] = second  # another zone, the same instant: five seconds after the first clip began
    assert c["x"] == round(LEFT + 5 * scale, 1) and c["offset"] == 5


def test_a_case_without_clips_draws_no_axis() -> None:
    assert layout([])["rows"] == []

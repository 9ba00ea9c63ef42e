"""The case timeline: every clip of a case on one wall-clock axis, a row per camera, gaps left
as gaps; several cameras played in step from a chosen moment, each video showing the wall-clock
time of its frame. The reason is asked once for the viewing session; each clip's content is
then read with it, so the custody rule of ranged reads records one ClipViewed per clip."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from api.http.deps import Run
from api.http.ui import times
from api.http.ui.web import SignedIn, UiRoute, render
from archive.cases import cases
from archive.custody import retrieval
from archive.services import Services
from domain.base import Context

router = APIRouter(route_class=UiRoute, include_in_schema=False)
WIDTH, ROW, LEFT = 900, 34, 130  # the axis drawing: pixels wide, per camera row, label column


def timeline(svc: Services, ctx: Context, case_id: str, viewing: bool) -> dict[str, Any]:
    case = cases.show_case(svc, ctx, case_id)
    clips = retrieval.list_clips(svc, ctx, case_id=case_id, limit=500)
    clips = [c for c in clips if c["status"] == "active" and c["start"] and c["end"]]
    if viewing:  # refused now, as a page, rather than by each video
        for c in clips:
            retrieval.authorize_content(svc, ctx, c["clip_id"], "clip.view")
    return {"case": case, "clips": clips}


def layout(clips: list[dict[str, Any]]) -> dict[str, Any]:
    """Rows by camera and each clip's bar on one axis (seconds from the first start)."""
    if not clips:
        return {"rows": [], "t0": None, "span": 0, "ticks": []}
    starts = [datetime.fromisoformat(c["start"]) for c in clips]
    ends = [datetime.fromisoformat(c["end"]) for c in clips]
    t0, t1 = min(starts), max(ends)
    span = max((t1 - t0).total_seconds(), 1.0)
    scale = (WIDTH - LEFT - 10) / span
    rows: dict[str, list[dict[str, Any]]] = {}
    for c, s, e in sorted(zip(clips, starts, ends, strict=True), key=lambda x: x[1]):
        bar = {
            **c,
            "offset": (s - t0).total_seconds(),
            "length": (e - s).total_seconds(),
            "x": round(LEFT + (s - t0).total_seconds() * scale, 1),
            "w": round(max((e - s).total_seconds() * scale, 2), 1),
            "epoch": s.timestamp(),
        }
        rows.setdefault(c["camera_id"], []).append(bar)
    ticks = [
        {"x": round(LEFT + i / 6 * span * scale, 1), "at": t0.timestamp() + i / 6 * span}
        for i in range(7)
    ]
    return {"rows": sorted(rows.items()), "t0": t0.timestamp(), "span": span, "ticks": ticks}


@router.get("/cases/{case_id:path}/timeline")
async def timeline_page(
    request: Request,
    case_id: str,
    viewer: SignedIn,
    run: Run,
    reason: Annotated[str | None, Query(max_length=500)] = None,
) -> Response:
    reason = (reason or "").strip() or None
    got = await run(timeline, viewer.ctx, case_id, reason is not None)
    return render(
        request,
        "timeline.html",
        reason=reason,
        size=(WIDTH, ROW, LEFT),
        may_view=viewer.role in ("operator", "investigator"),
        tz_offset=times.offset_s(datetime.now().timestamp()),
        **got,
        **layout(got["clips"]),
    )

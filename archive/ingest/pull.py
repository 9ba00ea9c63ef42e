"""`saksi case pull`: the footage around a report, from every camera near it, into the case.

Each camera in service within the radius is fetched from its own recording source
(archive/ingest/recorders/: NVR RTSP playback, Frigate HLS, MediaMTX, or a folder), several
recorders at once (SAKSI_PULL_CONCURRENCY). A camera without a registered source is read from
`<source root>/<CAMERA_ID>/` when a root is given (NVR segments or recording files, as
archive/ingest/sources.py reads them). What a recorder delivered is cut to the requested range
by stream copy, archived and attached to the case; the clip records the source (its URL never
carries a credential), the range asked, the range the recorder delivered and how much of the
request it covers. A recorder that delivers another range than asked (its clock or index is
off) is archived as delivered and flagged, never silently: it may be the very footage, labelled
wrongly. A recorder that is down, times out, refuses the credential or delivers nothing is
reported for its camera and the others go on; nothing is stored for it. An unavailable archive
service stops the pull (exit 3) once the cameras in flight are done; clips already pulled stay.

Progress goes to a callback per camera (queued, fetching with the fraction received,
storing, then done, without or failed), so a terminal or a background job can show it.
"""

from __future__ import annotations

import logging
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any

from archive import views
from archive.errors import InvalidInput, SaksiError, Unavailable, classify
from archive.guard import Principal
from archive.ingest import ingest, media
from archive.ingest.recorders import fetch as recorders
from archive.ingest.recorders.delivery import RecorderFailed
from archive.ingest.segments import SUFFIXES
from archive.ingest.sources import NoFootage
from archive.records import load_case
from archive.services import Services
from domain.base import Context
from domain.case import Case
from domain.recording_source import RecordingSource, parse_tz
from storage.readmodels import queries

log = logging.getLogger("saksi.pull")
CLOCK_WARN_S = 5  # a recorder clock further off than this is flagged (Date headers: 1 s steps)
STAGES = ("queued", "fetching", "storing", "done", "without", "failed")


@dataclass(frozen=True)
class CameraProgress:
    """Where one camera of a pull is: `stage` is one of STAGES; `fraction` of the range
    received while fetching (None when the recorder does not say)."""

    camera_id: str
    index: int
    total: int
    stage: str
    detail: str = ""
    fraction: float | None = None


Progress = Callable[[CameraProgress], None]


@dataclass(frozen=True)
class _Ask:
    case_id: str
    start: datetime
    end: datetime
    reason: str
    root: Path | None
    source_tz: tzinfo


def pull(
    svc: Services,
    ctx: Context,
    *,
    case_id: str,
    near: tuple[float, float],
    radius_m: float,
    start: datetime,
    end: datetime,
    reason: str,
    source_root: Path | None = None,
    source_tz: tzinfo = UTC,
    progress: Progress | None = None,
) -> dict[str, Any]:
    who = admitted(svc, ctx, case_id, start, end, radius_m, reason)
    root = source_root or svc.settings.pull_root
    if root is not None and not root.is_dir():
        raise InvalidInput(f"source root {root} is not a folder")
    svc.objects.check()  # an unusable store fails now (exit 3), before minutes of fetching
    found = [views.camera(r) for r in queries.cameras(svc.db, near=near, radius_m=radius_m)]
    ask = _Ask(case_id, start, end, reason, root.resolve() if root else None, source_tz)
    report = progress or (lambda _p: None)
    for i, cam in enumerate(found):
        report(CameraProgress(cam["camera_id"], i, len(found), "queued"))
    outcomes: list[tuple[str, dict[str, Any]]] = []
    stop: list[SaksiError] = []
    with ThreadPoolExecutor(svc.settings.pull_concurrency, thread_name_prefix="pull") as pool:
        jobs = [
            pool.submit(_camera, svc, who, ask, cam, i, len(found), report, stop)
            for i, cam in enumerate(found)
        ]
        outcomes = [job.result() for job in jobs]
    if stop:
        raise stop[0]
    return {
        "case_id": case_id,
        "near": {"lat": near[0], "lon": near[1]},
        "radius_m": radius_m,
        "start": start.isoformat(),
        "end": end.isoformat(),
        "cameras": len(found),
        "ingested": [e for kind, e in outcomes if kind == "ingested"],
        "without_footage": [e for kind, e in outcomes if kind == "without"],
        "failed": [e for kind, e in outcomes if kind == "failed"],
    }


def admitted(
    svc: Services,
    ctx: Context,
    case_id: str,
    start: datetime,
    end: datetime,
    radius_m: float,
    reason: str,
) -> Principal:
    """Who pulls, once allowed (a member of the open case who may ingest) and the ask is sane."""
    case = load_case(svc.events, case_id)
    who = svc.guard.require(ctx, "clip.ingest", target=case)
    svc.guard.require_member(who, case, "case.pull", case)
    if not case.is_open:
        raise InvalidInput(f"case {case_id} is closed")
    if not reason.strip():
        raise InvalidInput("a reason is required")
    if end <= start:
        raise InvalidInput("--end must be after --start")
    if radius_m <= 0:
        raise InvalidInput("--radius-m must be positive")
    return who


def _camera(
    svc: Services,
    who: Principal,
    ask: _Ask,
    cam: dict[str, Any],
    index: int,
    total: int,
    report: Progress,
    stop: list[SaksiError],
) -> tuple[str, dict[str, Any]]:
    camera_id = cam["camera_id"]
    entry: dict[str, Any] = {"camera_id": camera_id, "distance_m": cam["distance_m"]}

    def say(stage: str, detail: str = "", fraction: float | None = None) -> None:
        report(CameraProgress(camera_id, index, total, stage, detail, fraction))

    if stop:  # the archive became unavailable: start nothing more
        return _ended(say, "failed", {**entry, **_failure("the pull stopped: " + stop[0].message)})
    began = time.monotonic()
    try:
        with tempfile.TemporaryDirectory(prefix="saksi-pull-") as work:
            say("fetching")
            source = cam.get("source")
            if source is None or source["kind"] == "folder":
                result = _from_folder(svc, who, ask, camera_id, source, say)
            else:
                result = _from_recorder(svc, who, ask, camera_id, source, Path(work), say)
    except NoFootage as e:
        return _ended(say, "without", {**entry, "reason": e.message})
    except Exception as e:
        known = classify(e)
        if isinstance(known, Unavailable):
            stop.append(known)
        elif known is None:  # a fault of this camera's work, not of the archive: report it
            # Its type only: a message could quote a recorder URL with its credential.
            log.error("pull: camera %s failed unexpectedly (%s)", camera_id, type(e).__name__)
            known = SaksiError(f"internal error ({type(e).__name__}) while pulling this camera")
        return _ended(say, "failed", {**entry, **_failure(known.message, e)})
    result["seconds"] = round(time.monotonic() - began, 2)
    return _ended(say, "done", {**entry, **result})


def _from_folder(
    svc: Services,
    who: Principal,
    ask: _Ask,
    camera_id: str,
    source: dict[str, Any] | None,
    say: Callable[..., None],
) -> dict[str, Any]:
    if source is not None:
        folder, zone = Path(source["url"]), parse_tz(source["tz"])
    elif ask.root is not None:
        folder, zone = ask.root / camera_id, ask.source_tz
        if camera_id in (".", "..") or not folder.resolve().is_relative_to(ask.root):
            raise NoFootage(f"{camera_id}/ would lie outside the source root: not followed")
    else:
        raise NoFootage("no recording source registered (saksi camera source) and no source root")
    if not folder.is_dir():
        raise NoFootage(f"no folder {folder.name}/ in the source root")
    if not any(p.is_file() and p.suffix.lower() in SUFFIXES for p in folder.iterdir()):
        raise NoFootage(f"{folder.name}/ holds no recordings ({', '.join(sorted(SUFFIXES))})")
    said = {"kind": "folder", "url": str(folder)}
    clip = ingest.ingest_checked(
        svc,
        who,
        case=_case(svc, ask),
        camera_id=camera_id,
        source=str(folder),
        reason=ask.reason,
        start=ask.start,
        end=ask.end,
        source_tz=zone,
        clamp=True,
        origin={"recorder": said},
        requested=(ask.start, ask.end),
    )
    delivered = {"start": clip["start"], "end": clip["end"]}
    return _ingested(clip, ask, said, delivered)


def _from_recorder(
    svc: Services,
    who: Principal,
    ask: _Ask,
    camera_id: str,
    source: dict[str, Any],
    work: Path,
    say: Callable[..., None],
) -> dict[str, Any]:
    rs = RecordingSource(**source)
    url, delivery = recorders.fetch(
        svc.settings,
        rs,
        ask.start,
        ask.end,
        work / "fetched",
        lambda f: say("fetching", fraction=f),
    )
    say("storing")
    try:
        info = media.read_metadata(delivery.path)
    except InvalidInput as e:
        raise RecorderFailed("nothing", f"the recorder sent no usable video: {e.message}") from None
    began = delivery.start or ask.start
    ended = began + timedelta(seconds=info.duration_s)
    overlaps = ended > ask.start and began < ask.end
    said = {"kind": rs.kind, "url": url}
    delivered = {"start": began.isoformat(), "end": ended.isoformat()}
    origin = {
        "kind": "recorder",
        "recorder": {**said, "tz": rs.tz, "channel": rs.channel, "path": rs.path,
                     "credential": rs.credential},
        "delivered": delivered,
        "dated_by": delivery.dated_by,
        "clock_offset_s": delivery.clock_offset_s,
    }  # fmt: skip
    clip = ingest.ingest_checked(
        svc,
        who,
        case=_case(svc, ask),
        camera_id=camera_id,
        source=str(delivery.path),
        reason=ask.reason,
        source_start=began,
        # Footage of another time than asked is kept whole (copied through the same cut, which
        # also joins a playlist's segments cleanly) and flagged: none of it is cut off.
        start=ask.start if overlaps else began,
        end=ask.end if overlaps else ended,
        clamp=True,
        origin=origin,
        requested=(ask.start, ask.end),
    )
    result = _ingested(clip, ask, said, delivered)
    offset = delivery.clock_offset_s
    if offset is not None:
        result["clock_offset_s"] = offset
        if abs(offset) >= CLOCK_WARN_S:
            result.setdefault("warnings", []).append(
                f"the recorder's clock is {offset:+.0f} s off the archive's"
            )
    return result


def _case(svc: Services, ask: _Ask) -> Case:
    """The case as it is now, for one camera's ingest: an aggregate is never shared between
    threads (each ingest attaches its clip to its own copy and retries if another won)."""
    case = load_case(svc.events, ask.case_id)
    if not case.is_open:
        raise InvalidInput(f"case {ask.case_id} was closed during the pull")
    return case


def _ingested(
    clip: dict[str, Any], ask: _Ask, said: dict[str, Any], delivered: dict[str, Any]
) -> dict[str, Any]:
    covers = clip["source"].get("covers_request", "all")
    out = {
        **{k: clip[k] for k in ("clip_id", "sha256", "size_bytes", "start", "end", "duration_s")},
        "requested": {"start": ask.start.isoformat(), "end": ask.end.isoformat()},
        "delivered": delivered,
        "covers": covers,
        "source": said,
    }
    if covers != "all":
        out["warnings"] = [
            f"the recorder delivered {delivered['start']} – {delivered['end']} for the requested "
            f"{ask.start.isoformat()} – {ask.end.isoformat()} (covers {covers})"
        ]
    return out


def _failure(message: str, e: BaseException | None = None) -> dict[str, Any]:
    kind = e.reason if isinstance(e, RecorderFailed) else "error"
    return {"reason": message, "error": message, "kind": kind}


def _ended(
    say: Callable[..., None], stage: str, entry: dict[str, Any]
) -> tuple[str, dict[str, Any]]:
    say(stage, entry.get("reason", ""))
    return ("ingested" if stage == "done" else stage, entry)

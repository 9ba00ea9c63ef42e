"""`saksi case pull`: the footage around a report, from every camera near it, into the case.

For each registered camera within the radius, nearest first, `<source root>/<CAMERA_ID>/`
holds its recordings (NVR segments or recording files, dated by name or metadata: the
ingest sources of archive/ingest/sources.py). The requested range is cut from what each camera
kept — clamped to it, so an NVR that kept part of the range gives that part — ingested as a
clip and attached to the case. Cameras without a folder, without recordings or without
footage in the range are reported, and so are cameras whose footage failed, with the reason:
one camera's bad recording does not stop the others. An unavailable service does (exit 3);
clips already pulled stay in the case.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import Any

from archive.cameras import registry as cameras
from archive.errors import InvalidInput, Unavailable, classify
from archive.ingest import ingest
from archive.ingest.segments import SUFFIXES
from archive.ingest.sources import NoFootage
from archive.records import load_case
from archive.services import Services
from domain.base import Context

Progress = Callable[[str, int, int], None]  # (camera id, index, cameras in the radius)


def pull(
    svc: Services,
    ctx: Context,
    *,
    case_id: str,
    near: tuple[float, float],
    radius_m: float,
    start: datetime,
    end: datetime,
    source_root: Path | None,
    reason: str,
    source_tz: tzinfo = UTC,
    progress: Progress | None = None,
) -> dict[str, Any]:
    case = load_case(svc.events, case_id)
    who = svc.guard.require(ctx, "clip.ingest", target=case)
    svc.guard.require_member(who, case, "case.pull", case)
    if not case.is_open:
        raise InvalidInput(f"case {case_id} is closed")
    if not reason.strip():
        raise InvalidInput("a reason is required")
    if end <= start:
        raise InvalidInput("--end must be after --start")
    source_root = source_root or svc.settings.pull_root
    if source_root is None:
        raise InvalidInput("no source root: this server has no SAKSI_PULL_ROOT")
    if not source_root.is_dir():
        raise InvalidInput(f"source root {source_root} is not a folder")
    root = source_root.resolve()
    found = cameras.list_cameras(svc, ctx, near=near, radius_m=radius_m)
    ingested: list[dict[str, Any]] = []
    without: list[dict[str, Any]] = []
    failed: list[dict[str, Any]] = []
    for i, cam in enumerate(found):
        camera_id = cam["camera_id"]
        if progress:
            progress(camera_id, i, len(found))
        entry = {"camera_id": camera_id, "distance_m": cam["distance_m"]}
        folder, missing = _recordings(root, camera_id)
        if folder is None:
            without.append({**entry, "reason": missing})
            continue
        try:
            clip = ingest.ingest(
                svc,
                ctx,
                camera_id=camera_id,
                source=str(folder),
                reason=reason,
                case_id=case_id,
                start=start,
                end=end,
                source_tz=source_tz,
                clamp=True,
            )
        except NoFootage as e:
            without.append({**entry, "reason": e.message})
        except Exception as e:
            known = classify(e)
            if known is None or isinstance(known, Unavailable):
                raise
            failed.append({**entry, "error": known.message})
        else:
            ingested.append({**entry, **{k: clip[k] for k in _CLIP_FIELDS}})
    return {
        "case_id": case_id,
        "near": {"lat": near[0], "lon": near[1]},
        "radius_m": radius_m,
        "start": start.isoformat(),
        "end": end.isoformat(),
        "cameras": len(found),
        "ingested": ingested,
        "without_footage": without,
        "failed": failed,
    }


_CLIP_FIELDS = ("clip_id", "sha256", "size_bytes", "start", "end", "duration_s")


def _recordings(root: Path, camera_id: str) -> tuple[Path | None, str]:
    """The camera's folder under the root if it holds recordings; else why not."""
    folder = root / camera_id
    if camera_id in (".", "..") or not folder.resolve().is_relative_to(root):
        return None, f"{camera_id}/ would lie outside the source root: not followed"
    if not folder.is_dir():
        return None, f"no folder {camera_id}/ in the source root"
    if not any(p.is_file() and p.suffix.lower() in SUFFIXES for p in folder.iterdir()):
        return None, f"{camera_id}/ holds no recordings ({', '.join(sorted(SUFFIXES))})"
    return folder, ""

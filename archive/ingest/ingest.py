"""Ingest: a recording becomes a clip, its content stored first, then its events.

Order: permissions and references; the source is read (and cut or recorded) in a work folder
and its metadata checked; then the original is hashed and stored under its SHA-256 while its
integrity check and derivatives run beside, and it is locked only once those passed (a failure
deletes the unlocked upload: nothing kept, nothing recorded); then each derivative is stored;
then one save records the ClipIngested and DerivativeAdded events together, with the
attachment to the case when one is named (never a clip outside its case). A crash between
storing and saving leaves objects no event refers to: orphans, which the retention sweep
reconciles (archive/audit/fixity.py finds them); never an event without its content.
"""

from __future__ import annotations

import tempfile
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any

from archive.cases.cases import ingest_into_case
from archive.custody.retrieval import clip_view
from archive.errors import InvalidInput, NotFound
from archive.guard import Principal
from archive.ingest import derivatives, media, sources
from archive.records import load_case
from archive.services import Services
from domain.base import Context
from domain.camera import Camera, check_camera_id
from domain.case import Case
from domain.clip import Clip
from domain.retention import check_class
from retention import calc as retention_calc
from storage.objects.port import Gate, Progress, StoredObject

COVER_SLACK_S = 0.5


def ingest(
    svc: Services,
    ctx: Context,
    *,
    camera_id: str,
    source: str,
    reason: str,
    case_id: str | None = None,
    retention_class: str | None = None,
    source_start: datetime | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    duration: timedelta | None = None,
    source_tz: tzinfo = UTC,
    progress: Progress | None = None,
    clamp: bool = False,
    known_sha256: str | None = None,
) -> dict[str, Any]:
    """Ingest a recording file, a range of one, a range of NVR segments or a live stream.
    `clamp`: cut what the recording holds of the range (sources.Request). `known_sha256`:
    the hash of a whole file the caller already took (an upload, hashed as it arrived)."""
    who, case = _check_request(svc, ctx, camera_id, reason, case_id)
    return ingest_checked(
        svc,
        who,
        case=case,
        camera_id=camera_id,
        source=source,
        reason=reason,
        retention_class=retention_class,
        source_start=source_start,
        start=start,
        end=end,
        duration=duration,
        source_tz=source_tz,
        progress=progress,
        clamp=clamp,
        known_sha256=known_sha256,
    )


def ingest_checked(
    svc: Services,
    who: Principal,
    *,
    case: Case | None,
    camera_id: str,
    source: str,
    reason: str,
    retention_class: str | None = None,
    source_start: datetime | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    duration: timedelta | None = None,
    source_tz: tzinfo = UTC,
    progress: Progress | None = None,
    clamp: bool = False,
    origin: dict[str, Any] | None = None,
    requested: tuple[datetime, datetime] | None = None,
    known_sha256: str | None = None,
) -> dict[str, Any]:
    """`ingest` once the caller's right to it was checked: by `ingest` itself, or by a
    footage request whose camera owner delivers the recording (archive.footage_requests.requests).
    `origin`: more about where the recording came from, kept in the clip's `source`.
    `requested`: the range a footage request asked for; how much of it the recording covers
    is kept in the clip's `source` too (a private recorder's clock may be off, so a recording
    outside the range is flagged for the investigator, not refused). `known_sha256`: the hash
    of a whole-file source taken on its arrival; not taken again (the store verifies what it
    writes against it)."""
    ctx = who.ctx  # what the events record
    request = sources.Request(source, source_start, start, end, duration, source_tz, clamp)
    with (
        tempfile.TemporaryDirectory(prefix="saksi-ingest-") as work,
        ThreadPoolExecutor(max_workers=2, thread_name_prefix="ingest") as pool,
    ):
        # A whole file is hashed while ffprobe reads its metadata. Then the integrity demux and
        # the derivatives run beside the upload; the original is locked (kept) only once they
        # passed: the upload's gate. Nothing is kept otherwise. (docs/storage.md: why.)
        whole = _whole_file(request)
        known = known_sha256 if whole else None
        early = pool.submit(media.hash_file, Path(source)) if whole and not known else None
        rec = sources.prepare(request, Path(work))
        sha256 = known or (early.result() if early else media.hash_file(rec.path))
        checked = pool.submit(media.check_integrity, rec.path)
        making = pool.submit(derivatives.make_all, rec.path, rec.info, Path(work))

        def checks_passed() -> None:
            checked.result()
            making.result()

        cls = check_class(retention_class or (case.kind if case else "report"))
        policies = retention_calc.Policies.read(svc.db)  # read once for both
        until = policies.retain_until(rec.start, cls, [])
        lock = policies.store_lock(rec.start, cls, until)
        original = _store(svc, rec.path, sha256, lock, progress, checks_passed)
        stored = [
            (d, _store(svc, d.path, media.hash_file(d.path), lock, None)) for d in making.result()
        ]
    clip_id = uuid.uuid4()

    def make_clip() -> Clip:
        clip = Clip.ingest(
            clip_id=clip_id,
            camera_id=camera_id,
            start=rec.start,
            end=rec.end,
            sha256=original.sha256,
            size_bytes=original.size_bytes,
            media=rec.info.as_dict(),
            storage=original.reference(),
            retention_class=cls,
            retain_until=until,
            source={
                **rec.source,
                "deduplicated": original.existed,
                **(origin or {}),
                **(coverage(rec.start, rec.end, requested) if requested else {}),
            },
            reason=reason,
            ctx=ctx,
        )
        for d, obj in stored:
            clip.add_derivative(
                d.kind, obj.sha256, obj.size_bytes, obj.reference(), d.made_with, ctx
            )
        return clip

    if case is None:
        clip = make_clip()
        svc.events.save(clip)
    else:
        clip = ingest_into_case(svc, who, case, make_clip, reason)
    return {
        **clip_view(svc.db, clip.clip_id),
        "storage": clip.storage,
        "source": clip.source,
        "derivatives": clip.derivatives,
    }


def coverage(
    start: datetime, end: datetime, requested: tuple[datetime, datetime]
) -> dict[str, Any]:
    """How much of a requested range a recording of [start, end] holds: all, part or none.
    Half a second of slack: a recording's last frame is counted from its start, not its end."""
    asked_start, asked_end = requested
    slack = timedelta(seconds=COVER_SLACK_S)
    if start <= asked_start + slack and end >= asked_end - slack:
        covers = "all"
    elif end <= asked_start or start >= asked_end:
        covers = "none"
    else:
        covers = "part"
    asked = {"start": asked_start.isoformat(), "end": asked_end.isoformat()}
    return {"requested": asked, "covers_request": covers}


def ingest_file(
    svc: Services,
    ctx: Context,
    *,
    camera_id: str,
    source: Path,
    reason: str,
    case_id: str | None = None,
    retention_class: str | None = None,
    source_start: datetime | None = None,
    progress: Progress | None = None,
    known_sha256: str | None = None,
) -> dict[str, Any]:
    """Ingest a whole recording file (`known_sha256`: its hash, if the caller has taken it)."""
    return ingest(
        svc,
        ctx,
        camera_id=camera_id,
        source=str(source),
        reason=reason,
        case_id=case_id,
        retention_class=retention_class,
        source_start=source_start,
        progress=progress,
        known_sha256=known_sha256,
    )


def _whole_file(request: sources.Request) -> bool:
    path = Path(request.source)
    return (
        request.start is None
        and request.end is None
        and "://" not in request.source
        and (path.is_file())
    )


def _check_request(
    svc: Services, ctx: Context, camera_id: str, reason: str, case_id: str | None
) -> tuple[Principal, Case | None]:
    who = svc.guard.require(ctx, "clip.ingest", target=f"camera:{camera_id}")
    if svc.events.find(Camera, Camera.create_id(check_camera_id(camera_id))) is None:
        raise NotFound(f"no camera {camera_id}")
    case = None
    if case_id is not None:
        case = load_case(svc.events, case_id)
        svc.guard.require_member(who, case, "clip.ingest", case)
        if not case.is_open:
            raise InvalidInput(f"case {case_id} is closed")
    if not reason.strip():
        raise InvalidInput("a reason is required")
    svc.objects.check()  # an unusable store fails now (exit 3), before minutes of work
    return who, case


def _store(
    svc: Services,
    path: Path,
    sha256: str,
    lock: datetime,
    progress: Progress | None,
    gate: Gate | None = None,
) -> StoredObject:
    with open(path, "rb") as f:
        return svc.objects.put(
            f, retain_until=lock, progress=progress, expected_sha256=sha256, gate=gate
        )

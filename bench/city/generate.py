"""The year's events, made by the real aggregates and stored by the archive's own mapper.

Each report is a case: an operator opens it, pulls ~5 clips from the cameras around the
incident, the lead investigator and a colleague review them (views, a download), a fifth of
cases are exported to the prosecutor, a few are refused to an outsider or put on legal hold,
and the case closes thirty days later. Event timestamps follow the simulated clock, so the
log's times spread over the year like a real one's. Nothing is saved through the
application: events are mapped to stored events here and written in bulk (bench/city/load.py).
"""

from __future__ import annotations

import contextlib
import hashlib
import random
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import eventsourcing.domain
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import Mapper, StoredEvent

from bench.city import world
from domain.base import Context
from domain.camera import Camera
from domain.case import Case
from domain.clip import Clip
from domain.retention import RetentionPolicy
from domain.user import User

YEAR_START = datetime(2026, 1, 1, tzinfo=UTC)
DAYS = 365
CLIPS_PER_CASE = 5
VIEWS_PER_CLIP = 6
EVENTS_PER_CASE = 54  # what one report costs in events, on average (measured on this generator)
CLOSE_AFTER_DAYS = 30
POLICIES = {"report": timedelta(days=90), "incident": timedelta(days=365)}
MEDIA = {
    "container": "mov,mp4,m4a,3gp,3g2,mj2",
    "codec": "h264",
    "width": 1920,
    "height": 1080,
    "fps": 25.0,
    "duration_s": 300.0,
    "bit_rate": 4_000_000,
    "has_audio": False,
    "creation_time": None,
    "start_s": 0.0,
    "audio_codec": None,
    "pix_fmt": "yuv420p",
}


class Clock:
    """The simulated now, read by every event the aggregates trigger."""

    def __init__(self) -> None:
        self.now = YEAR_START

    def tick(self, seconds: float = 1.0) -> datetime:
        self.now += timedelta(seconds=seconds)
        return self.now


@contextlib.contextmanager
def simulated_time(clock: Clock) -> Iterator[None]:
    """Events take their timestamp from the clock (the library's one hook for it)."""
    stamp = eventsourcing.domain.CanCreateTimestamp
    original = stamp.__dict__["create_timestamp"]
    stamp.create_timestamp = staticmethod(clock.tick)  # type: ignore[method-assign]
    try:
        yield
    finally:
        stamp.create_timestamp = original  # type: ignore[method-assign]


class CityLog:
    """The stored events of a year with about `target` events, in log order."""

    def __init__(self, mapper: Mapper[uuid.UUID], target: int, cameras: int = 10_000) -> None:
        self.mapper = mapper
        self.rng = random.Random(19)
        self.cases_per_day = max(1, round(target / DAYS / EVENTS_PER_CASE))
        self.cams = world.cameras(cameras, self.rng)
        self.grid = world.Grid(self.cams, self.rng)
        self.users = world.users()
        self.clock = Clock()
        self.clips = 0
        self.cases = 0
        self.case_ids: list[str] = []  # every case, for the bench's searches
        self.sample_clip: str | None = None

    def _stored(self, *aggregates: Aggregate) -> Iterator[StoredEvent]:
        for agg in aggregates:
            for e in agg.collect_events():
                yield self.mapper.to_stored_event(e)

    def events(self, until_day: int = DAYS) -> Iterator[tuple[int, list[StoredEvent]]]:
        """(day, that day's stored events), day by day from the first."""
        with simulated_time(self.clock):
            yield 0, list(self._setup())
            closing: dict[int, list[Case]] = {}
            for day in range(1, until_day + 1):
                self.clock.now = YEAR_START + timedelta(days=day)
                batch: list[StoredEvent] = []
                for case in closing.pop(day, []):
                    case.close("investigation finished", self._ctx("investigator", case.lead))
                    batch += self._stored(case)
                step = 86_400 / (self.cases_per_day + 1)
                for i in range(self.cases_per_day):
                    self.clock.now = YEAR_START + timedelta(days=day, seconds=step * (i + 1))
                    case, events = self._report(day, i)
                    batch += events
                    if not case.on_hold:
                        closing.setdefault(day + CLOSE_AFTER_DAYS, []).append(case)
                yield day, batch

    def _ctx(self, role: str, name: str | None = None) -> Context:
        who = name or self.rng.choice(self.users[role])
        return Context(who, "http", f"10.12.{self.rng.randrange(256)}.{self.rng.randrange(256)}")

    def _setup(self) -> Iterator[StoredEvent]:
        admin = Context(self.users["admin"][0], "host")
        for role, names in self.users.items():
            for name in names:
                token_hash = hashlib.sha256(token(name).encode()).hexdigest()
                yield from self._stored(User.register(name, role, token_hash, None, admin))
        for cls, keep in POLICIES.items():
            yield from self._stored(RetentionPolicy.define(cls, keep, "city policy", admin))
        for c in self.cams:
            yield from self._stored(
                Camera.register(
                    c.camera_id, c.name, c.owner, c.district, admin, lat=c.lat, lon=c.lon
                )
            )

    def _report(self, day: int, i: int) -> tuple[Case, list[StoredEvent]]:
        rng = self.rng
        self.cases += 1
        case_id = f"R-2026-{day:03d}-{i:04d}"
        self.case_ids.append(case_id)
        operator = self._ctx("operator")
        lead = rng.choice(self.users["investigator"])
        colleague = rng.choice(self.users["investigator"])
        kind = "incident" if rng.random() < 0.2 else "report"
        case = Case.open(case_id, kind, f"112 report {case_id}", lead, [colleague], operator)
        clips: list[Clip] = []
        incident = self.clock.now - timedelta(hours=rng.uniform(1, 6))
        for cam in self.grid.around(rng, CLIPS_PER_CASE):
            clips.append(self._clip(cam, incident, kind, case_id, operator))
        for clip in clips:
            case.attach(clip.clip_id, "pulled for the report", operator)
            clip.attach_to_case(case_id, "pulled for the report", operator)
        for clip in clips:
            for v in range(VIEWS_PER_CLIP):
                who = lead if v % 2 == 0 else colleague
                clip.record_view(f"review {v // 2 + 1} for {case_id}", self._ctx("", who))
            clip.record_download(f"evidence copy for {case_id}", self._ctx("", lead))
        if rng.random() < 0.2:
            export_id = str(uuid.UUID(int=rng.getrandbits(128)))
            ctx = self._ctx("", lead)
            ids = [c.clip_id for c in clips]
            case.record_export(export_id, "Kejaksaan Negeri Semarang", "for the hearing", ids, ctx)
            for clip in clips:
                clip.record_export(export_id, "Kejaksaan Negeri Semarang", "for the hearing", ctx)
        if rng.random() < 0.03 and clips:
            outsider = self._ctx("investigator")
            clips[0].record_refusal("content.read", "not a member of the clip's case", outsider)
        if rng.random() < 0.02:
            ctx = self._ctx("", lead)
            case.place_legal_hold("court order", ctx)
            for clip in clips:
                clip.apply_case_hold(case_id, "court order", ctx)
        return case, list(self._stored(case, *clips))

    def _clip(
        self, cam: world.Camera, incident: datetime, kind: str, case_id: str, ctx: Context
    ) -> Clip:
        self.clips += 1
        rng = self.rng
        sha = hashlib.sha256(rng.getrandbits(64).to_bytes(8, "big")).hexdigest()
        start = incident - timedelta(minutes=rng.uniform(0, 10))
        clip = Clip.ingest(
            clip_id=uuid.UUID(int=rng.getrandbits(128)),
            camera_id=cam.camera_id,
            start=start,
            end=start + timedelta(seconds=300),
            sha256=sha,
            size_bytes=150_000_000 + rng.randrange(10_000_000),
            media=MEDIA,
            storage=_reference(sha),
            retention_class=kind,
            retain_until=start + POLICIES[kind],
            source=_source(cam),
            reason=f"pull for {case_id}",
            ctx=ctx,
        )
        self.sample_clip = self.sample_clip or clip.clip_id
        return clip


def _reference(sha: str) -> dict[str, Any]:
    return {"store": "file", "key": f"sha256/{sha[:2]}/{sha[2:4]}/{sha}", "version_id": None}


def _source(cam: world.Camera) -> dict[str, Any]:
    return {
        "kind": "hikvision",
        "url": f"rtsp://nvr-{cam.camera_id.lower()}.cctv.semarangkota.go.id:554",
        "deduplicated": False,
    }


def token(user: str) -> str:
    """The bearer token of a city user (the bench signs in with it; never a real archive)."""
    return f"sks_city_{user}"

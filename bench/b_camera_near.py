"""camera_near_ms: `camera list --near LAT,LON --radius-m 500` over a city of 10,000
registered cameras (Semarang's extent), median over random points, on PostgreSQL; the same
on SQLite as a second figure. The use case is timed in-process (what the CLI and the API
call), not the process start-up around it.
"""

from __future__ import annotations

import random
import statistics
import time
from pathlib import Path
from tempfile import TemporaryDirectory

from api.cli.common import host_context
from archive.accounts import users
from archive.bootstrap import bootstrap
from archive.cameras import registry as cameras
from archive.services import Services
from archive.settings import Settings
from bench.common import Result, scratch_database, scratch_settings
from domain.base import Context
from domain.camera import Camera

# Kota Semarang, roughly: 19 km north-south, 22 km east-west.
LAT = (-7.10, -6.93)
LON = (110.30, 110.50)
RADIUS_M = 500
QUERIES = 200


HOST = host_context()  # the bench runs on the archive host


def load(svc: Services, count: int, rng: random.Random) -> None:
    ctx = Context("ana")
    for start in range(0, count, 500):
        batch = [
            Camera.register(
                f"SMG-{i:05d}",
                f"Camera {i}",
                "public" if i % 3 else "private",
                f"District {i % 16}",
                ctx,
                rt=f"{i % 30:03d}",
                lat=rng.uniform(*LAT),
                lon=rng.uniform(*LON),
            )
            for i in range(start, min(start + 500, count))
        ]
        svc.events.save(*batch)


def median_ms(svc: Services, rng: random.Random) -> tuple[float, float]:
    """Median time of one query, and the mean number of cameras found."""
    times, found = [], []
    for _ in range(QUERIES):
        point = (rng.uniform(*LAT), rng.uniform(*LON))
        t = time.perf_counter()
        rows = cameras.list_cameras(svc, HOST, near=point, radius_m=RADIUS_M)
        times.append(time.perf_counter() - t)
        found.append(len(rows))
    return statistics.median(times) * 1000, statistics.mean(found)


def measure(settings: Settings, count: int) -> tuple[float, float]:
    svc = bootstrap(settings, create_database=True)
    try:
        users.init_archive(svc, HOST, "ana")
        load(svc, count, random.Random(7))
        if svc.db.dialect == "postgres":
            with svc.db.tx() as tx:
                tx.run("ANALYZE rm_cameras")
        median_ms(svc, random.Random(1))  # warm up
        return median_ms(svc, random.Random(2))
    finally:
        svc.close()


def run(quick: bool = False) -> list[Result]:
    count = 1_000 if quick else 10_000
    target = "< 10 ms"
    with scratch_database() as dbname, TemporaryDirectory() as tmp:
        pg_ms, pg_found = measure(scratch_settings(dbname, tmp), count)
    with TemporaryDirectory() as tmp:
        home = Path(tmp)
        lite = Settings(
            home=home,
            event_store=f"sqlite:///{home}/events.sqlite",
            object_store=f"file://{home}/objects",
            signing_key=home / "key",
        )
        lite_ms, _ = measure(lite, count)
    note = f"{target} ({count} cameras, {RADIUS_M} m, ~{pg_found:.0f} found; PostgreSQL)"
    return [
        Result("camera_near_ms", pg_ms, "ms", note, lower_is_better=True),
        Result(
            "camera_near_sqlite_ms",
            lite_ms,
            "ms",
            f"{target} ({count} cameras, {RADIUS_M} m; SQLite)",
            lower_is_better=True,
        ),
    ]

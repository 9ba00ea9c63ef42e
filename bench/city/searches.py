"""The investigator's four clip searches, over the API and as the same SQL run directly.

Each request draws its own parameters (a camera and a day, a case, a district and an hour,
a place and a day), so the load touches the whole year, not one cached page.
"""

from __future__ import annotations

import random
import statistics
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import httpx
import psycopg

from bench.city import world
from bench.city.generate import DAYS, YEAR_START, CityLog
from storage.readmodels.queries import EARTH_RADIUS_M

KINDS = ("camera_time", "case", "district_time", "near_time")
RADIUS_M = 500.0
LIMIT = 100

# The statements queries.clips issues for each search (the page of clips; the case ids of a
# page follow in one more query, as in the API). %s placeholders for psycopg.
_SELECT = (
    "SELECT c.*, r.source_clip_id AS derived_from FROM rm_clips c "
    "LEFT JOIN rm_redactions r ON r.clip_id = c.clip_id"
)
_ORDER = f" ORDER BY c.start_at, c.clip_id LIMIT {LIMIT + 1} OFFSET 0"
SQL = {
    "camera_time": _SELECT
    + " WHERE c.camera_id = %s AND c.end_at >= %s AND c.start_at >= %s AND c.start_at <= %s"
    + _ORDER,
    "case": _SELECT
    + " JOIN rm_case_clips cc ON cc.clip_id = c.clip_id WHERE cc.case_id = %s"
    + _ORDER,
    "district_time": _SELECT
    + " WHERE c.camera_id IN (SELECT camera_id FROM rm_cameras WHERE district = %s)"
    " AND c.end_at >= %s AND c.start_at >= %s AND c.start_at <= %s" + _ORDER,
    # near: the cameras in the radius are found first (camera_near_ms), then their clips.
    "near_time": _SELECT
    + " WHERE c.camera_id = ANY(%s) AND c.end_at >= %s AND c.start_at >= %s AND c.start_at <= %s"
    + _ORDER,
}
# The district search as it was before rm_clip_span bounded start_at from below (its plan is
# kept in plans.txt for docs/performance.md's before/after).
BEFORE = {
    "district_time_before": _SELECT
    + " WHERE c.camera_id IN (SELECT camera_id FROM rm_cameras WHERE district = %s)"
    " AND c.end_at >= %s AND c.start_at <= %s" + _ORDER
}


class Draw:
    """Random search parameters over the city's year."""

    def __init__(self, log: CityLog, longest_s: float, days: int = DAYS) -> None:
        self.log = log
        self.days = days
        self.longest = timedelta(seconds=longest_s + 1)  # as queries.clips bounds start_at

    def _day(self, rng: random.Random, hours: float) -> tuple[datetime, datetime]:
        since = YEAR_START + timedelta(days=rng.uniform(1, self.days), hours=0)
        return since, since + timedelta(hours=hours)

    def params(self, kind: str, rng: random.Random) -> dict[str, Any]:
        if kind == "camera_time":
            cam = rng.choice(self.log.grid.hotspots)  # busy cameras: the worst case
            since, until = self._day(rng, 24 * 7)
            return {"camera": cam.camera_id, "since": since, "until": until}
        if kind == "case":
            return {"case": rng.choice(self.log.case_ids)}
        if kind == "district_time":
            since, until = self._day(rng, 24)
            return {"district": rng.choice(world.DISTRICTS), "since": since, "until": until}
        cam = rng.choice(self.log.cams)
        since, until = self._day(rng, 24 * 7)
        return {"lat": cam.lat, "lon": cam.lon, "since": since, "until": until}

    def cameras_near(self, lat: float, lon: float) -> list[str]:
        from storage.readmodels.queries import distance_m

        box = RADIUS_M / EARTH_RADIUS_M * 57.3 * 1.2
        return [
            c.camera_id
            for c in self.log.cams
            if abs(c.lat - lat) < box
            and abs(c.lon - lon) < box
            and distance_m((lat, lon), (c.lat, c.lon)) <= RADIUS_M
        ]


def api_query(p: dict[str, Any]) -> dict[str, Any]:
    q: dict[str, Any] = {"limit": LIMIT}
    for key, value in p.items():
        q[key] = value.isoformat() if isinstance(value, datetime) else value
    if "lat" in p:
        q["radius_m"] = RADIUS_M
    return q


def sql_args(kind: str, p: dict[str, Any], draw: Draw) -> tuple[Any, ...]:
    def t(x: datetime) -> str:
        return x.isoformat(timespec="microseconds")

    since, earliest = (t(p["since"]), t(p["since"] - draw.longest)) if "since" in p else ("", "")
    if kind == "camera_time":
        return (p["camera"], since, earliest, t(p["until"]))
    if kind == "case":
        return (p["case"],)
    if kind == "district_time":
        return (p["district"], since, earliest, t(p["until"]))
    if kind == "district_time_before":
        return (p["district"], since, t(p["until"]))
    return (draw.cameras_near(p["lat"], p["lon"]), since, earliest, t(p["until"]))


def load(
    clients: int, per_kind: int, make_call: Callable[[], Callable[[str, random.Random], None]]
) -> dict[str, list[float]]:
    """`per_kind` requests of each search spread over `clients` threads; latencies in s."""
    jobs = [k for k in KINDS for _ in range(per_kind)]
    random.Random(5).shuffle(jobs)
    lock = threading.Lock()
    out: dict[str, list[float]] = {k: [] for k in KINDS}

    def worker(seed: int) -> None:
        rng = random.Random(seed)
        call = make_call()
        call(KINDS[seed % 4], rng)  # warm the connection
        while True:
            with lock:
                if not jobs:
                    return
                kind = jobs.pop()
            start = time.perf_counter()
            call(kind, rng)
            with lock:
                out[kind].append(time.perf_counter() - start)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    return out


def api_caller(
    url: str, token: str, draw: Draw
) -> Callable[[], Callable[[str, random.Random], None]]:
    def make() -> Callable[[str, random.Random], None]:
        client = httpx.Client(
            base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=60
        )

        def call(kind: str, rng: random.Random) -> None:
            r = client.get("/api/clips", params=api_query(draw.params(kind, rng)))
            if r.status_code != 200:
                raise RuntimeError(f"{kind}: {r.status_code} {r.text[:200]}")

        return call

    return make


def sql_caller(conninfo: str, draw: Draw) -> Callable[[], Callable[[str, random.Random], None]]:
    def make() -> Callable[[str, random.Random], None]:
        conn = psycopg.connect(conninfo, autocommit=True)

        def call(kind: str, rng: random.Random) -> None:
            args = sql_args(kind, draw.params(kind, rng), draw)
            conn.execute(SQL[kind], args).fetchall()

        return call

    return make


def explain(conninfo: str, draw: Draw) -> dict[str, str]:
    """EXPLAIN ANALYZE of each search with typical parameters."""
    rng = random.Random(11)
    plans = {}
    with psycopg.connect(conninfo, autocommit=True) as conn:
        for kind, sql in {**SQL, **BEFORE}.items():
            p = draw.params(kind.removesuffix("_before"), rng)
            rows = conn.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, sql_args(kind, p, draw))
            plans[kind] = f"(SQL: {sql})\n" + "\n".join(r[0] for r in rows.fetchall())
    return plans


def pct(latencies: list[float], q: float) -> float:
    ordered = sorted(latencies)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))] * 1000


def median_ms(latencies: list[float]) -> float:
    return statistics.median(latencies) * 1000

"""The demo's camera network: about fifty cameras around Simpang Lima, Semarang.

Cameras ring the square and line the roads that leave it (Pahlawan, Pandanaran, Ahmad Yani,
KH Ahmad Dahlan, Gajahmada, Veteran), placed along each road's real direction 100-200 m
apart, with the RT/RW of the neighbourhood they watch (written RT/RW: `003/002`); three
private shop cameras have an owner. Coordinates are plausible, not surveyed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from domain.base import Context

SIMPANG_LIMA = (-6.99040, 110.42290)  # the square's centre


def demo_user(name: str) -> Context:
    """The demo seeds a throwaway archive with its own fixed users on this host; its records
    say so (client `local:demo`). No command line path reaches this: a user's command proves
    who they are with their token (api/cli/common.py, user_context)."""
    return Context(actor=name, channel="cli", client="local:demo")


@dataclass(frozen=True)
class DemoCamera:
    camera_id: str
    name: str
    owner: str  # public | private
    district: str
    rt: str
    lat: float
    lon: float
    owner_user: str | None = None


# name, district, kelurahan code for ids, RW, first point, last point (lat, lon)
ROADS = (
    ("Jl. Pahlawan", "Semarang Selatan", "SS", 3, (-6.99180, 110.42230), (-6.99900, 110.41880)),
    ("Jl. Pandanaran", "Semarang Selatan", "SS", 1, (-6.98950, 110.42130), (-6.98720, 110.40980)),
    ("Jl. Ahmad Yani", "Semarang Selatan", "SS", 5, (-6.98930, 110.42420), (-6.98600, 110.43250)),
    ("Jl. KH Ahmad Dahlan", "Semarang Selatan", "SS", 4,
     (-6.99120, 110.42420), (-6.99560, 110.42900)),
    ("Jl. Gajahmada", "Semarang Tengah", "ST", 2, (-6.98910, 110.42290), (-6.98150, 110.42330)),
    ("Jl. Veteran", "Semarang Selatan", "SS", 6, (-6.99080, 110.42140), (-6.99550, 110.41500)),
)  # fmt: skip
PER_ROAD = 7
RING = (
    "Simpang Lima utara",
    "Simpang Lima timur laut",
    "Simpang Lima tenggara",
    "Simpang Lima selatan",
    "Simpang Lima barat daya",
    "Simpang Lima barat laut (Masjid Raya Baiturrahman)",
)
RING_RADIUS_M = 110
PRIVATE = (  # shops that keep their own recorders; footage comes by request
    ("SMG-PV-0001", "Toko Makmur (private)", "pak.agus", -6.99110, 110.42370),
    ("SMG-PV-0002", "Apotek Sehat (private)", "pak.agus", -6.98990, 110.42190),
    ("SMG-PV-0003", "Warung Bu Tini (private)", "pak.agus", -6.99320, 110.42160),
)


def cameras() -> list[DemoCamera]:
    """The whole demo network, in a stable order (ids do not change between starts)."""
    found: list[DemoCamera] = []
    numbers = {"SS": 0, "ST": 0}

    def next_id(code: str) -> str:
        numbers[code] += 1
        return f"SMG-{code}-{numbers[code]:04d}"

    lat0, lon0 = SIMPANG_LIMA
    for i, name in enumerate(RING):
        bearing = math.radians(i * 60)
        dlat = RING_RADIUS_M * math.cos(bearing) / 111_320
        dlon = RING_RADIUS_M * math.sin(bearing) / (111_320 * math.cos(math.radians(lat0)))
        found.append(
            DemoCamera(next_id("SS"), name, "public", "Semarang Selatan", f"00{i % 4 + 1}/002",
                       round(lat0 + dlat, 5), round(lon0 + dlon, 5))
        )  # fmt: skip
    for road, district, code, rw, (a_lat, a_lon), (b_lat, b_lon) in ROADS:
        for n in range(PER_ROAD):
            f = n / (PER_ROAD - 1)
            found.append(
                DemoCamera(next_id(code), f"{road} {n + 1}", "public", district,
                           f"00{n % 5 + 1}/00{rw}",
                           round(a_lat + f * (b_lat - a_lat), 5),
                           round(a_lon + f * (b_lon - a_lon), 5))
            )  # fmt: skip
    for camera_id, name, owner_user, lat, lon in PRIVATE:
        found.append(
            DemoCamera(camera_id, name, "private", "Semarang Selatan", "003/002", lat, lon,
                       owner_user)
        )  # fmt: skip
    return found

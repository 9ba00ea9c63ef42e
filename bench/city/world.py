"""The city's fixed parts: districts, cameras with coordinates, users, retention classes.

Deterministic (seeded), so two runs build the same archive. Semarang's sixteen districts
(kecamatan) lie on a grid over the city's extent; incidents cluster at hotspots (junctions,
markets), so some cameras are far busier than others, as in a real city.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

DISTRICTS = (
    "Semarang Tengah", "Semarang Utara", "Semarang Timur", "Semarang Selatan",
    "Semarang Barat", "Gayamsari", "Gajahmungkur", "Genuk", "Pedurungan", "Candisari",
    "Tembalang", "Banyumanik", "Gunungpati", "Mijen", "Ngaliyan", "Tugu",
)  # fmt: skip
LAT = (-7.10, -6.94)  # the city's extent
LON = (110.30, 110.50)
CELL = 0.005  # ~550 m: the grid cameras are looked up in around an incident
HOTSPOTS = 200
ROLES = {"operator": 60, "investigator": 200, "auditor": 10, "admin": 3}


@dataclass(frozen=True)
class Camera:
    camera_id: str
    name: str
    district: str
    owner: str
    lat: float
    lon: float


def district_of(lat: float, lon: float) -> str:
    row = min(3, int((lat - LAT[0]) / (LAT[1] - LAT[0]) * 4))
    col = min(3, int((lon - LON[0]) / (LON[1] - LON[0]) * 4))
    return DISTRICTS[row * 4 + col]


def cameras(n: int, rng: random.Random) -> list[Camera]:
    out = []
    for i in range(1, n + 1):
        lat = round(rng.uniform(*LAT), 6)
        lon = round(rng.uniform(*LON), 6)
        owner = "private" if i % 5 == 0 else "public"
        out.append(Camera(f"SMG-{i:05d}", f"Camera {i}", district_of(lat, lon), owner, lat, lon))
    return out


def users() -> dict[str, list[str]]:
    return {role: [f"{role}-{i:03d}" for i in range(1, n + 1)] for role, n in ROLES.items()}


class Grid:
    """Cameras by grid cell, to find the ones around an incident without a scan."""

    def __init__(self, cams: list[Camera], rng: random.Random) -> None:
        self.cells: dict[tuple[int, int], list[Camera]] = {}
        for c in cams:
            self.cells.setdefault(self._cell(c.lat, c.lon), []).append(c)
        self.cams = cams
        self.hotspots = rng.sample(cams, min(HOTSPOTS, len(cams)))

    @staticmethod
    def _cell(lat: float, lon: float) -> tuple[int, int]:
        return int(lat / CELL), int(lon / CELL)

    def around(self, rng: random.Random, k: int) -> list[Camera]:
        """Up to k cameras around an incident (a hotspot two times in five)."""
        centre = rng.choice(self.hotspots) if rng.random() < 0.4 else rng.choice(self.cams)
        row, col = self._cell(centre.lat, centre.lon)
        near = [
            c
            for dr in (-1, 0, 1)
            for dc in (-1, 0, 1)
            for c in self.cells.get((row + dr, col + dc), [])
        ]
        near.sort(key=lambda c: (c.lat - centre.lat) ** 2 + (c.lon - centre.lon) ** 2)
        return near[:k]

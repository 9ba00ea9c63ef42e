"""`camera list --near`: exactly the cameras within the radius, nearest first, wherever the
point is (a city, the poles, across the ±180° meridian), on both event stores."""

from __future__ import annotations

import random

from archive.cameras import registry as cameras
from domain.base import Context
from domain.camera import Camera
from storage.readmodels.queries import distance_m
from tests.conftest import Archive
from tests.support.principals import HOST


def register(archive: Archive, points: list[tuple[float, float]]) -> None:
    batch = [
        Camera.register(
            f"C-{i:04d}", f"Camera {i}", "public", "Semarang", Context("dodi"), None, lat, lon
        )
        for i, (lat, lon) in enumerate(points)
    ]
    archive.svc.events.save(*batch)


def test_the_near_query_finds_exactly_the_cameras_within_the_radius(archive: Archive) -> None:
    rng = random.Random(5)
    city = [(rng.uniform(-7.02, -6.96), rng.uniform(110.39, 110.45)) for _ in range(400)]
    edges = [(-16.5, 179.999), (-16.5, -179.999), (89.9995, 20.0), (89.9995, -160.0)]
    register(archive, city + edges)
    everything = city + edges
    probes = [
        ((rng.uniform(-7.02, -6.96), rng.uniform(110.39, 110.45)), r) for r in (50, 300, 1500)
    ]
    probes += [((-16.5, 180.0), 500), ((-16.5, -179.9995), 500), ((90.0, 0.0), 200)]
    for point, radius in probes:
        found = cameras.list_cameras(archive.svc, HOST, near=point, radius_m=radius)
        expected = sorted(
            (f"C-{i:04d}" for i, p in enumerate(everything) if distance_m(point, p) <= radius)
        )
        assert sorted(c["camera_id"] for c in found) == expected, (point, radius)
        distances = [c["distance_m"] for c in found]
        assert distances == sorted(distances) and all(d <= radius for d in distances)
    assert len(cameras.list_cameras(archive.svc, HOST, near=(-16.5, 180.0), radius_m=500)) == 2
    assert len(cameras.list_cameras(archive.svc, HOST, near=(90.0, 0.0), radius_m=200)) == 2

"""camera_import_10k_s: `camera import` of a CSV of 10,000 cameras (every tenth with an NVR
source) into an empty registry on PostgreSQL, the whole use case in-process: parse, check
every row, record 11,000 events, project them. Also: the same on SQLite, and re-importing
the unchanged file (0 events), which is what a city's nightly sync from its asset system
costs.
"""

from __future__ import annotations

from pathlib import Path
from tempfile import TemporaryDirectory

from api.cli.common import host_context
from archive.accounts import users
from archive.bootstrap import bootstrap
from archive.cameras import bulk
from archive.settings import Settings
from bench.common import Result, Timer, scratch_database, scratch_settings
from domain.base import Context
from tests.support.recorders import city_csv


def measure(settings: Settings, data: bytes) -> tuple[float, float]:
    svc = bootstrap(settings, create_database=True)
    try:
        users.init_archive(svc, host_context(), "ana")
        ctx = Context("ana")
        with Timer() as first:
            done = bulk.import_cameras(svc, ctx, "city.csv", data)
        with Timer() as again:
            same = bulk.import_cameras(svc, ctx, "city.csv", data)
        if same["events"] != 0 or done["events"] == 0:
            raise RuntimeError(f"unexpected import results: {done} then {same}")
        return first.seconds, again.seconds
    finally:
        svc.close()


def run(quick: bool = False) -> list[Result]:
    count = 1_000 if quick else 10_000
    data = city_csv(count)
    with scratch_database() as dbname, TemporaryDirectory() as tmp:
        pg, pg_again = measure(scratch_settings(dbname, tmp), data)
    with TemporaryDirectory() as tmp:
        home = Path(tmp)
        lite = Settings(
            home=home,
            event_store=f"sqlite:///{home}/events.sqlite",
            object_store=f"file://{home}/objects",
            signing_key=home / "key",
        )
        sq, _ = measure(lite, data)
    label = f"{count} cameras"
    return [
        Result(
            "camera_import_10k_s", pg, "s", f"< 10 s ({label}; PostgreSQL)", lower_is_better=True
        ),
        Result(
            "camera_import_10k_sqlite_s", sq, "s", f"< 10 s ({label}; SQLite)", lower_is_better=True
        ),
        Result(
            "camera_reimport_10k_s",
            pg_again,
            "s",
            f"< 5 s ({label} unchanged, 0 events; PostgreSQL)",
            lower_is_better=True,
        ),
    ]

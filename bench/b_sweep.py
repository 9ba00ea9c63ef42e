"""sweep_clips_per_s: the retention sweep over due clips on PostgreSQL, next to a plain delete
loop of the same objects in the same run — on S3 (SeaweedFS, the contract's "plain SDK
delete loop": minio `remove_object` per version) and on the local file store (os.unlink).

The objects are deleted first by the plain loop, put back byte for byte, then swept. The
sweep also records two events per clip (intent, purge), checks holds, shared content and the
store's locks, and keeps the read models current. Safe deletion: an earlier, untimed sweep
has put the clips in a one-second recovery window (a third event, `DeletionScheduled`), so
the timed sweep is the one that deletes, as in production a window after the announcement.
"""

from __future__ import annotations

import io
import os
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from tempfile import TemporaryDirectory

from api.cli.common import host_context
from archive.accounts import users
from archive.bootstrap import bootstrap
from archive.services import Services
from bench.common import Result, Timer, scratch_database, scratch_settings
from domain.base import Context
from domain.clip import Clip
from retention import policies, sweep
from retention.batch import load
from storage.objects.files import META_SUFFIX
from storage.objects.s3 import S3ObjectStore
from tests.support import seed
from tests.support.seaweed import start_seaweed

HOST = host_context()  # the bench runs on the archive host

SIZE = 1024


def _file_delete(svc: Services, root: Path) -> Callable[[Clip], None]:
    def delete(c: Clip) -> None:
        path = root / c.storage["key"]
        os.unlink(path)
        os.unlink(path.with_name(path.name + META_SUFFIX))

    return delete


def _s3_delete(svc: Services) -> Callable[[Clip], None]:
    store = svc.objects
    assert isinstance(store, S3ObjectStore)

    def delete(c: Clip) -> None:
        store.client.remove_object(
            store.bucket, c.storage["key"], version_id=c.storage["version_id"]
        )

    return delete


def _measure(
    svc: Services, count: int, delete_of: Callable[[Services], Callable[[Clip], None]]
) -> tuple[float, float]:
    users.init_archive(svc, HOST, "ana")
    admin = Context("ana")
    policies.set_policy(
        svc, admin, retention_class="report", keep=timedelta(seconds=1), reason="bench"
    )
    ids = seed.clips(svc, count, size=SIZE)
    svc.settings = svc.settings.model_copy(update={"recovery_window": timedelta(seconds=1)})
    scheduled = sweep.run_sweep(svc, admin)["scheduled"]
    assert len(scheduled) == count, len(scheduled)
    window_ends = time.monotonic() + 1.1
    clips = [c for part in range(0, count, 500) for c in load(svc, Clip, ids[part : part + 500])]
    contents = []
    for c in clips:
        with svc.objects.open(c.storage["key"], c.storage.get("version_id")) as f:
            contents.append(f.read())
    delete = delete_of(svc)
    with Timer() as plain:
        for c in clips:
            delete(c)
    lock = clips[0].retain_until
    for body in contents:  # the same objects back, for the sweep
        svc.objects.put(io.BytesIO(body), retain_until=lock)
    time.sleep(max(0.0, window_ends - time.monotonic()))  # usually over by now
    with Timer() as swept:
        result = sweep.run_sweep(svc, admin)
    assert len(result["purged"]) == count and not result["errors"], result["errors"][:3]
    return count / swept.seconds, count / plain.seconds


def run(quick: bool = False) -> list[Result]:
    count = 1_000 if quick else 10_000
    results = []
    with scratch_database() as dbname, TemporaryDirectory() as tmp:
        server = start_seaweed(Path(tmp) / "seaweed")
        try:
            settings = scratch_settings(dbname, tmp).model_copy(
                update={"object_store": server.url("sweep-bench")}
            )
            svc = bootstrap(settings)
            try:
                svc.objects.initialise()
                value, baseline = _measure(svc, count, _s3_delete)
            finally:
                svc.close()
        finally:
            server.stop()
        results.append(
            Result(
                "sweep_clips_per_s",
                value,
                "clips/s",
                "informational (a city's ~2,500 clips a day take seconds to sweep): S3 "
                "(SeaweedFS), PostgreSQL; 2 events a clip (after its recovery window)",
                "plain_sdk_delete_loop_per_s",
                baseline,
            )
        )
    with scratch_database() as dbname, TemporaryDirectory() as tmp:
        svc = bootstrap(scratch_settings(dbname, tmp))
        try:
            value, baseline = _measure(svc, count, lambda s: _file_delete(s, Path(tmp) / "objects"))
        finally:
            svc.close()
        results.append(
            Result(
                "sweep_clips_per_s_file",
                value,
                "clips/s",
                "informational: file store, PostgreSQL",
                "plain_unlink_loop_per_s",
                baseline,
            )
        )
    return results

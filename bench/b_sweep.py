"""sweep_clips_per_s: the retention sweep over due clips (PostgreSQL event store, local file
store), next to a plain delete loop of the same objects in the same run.

The objects are deleted first by the plain loop (os.unlink of each object file and its lock
sidecar: what the store itself does underneath), put back byte for byte, then swept. The
sweep also records two events per clip (intent, purge), checks holds, shared content and
the store's locks, and keeps the read models current.
"""

from __future__ import annotations

import io
import os
from datetime import timedelta
from pathlib import Path
from tempfile import TemporaryDirectory

from archive import users
from archive.bootstrap import bootstrap
from bench.common import Result, Timer, scratch_database, scratch_settings
from domain.base import Context
from domain.clip import Clip
from retention import policies, sweep
from retention.batch import load
from storage.filestore import META_SUFFIX
from tests.support import seed

SIZE = 1024


def run(quick: bool = False) -> list[Result]:
    count = 1_000 if quick else 10_000
    with scratch_database() as dbname, TemporaryDirectory() as tmp:
        svc = bootstrap(scratch_settings(dbname, tmp))
        try:
            users.init_archive(svc, "ana")
            admin = Context("ana")
            policies.set_policy(
                svc, admin, retention_class="report", keep=timedelta(seconds=1), reason="bench"
            )
            ids = seed.clips(svc, count, size=SIZE)
            clips = [
                c for part in range(0, count, 500) for c in load(svc, Clip, ids[part : part + 500])
            ]
            root = Path(tmp) / "objects"
            contents = []
            for c in clips:
                with svc.objects.open(c.storage["key"]) as f:
                    contents.append(f.read())
            lock = svc.objects.stat(clips[0].storage["key"]).retain_until
            with Timer() as plain:
                for c in clips:
                    path = root / c.storage["key"]
                    os.unlink(path)
                    os.unlink(path.with_name(path.name + META_SUFFIX))
            assert lock is not None
            for body in contents:  # the same objects back, for the sweep
                svc.objects.put(io.BytesIO(body), retain_until=lock)
            with Timer() as swept:
                result = sweep.run_sweep(svc, admin)
            assert len(result["purged"]) == count and not result["errors"], result["errors"][:3]
        finally:
            svc.close()
    return [
        Result(
            "sweep_clips_per_s",
            count / swept.seconds,
            "clips/s",
            ">= 500 clips/s (file store, PostgreSQL; 2 events a clip)",
            "plain_delete_loop_per_s",
            count / plain.seconds,
        )
    ]

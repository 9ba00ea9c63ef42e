"""The HTTP API under load, next to the same reads in-process (PostgreSQL + local objects).

api_list_clips_rps / api_list_clips_p99_ms: `GET /api/clips` (a camera and a time window, one
page of 100) over 10,000 clips, by 4 client threads against `saksi serve` in a subprocess;
baseline: the same use case called in-process, one call at a time.
api_range_download_mb_per_s: a 100 MB clip read in 16 MiB ranges, as a player would;
baseline: plain_file_response_mb_per_s, the same bytes served by a plain Starlette
FileResponse over the same uvicorn (the HTTP stack's own speed), in the same run;
plain_file_response_mb_per_s itself is shown next to the in-process read.
"""

from __future__ import annotations

import os
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from tempfile import TemporaryDirectory

import httpx
import psycopg

from api.cli.common import host_context
from archive.accounts import users
from archive.bootstrap import bootstrap
from archive.cameras import registry as cameras
from archive.cases import cases
from archive.custody import content, retrieval
from archive.services import Services
from archive.settings import Settings
from bench.common import Result, Timer, scratch_database, serving
from domain.base import Context
from domain.clip import Clip

HOST = host_context()  # the bench runs on the archive host

PG_ADMIN = "host=127.0.0.1 port=5432 user=postgres connect_timeout=5"
MIB = 1024 * 1024
RANGE = 16 * MIB
RANGE_RUNS = 2
CLIENTS = 4
T0 = datetime(2026, 1, 1, tzinfo=UTC)


def _clip(
    camera_id: str, start: datetime, storage: dict[str, str | None], sha: str, size: int, actor: str
) -> Clip:
    return Clip.ingest(
        clip_id=uuid.uuid4(),
        camera_id=camera_id,
        start=start,
        end=start + timedelta(minutes=5),
        sha256=sha,
        size_bytes=size,
        media={"container": "mov,mp4", "codec": "h264", "width": 1920, "height": 1080},
        storage=storage,
        retention_class="report",
        retain_until=start + timedelta(days=90),
        source={"kind": "bench"},
        reason="bench",
        ctx=Context(actor, "cli"),
    )


def _populate(svc: Services, clips: int) -> None:
    """Clip events straight through the domain, saved in batches (no media needed)."""
    for i in range(4):
        cameras.register_camera(
            svc,
            Context("admin"),
            camera_id=f"BENCH-{i}",
            name="bench",
            owner="public",
            district="B",
        )
    batch: list[Clip] = []
    for i in range(clips):
        start = T0 + timedelta(minutes=5 * (i // 4))
        batch.append(
            _clip(f"BENCH-{i % 4}", start, {"store": "file", "key": "none"}, "0" * 64, 1, "inv")
        )
        if len(batch) == 500:
            svc.store.save(*batch)
            batch = []
    if batch:
        svc.store.save(*batch)
    svc.projector.catch_up()


def _big_clip(svc: Services, path: Path, mb: int) -> str:
    """A clip of `mb` random MiB; its bytes stay at `path` for the plain file server."""
    with open(path, "wb") as f:
        for _ in range(mb):
            f.write(os.urandom(MIB))
    with open(path, "rb") as f:
        stored = svc.objects.put(f, retain_until=T0 + timedelta(days=90))
    clip = _clip("BENCH-0", T0, stored.reference(), stored.sha256, stored.size_bytes, "inv")
    svc.events.save(clip)
    cases.open_case(svc, Context("inv"), case_id="B-1", kind="report", title="bench", members=[])
    cases.attach(svc, Context("inv"), case_id="B-1", clip_id=clip.clip_id, reason="bench")
    return clip.clip_id


@contextmanager
def _plain_file_server(path: Path, port: int) -> Iterator[str]:
    """bench/plain_files.py in a subprocess: the same bytes by a plain FileResponse."""
    with serving([sys.executable, "-m", "bench.plain_files", str(path), str(port)], port):
        yield f"http://127.0.0.1:{port}"


def _ranged_read_s(
    url: str,
    path: str,
    spans: list[tuple[int, int]],
    headers: dict[str, str] | None = None,
    **params: str,
) -> float:
    """Seconds to read every span with Range requests on one keep-alive connection."""
    with httpx.Client(base_url=url, headers=headers or {}, timeout=60) as client:
        client.get("/health")
        with Timer() as t:
            for first, last in spans:
                with client.stream(
                    "GET", path, params=params, headers={"Range": f"bytes={first}-{last}"}
                ) as r:
                    assert r.status_code == 206, r.status_code
                    for _chunk in r.iter_raw():
                        pass
    return t.seconds


@contextmanager
def _server(settings: Settings, port: int) -> Iterator[str]:
    env = {
        **os.environ,
        "SAKSI_HOME": str(settings.home),
        "SAKSI_EVENT_STORE": settings.event_store,
        "SAKSI_OBJECT_STORE": settings.object_store,
        "SAKSI_SIGNING_KEY": str(settings.signing_key),
        "SAKSI_HTTP_RATE_CONTENT": "1000000/1000000",
        "SAKSI_HTTP_RATE_WRITE": "1000000/1000000",
    }
    saksi = Path(sys.executable).with_name("saksi")
    debug = ["--debug"] if os.environ.get("SAKSI_BENCH_DEBUG") else []
    argv = [str(saksi), *debug, "serve", "--port", str(port)]
    try:
        with open(settings.home / "server.log", "wb") as log, serving(argv, port, env, log):
            yield f"http://127.0.0.1:{port}"
    finally:
        errors = [
            x for x in (settings.home / "server.log").read_text().splitlines() if '"error"' in x
        ]
        if errors:
            print("server errors:", *errors[:5], sep="\n  ", file=sys.stderr)


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _load(call: Callable[[httpx.Client], None], url: str, token: str, total: int) -> list[float]:
    """`total` calls spread over CLIENTS threads with keep-alive clients; latencies in s."""
    latencies: list[float] = []
    lock = threading.Lock()
    left = {"n": total}

    def worker() -> None:
        with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}) as client:
            call(client)  # warm the connection
            while True:
                with lock:
                    if left["n"] <= 0:
                        return
                    left["n"] -= 1
                t = time.perf_counter()
                call(client)
                with lock:
                    latencies.append(time.perf_counter() - t)

    threads = [threading.Thread(target=worker) for _ in range(CLIENTS)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    return latencies


def _p99(latencies: list[float]) -> float:
    ordered = sorted(latencies)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000


def run(quick: bool = False) -> list[Result]:
    n_clips, n_requests, clip_mb = (1_000, 300, 10) if quick else (10_000, 3_000, 100)
    with scratch_database() as dbname, TemporaryDirectory() as tmp:
        home = Path(tmp)
        settings = Settings(
            home=home,
            event_store=f"postgresql://postgres@127.0.0.1:5432/{dbname}",
            object_store=f"file://{home}/objects",
            signing_key=home / "key",
        )
        svc = bootstrap(settings)
        try:
            users.init_archive(svc, HOST, "admin")
            token = str(users.add_user(svc, Context("admin"), "inv", "investigator")["token"])
            _populate(svc, n_clips)
            big_file = home / "big.bin"
            big = _big_clip(svc, big_file, clip_mb)
            with psycopg.connect(f"{PG_ADMIN} dbname={dbname}", autocommit=True) as conn:
                conn.execute("VACUUM ANALYZE")  # as autovacuum would soon; no noise from it after
            ctx = Context("inv", "http", "127.0.0.1")
            since, until = T0 + timedelta(hours=10), T0 + timedelta(hours=18)  # ~100 clips
            query = {"camera": "BENCH-1", "since": since.isoformat(), "until": until.isoformat()}

            def in_process() -> None:
                rows = retrieval.list_clips(
                    svc,
                    ctx,
                    camera_id="BENCH-1",
                    since=since,
                    until=until,
                    limit=101,
                )
                assert len(rows) > 0

            for _ in range(20):  # warm up: connections, caches, the planner's statistics
                in_process()
            base = []
            for _ in range(n_requests // 3):
                t = time.perf_counter()
                in_process()
                base.append(time.perf_counter() - t)
            base_rps = len(base) / sum(base)

            size = clip_mb * MIB
            spans = [(a, min(a + RANGE, size) - 1) for a in range(0, size, RANGE)]
            with Timer() as t_local:
                for first, last in spans:
                    got = content.read_content(
                        svc,
                        ctx,
                        clip_id=big,
                        reason="bench",
                        ranges=[content.ByteRange(first, last)],
                    )
                    for _chunk in got.chunks:
                        pass

            with _server(settings, _free_port()) as url:

                def list_call(client: httpx.Client) -> None:
                    r = client.get("/api/clips", params=query)
                    assert r.status_code == 200 and r.json()["clips"], r.text

                started = time.perf_counter()
                lat = _load(list_call, url, token, n_requests)
                rps = len(lat) / (time.perf_counter() - started)

                # The same ranges from Saksi and from a plain FileResponse of the same bytes
                # on the same HTTP stack, interleaved (the machine is shared): best of each.
                auth = {"Authorization": f"Bearer {token}"}
                content_path = f"/api/clips/{big}/content"
                with _plain_file_server(big_file, _free_port()) as plain_url:
                    http_s, plain_s = [], []
                    for _ in range(RANGE_RUNS):
                        plain_s.append(_ranged_read_s(plain_url, "/file", spans))
                        http_s.append(
                            _ranged_read_s(url, content_path, spans, auth, reason="bench")
                        )
        finally:
            svc.close()
    mb = size / 1e6
    return [
        Result(
            "api_list_clips_rps",
            rps,
            "requests/s",
            f"{CLIENTS} clients, {n_clips} clips, pages of 100",
            "in_process_list_clips_per_s",
            base_rps,
        ),
        Result(
            "api_list_clips_p99_ms",
            _p99(lat),
            "ms",
            f"p99 under {CLIENTS} concurrent clients",
            "in_process_list_clips_p99_ms",
            _p99(base),
            lower_is_better=True,
        ),
        Result(
            "api_range_download_mb_per_s",
            mb / min(http_s),
            "MB/s",
            f">= 0.8 of baseline ({clip_mb} MiB clip in 16 MiB ranges)",
            "plain_file_response_mb_per_s",
            mb / min(plain_s),
        ),
        Result(
            "plain_file_response_mb_per_s",
            mb / min(plain_s),
            "MB/s",
            "informational: a Starlette FileResponse of the same bytes over the same uvicorn",
            "in_process_range_read_mb_per_s",
            mb / t_local.seconds,
        ),
    ]

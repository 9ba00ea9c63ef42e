"""`make bench CITY=1`: builds a year of Semarang in steps and measures it at each size.

1. the first part of the year (~1/3 of the events) is written in bulk and sealed; `audit
   verify` runs on it (it must be ok), then the read models are rebuilt by the real use case
   next to a COPY of the same rows into a plain table;
2. the rest of the year is written, sealed and projected; `audit verify` runs again (the
   per-event cost is compared with step 1's), then the searches, a CLI command, `saksi serve`
   start-up and the server's memory are measured at the full size.
The database (saksi_city_*) is dropped at the end.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from tempfile import TemporaryDirectory

import psycopg

from api.cli.common import host_context
from archive.audit import replay
from archive.audit import verify as audit
from archive.bootstrap import bootstrap
from archive.services import Services
from bench.city import load as bulk
from bench.city import searches
from bench.city.generate import DAYS, CityLog, token
from bench.common import PG_ADMIN, Result, scratch_settings, serving
from ledger.keys import create_key

HOST = host_context()
CLIENTS = 16
PLANS = Path(__file__).parent / "plans.txt"


def _verify_s(svc: Services, n: int, runs: int = 2) -> float:
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        result = audit.verify(svc, HOST)
        best = min(best, time.perf_counter() - start)
        if not result["ok"] or result["events"] != n:
            raise RuntimeError(f"the city does not verify: {result['problems'][:3]}")
    return best


def _copy_baseline_s(conninfo: str, table: str) -> float:
    """The same rows COPYed out of the event store and into a plain table (no index)."""
    with psycopg.connect(conninfo) as src, psycopg.connect(conninfo) as dst:
        dst.execute(
            "CREATE TEMP TABLE plain (notification_id BIGINT, originator_id UUID, "
            "originator_version BIGINT, topic TEXT, state BYTEA)"
        )
        start = time.perf_counter()
        with (
            src.cursor().copy(
                f"COPY {table} (notification_id, originator_id, originator_version, topic, "
                "state) TO STDOUT"
            ) as out,
            dst.cursor().copy("COPY plain FROM STDIN") as into,
        ):
            for chunk in out:
                into.write(chunk)
        dst.commit()
        return time.perf_counter() - start


def _env(svc: Services) -> dict[str, str]:
    s = svc.settings
    return {
        **os.environ,
        "SAKSI_HOME": str(s.home),
        "SAKSI_EVENT_STORE": s.event_store,
        "SAKSI_OBJECT_STORE": s.object_store,
        "SAKSI_SIGNING_KEY": str(s.signing_key),
        "SAKSI_HTTP_RATE_READ": "1000000/1000000",
    }


def _saksi() -> str:
    return str(Path(sys.executable).with_name("saksi"))


def _cli_s(svc: Services, *args: str, runs: int = 3) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([_saksi(), *args], env=_env(svc), check=True, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return sorted(times)[len(times) // 2]


def _rss_mb(pid: int) -> float:
    """Resident memory of the server and any children it started."""
    pids = [pid]
    kids = Path(f"/proc/{pid}/task/{pid}/children")
    if kids.exists():
        pids += [int(p) for p in kids.read_text().split()]
    total = 0
    for p in pids:
        for line in Path(f"/proc/{p}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1])
    return total / 1024


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _serve(svc: Services, measure: Callable[[str, int], None]) -> float:
    """Start `saksi serve`, time until /health answers, run `measure(url, pid)`, stop it."""
    port = _free_port()
    argv = [_saksi(), "serve", "--no-scheduler", "--port", str(port)]
    with open(svc.settings.home / "server.log", "wb") as log:
        start = time.perf_counter()
        with serving(argv, port, _env(svc), log) as proc:
            started = time.perf_counter() - start
            measure(f"http://127.0.0.1:{port}", proc.pid)
    return started


def _analyze(svc: Services) -> None:
    """Planner statistics for the freshly built read models (autovacuum would soon do it)."""
    with psycopg.connect(svc.db.url.conninfo(), autocommit=True) as conn:  # type: ignore[attr-defined]
        conn.execute("ANALYZE")


def _starts(svc: Services, log: CityLog) -> tuple[float, float]:
    """(worst of the two CLI commands, `saksi serve` start-up), in seconds."""
    case = log.case_ids[len(log.case_ids) // 2]
    show_s = _cli_s(svc, "clip", "show", str(log.sample_clip), "--json")
    list_s = _cli_s(svc, "clip", "list", "--case", case, "--json")
    return max(show_s, list_s), _serve(svc, lambda _url, _pid: None)


def _search_results(
    svc: Services, log: CityLog, per_kind: int, small: tuple[int, float, float]
) -> list[Result]:
    conninfo = svc.db.url.conninfo()  # type: ignore[attr-defined]
    with psycopg.connect(conninfo) as conn:
        row = conn.execute("SELECT longest_s FROM rm_clip_span").fetchone()
    draw = searches.Draw(log, float(row[0]) if row else 0.0)
    got: dict[str, object] = {}

    def measure(url: str, pid: int) -> None:
        user = log.users["investigator"][0]
        got["api"] = searches.load(CLIENTS, per_kind, searches.api_caller(url, token(user), draw))
        got["rss"] = _rss_mb(pid)

    serve_s = _serve(svc, measure)
    sql = searches.load(CLIENTS, per_kind, searches.sql_caller(conninfo, draw))
    api: dict[str, list[float]] = got["api"]  # type: ignore[assignment]
    plans = searches.explain(conninfo, draw)
    PLANS.write_text("".join(f"== {kind} {plan}\n\n" for kind, plan in plans.items()))
    results = []
    for kind in searches.KINDS:
        results.append(
            Result(
                f"city_search_{kind}_p99_ms",
                searches.pct(api[kind], 0.99),
                "ms",
                f"p99 of {CLIENTS} clients; p50 {searches.median_ms(api[kind]):.1f} ms "
                f"(SQL p50 {searches.median_ms(sql[kind]):.1f} ms)",
                f"city_sql_{kind}_p99_ms",
                searches.pct(sql[kind], 0.99),
                lower_is_better=True,
            )
        )
    worst = max(searches.KINDS, key=lambda k: searches.pct(api[k], 0.99))
    results.insert(
        0,
        Result(
            "city_search_p99_ms",
            searches.pct(api[worst], 0.99),
            "ms",
            f"< 50 ms (worst of the four searches: {worst}, {CLIENTS} clients)",
            f"city_sql_{worst}_p99_ms",
            searches.pct(sql[worst], 0.99),
            lower_is_better=True,
        ),
    )
    n_small, cli_small, serve_small = small
    cli_s, _ = _starts(svc, log)
    version_s = _cli_s(svc, "--version")
    results += [
        Result(
            "city_cli_command_s",
            cli_s,
            "s",
            f"< 1 s (worst of `clip show` and `clip list --case`; `saksi --version` took "
            f"{version_s:.2f} s in the same run); baseline: the same at {n_small:,} events",
            "city_cli_command_s_smaller_archive",
            cli_small,
            lower_is_better=True,
        ),
        Result(
            "city_serve_start_s",
            serve_s,
            "s",
            f"< 5 s, whatever the size; baseline: the same at {n_small:,} events",
            "city_serve_start_s_smaller_archive",
            serve_small,
            lower_is_better=True,
        ),
        Result(
            "city_server_rss_mb",
            float(got["rss"]),  # type: ignore[arg-type]
            "MB",
            "< 300 MB after the search load",
            lower_is_better=True,
        ),
    ]
    return results


def run(quick: bool = False, events: int | None = None) -> list[Result]:
    target = events or (300_000 if quick else 3_000_000)
    first_days = DAYS // 3
    name = f"saksi_city_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        with TemporaryDirectory() as tmp:
            settings = scratch_settings(name, tmp)
            create_key(settings.signing_key)
            svc = bootstrap(settings)
            try:
                return _measure(svc, target, first_days)
            finally:
                svc.close()
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _say(text: str) -> None:
    print(f"   city: {text}", file=sys.stderr, flush=True)


def _measure(svc: Services, target: int, first_days: int) -> list[Result]:
    log = CityLog(svc.store.mapper, target)
    days = log.events()
    state = bulk.load(svc, days, first_days)
    small = state.events
    _say(f"{small} events in {state.copy_s:.0f} s + sealed in {state.seal_s:.0f} s")
    verify_small = _verify_s(svc, small)
    _say(f"verified {small} in {verify_small:.1f} s")
    start = time.perf_counter()
    rebuilt = replay.rebuild_read_models(svc, HOST)
    rebuild_s = time.perf_counter() - start
    copy_s = _copy_baseline_s(svc.db.url.conninfo(), svc.db.events_table)  # type: ignore[attr-defined]
    _say(f"rebuilt {rebuilt} in {rebuild_s:.0f} s (COPY {copy_s:.1f} s)")
    _analyze(svc)
    small_starts = _starts(svc, log)
    _say(f"CLI command {small_starts[0]:.2f} s, serve start {small_starts[1]:.2f} s")
    state = bulk.load(svc, days, DAYS, state)
    large = state.events
    _say(f"{large} events, {state.checkpoints} checkpoints, {log.clips} clips")
    start = time.perf_counter()
    svc.projector.catch_up()
    _say(f"projected the rest in {time.perf_counter() - start:.0f} s")
    verify_large = _verify_s(svc, large)
    _say(f"verified {large} in {verify_large:.1f} s")
    growth = (verify_large / large) / (verify_small / small)
    results = [
        Result(
            "city_events", large, "events", f"the archive's size ({state.checkpoints} checkpoints)"
        ),
        Result("city_clips", log.clips, "clips", f"{log.cases} cases, {len(log.cams)} cameras"),
        _per_size(small, verify_small),
        _per_size(large, verify_large),
        Result(
            "city_verify_cost_growth",
            growth,
            "ratio",
            f"<= 1.1: per-event cost at {large} events / at {small}",
            lower_is_better=True,
        ),
        Result(
            "city_rebuild_events_per_s",
            rebuilt / rebuild_s,
            "events/s",
            f"informational: `audit replay --rebuild` at {rebuilt} events",
            "city_copy_events_per_s",
            rebuilt / copy_s,
        ),
    ]
    _analyze(svc)
    results += _search_results(svc, log, 100 if target < 1_000_000 else 250, (small, *small_starts))
    return results


def _per_size(n: int, seconds: float) -> Result:
    """`city_verify_events_per_s`, once per size (the size in its target text)."""
    return Result("city_verify_events_per_s", n / seconds, "events/s", f"at {n:,} events")

"""package_verify_mb_per_s: `saksi verify` of a 1 GiB evidence package (4 recordings of
256 MiB of 1080p H.264 in one case; quick: ~100 MiB in 2), next to `openssl dgst -sha256` of
the same package file in the same run: the hashing limit of one core (coreutils `sha256sum`
does not use the CPU's SHA instructions, so it is no fair baseline). Both read the file from
the page cache, in alternating rounds after a warm-up; the median of each is reported.
Target: >= 0.9 of the baseline.

package_export_mb_per_s: the export that made the package (record, seal, stream the originals
out of the file store into the zip, verified on the way), for reference.
"""

from __future__ import annotations

import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from archive.cases import cases
from archive.export import export
from archive.ingest import ingest
from archive.sealing import seal as sealing
from bench.b_ingest_s3 import GIB, MB, _archive, _recordings, _segment
from bench.common import Result, Timer
from domain.base import Context
from ledger.package.verify import verify_package


def run(quick: bool = False) -> list[Result]:
    with tempfile.TemporaryDirectory(prefix="saksi-bench-") as tmp:
        work = Path(tmp)
        base = _segment(work / "segment.mp4", seconds=10 if quick else 30)
        files = _recordings(work / "rec", base, GIB // 10 if quick else GIB, 2 if quick else 4)
        base.unlink()
        svc = _archive(f"file://{work}/objects", work / "home")
        try:
            cases.open_case(
                svc, Context("budi"), case_id="R-BENCH", kind="report", title="bench", members=[]
            )
            for f in files:
                ingest.ingest(
                    svc,
                    Context("budi"),
                    camera_id="SMG-SS-0001",
                    source=str(f),
                    reason="bench",
                    case_id="R-BENCH",
                )
                f.unlink()  # keep the disk footprint to the store and the package
            package = work / "package.zip"
            with Timer() as exporting:
                export.export_to_file(
                    svc,
                    Context("budi"),
                    out=package,
                    reason="bench",
                    recipient="bench",
                    case_id="R-BENCH",
                )
            key = sealing.key_string(svc)
        finally:
            svc.close()
        size = package.stat().st_size
        verify_s, openssl_s = _alternate(package, key, rounds=3 if quick else 5)
    return [
        Result(
            "package_verify_mb_per_s",
            size / MB / verify_s,
            "MB/s",
            ">= 0.9 of baseline",
            "openssl_dgst_sha256_mb_per_s",
            size / MB / openssl_s,
        ),
        Result(
            "package_export_mb_per_s",
            size / MB / exporting.seconds,
            "MB/s",
            "reference (file store, SQLite; record, seal, stream and verify the originals)",
        ),
    ]


def _alternate(package: Path, key: str, rounds: int) -> tuple[float, float]:
    _openssl(package)  # warm-up: the page cache holds the package from here on
    verifying, hashing = [], []
    for _ in range(rounds):
        start = time.perf_counter()
        report = verify_package(package, key)
        verifying.append(time.perf_counter() - start)
        assert report.ok, report.problems
        hashing.append(_openssl(package))
    return statistics.median(verifying), statistics.median(hashing)


def _openssl(path: Path) -> float:
    start = time.perf_counter()
    subprocess.run(["openssl", "dgst", "-sha256", str(path)], check=True, capture_output=True)
    return time.perf_counter() - start

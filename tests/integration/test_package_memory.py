"""Export and verify stream the footage: their memory does not grow with the clip."""

from __future__ import annotations

import subprocess
import tracemalloc
from pathlib import Path

import pytest

from archive.export import export
from archive.sealing import seal as sealing
from domain.base import Context
from ledger.package.verify import verify_package
from tests.conftest import Archive
from tests.support import flows


def noisy_clip(path: Path) -> Path:
    """About 40 MB of H.264 that does not compress (lossless noise)."""
    subprocess.run(
        ["ffmpeg", "-hide_banner", "-nostdin", "-v", "error", "-y", "-f", "lavfi",
         "-i", "testsrc2=size=640x480:rate=25,noise=alls=40:allf=t", "-t", "3",
         "-c:v", "libx264", "-preset", "ultrafast", "-qp", "0", "-g", "25", "-pix_fmt", "yuv420p",
         "-movflags", "+faststart", "-metadata", "creation_time=2026-11-01T10:00:00Z", str(path)],
        check=True,
    )  # fmt: skip
    return path


@pytest.mark.parametrize("store_kind", ["sqlite"])
def test_export_and_verify_hold_a_few_chunks_not_the_clip(
    archive: Archive, tmp_path: Path, store_kind: str
) -> None:
    clip = flows.clip_in_case(archive.svc, noisy_clip(tmp_path / "big.mp4"))
    assert clip["size_bytes"] > 30_000_000
    out = tmp_path / "package.zip"
    tracemalloc.start()
    try:
        export.export_to_file(
            archive.svc,
            Context("budi"),
            out=out,
            reason="r",
            recipient="court",
            case_id="R-2026-0001",
        )
        _, exporting = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        report = verify_package(out, sealing.key_string(archive.svc))
        _, verifying = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert report.ok, report.problems
    assert exporting < clip["size_bytes"] / 4, exporting
    assert verifying < clip["size_bytes"] / 4, verifying

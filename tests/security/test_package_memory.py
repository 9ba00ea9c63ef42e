"""Finding 15 of issue 18: a small hostile zip cannot make the package verifier exhaust
memory. Files the checks only hash are streamed; the few the checks read are held within a
limit per kind and one budget in all.

The hostile package is a real one (tests/assets/legacy_v1/package.zip) with ten members of
48 MiB of zeros added and listed in its manifest: half a megabyte of zip. The one-file
verifier runs on it in a process of its own, which reports its peak resident memory.
"""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

from ledger.package.standalone import script_source
from ledger.package.verify import MAX_NOTE, verify_package

PACKAGE = Path(__file__).resolve().parents[1] / "assets" / "legacy_v1" / "package.zip"
PADDING = 48 * 1024 * 1024
# The peak resident memory of this process alone: VmHWM starts afresh at exec (ru_maxrss
# would carry the forking test process's peak over).
MEASURE = """
import runpy, sys
sys.argv = ["verify_package.py", sys.argv[1], "--json"]
try:
    runpy.run_path(sys.argv[0], run_name="__main__")
except SystemExit:
    pass
status = open("/proc/self/status").read().split("VmHWM:")[1]
print(int(status.split()[0]) // 1024, file=sys.stderr)
"""


def rewritten(out: Path, extra: dict[str, int], replace: dict[str, int] | None = None) -> Path:
    """The package with `extra` members of zeros added (name -> size) and listed in its
    manifest, and `replace` members swapped for zeros of that size."""
    replace = replace or {}
    with zipfile.ZipFile(PACKAGE) as src, zipfile.ZipFile(out, "w") as dst:
        manifest = json.loads(src.read("manifest.json"))
        for info in src.infolist():
            if info.filename == "manifest.json" or info.filename in replace:
                continue
            dst.writestr(info, src.read(info))
        for name, size in {**extra, **replace}.items():
            member = zipfile.ZipInfo(name)
            member.compress_type = zipfile.ZIP_DEFLATED
            with dst.open(member, "w", force_zip64=True) as f:
                zero = bytes(1024 * 1024)
                for _ in range(size // len(zero)):
                    f.write(zero)
                f.write(bytes(size % len(zero)))
        manifest["files"] += [
            {"path": name, "sha256": "0" * 64, "size_bytes": size} for name, size in extra.items()
        ]
        dst.writestr("manifest.json", json.dumps(manifest))
    return out


def test_a_half_megabyte_zip_of_listed_padding_keeps_the_verifier_small(tmp_path: Path) -> None:
    hostile = rewritten(tmp_path / "hostile.zip", {f"pad/{i}.bin": PADDING for i in range(10)})
    assert hostile.stat().st_size < 2 * 1024 * 1024
    script = tmp_path / "verify_package.py"
    script.write_text(script_source())
    done = subprocess.run(
        [sys.executable, "-c", MEASURE, str(hostile)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    peak_mib = int(done.stderr.strip().splitlines()[-1])
    report = json.loads(done.stdout)
    assert not report["ok"]
    hashed = [p for p in report["problems"] if p["detail"].startswith("pad/")]
    assert len(hashed) == 10 and all(p["kind"] == "file_hash" for p in hashed), hashed
    # Ten members of 48 MiB were all read and hashed; none was held (the old verifier held
    # all of them: over 480 MiB).
    assert peak_mib < 100, peak_mib


def test_a_file_the_checks_read_is_refused_past_its_kinds_limit(tmp_path: Path) -> None:
    hostile = rewritten(tmp_path / "big-note.zip", {}, {"checkpoint.note": MAX_NOTE + 1})
    report = verify_package(hostile)
    assert any(
        p.kind == "too_large" and p.detail.startswith("checkpoint.note") for p in report.problems
    ), report.problems

"""The chain of custody end to end through the command line: a 112 report, footage pulled
from the cameras around it, retrieved, refused to outsiders, exported and verified offline.
Run on SQLite with the file store and on PostgreSQL with S3."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from archive.ingest import media
from ledger.checkpoint import verifier_key
from tests.support import footage as fx
from tests.support.packages import MUTATIONS

T0 = datetime(2026, 11, 1, 10, 0, tzinfo=UTC)
REPORT = (-6.9903, 110.4229)  # Simpang Lima
AT = f"{REPORT[0]},{REPORT[1]}"
CAMERAS = {  # id: (lat, lon) - FAR is some 6 km away
    "CAM-A": (-6.9903, 110.4229),
    "CAM-B": (-6.9905, 110.4232),
    "CAM-C": (-6.9900, 110.4225),
    "CAM-D": (-6.9910, 110.4229),
    "CAM-E": (-6.9899, 110.4236),
    "FAR": (-7.0450, 110.4100),
}


@pytest.fixture(scope="module")
def nvr(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """What the cameras' recorders hold, one folder per camera id."""
    root = tmp_path_factory.mktemp("nvr")
    # CAM-A: an NVR's MPEG-TS segments, 10:00:00-10:00:12
    fx.nvr_segments(root / "CAM-A", T0, count=3, seconds=4, pattern="CAMA_%Y%m%dT%H%M%SZ")
    # CAM-B: one recording file dated by its metadata, 10:00:05-10:00:11
    (root / "CAM-B").mkdir()
    media.make_test_clip(
        root / "CAM-B" / "rec.mp4", seconds=6, creation_time=T0 + timedelta(seconds=5)
    )
    # CAM-C: recordings, but an hour before the report
    (root / "CAM-C").mkdir()
    media.make_test_clip(
        root / "CAM-C" / "early.mp4", seconds=3, creation_time=T0 - timedelta(hours=1)
    )
    # CAM-D: no folder at all. CAM-E: a damaged recording.
    (root / "CAM-E").mkdir()
    good = media.make_test_clip(root / "whole.mp4", seconds=6, creation_time=T0)
    fx.truncated(good, root / "CAM-E" / "20261101T100000Z.mp4")
    # FAR: footage, but outside the radius
    fx.nvr_segments(root / "FAR", T0, count=2, seconds=6, pattern="FAR_%Y%m%dT%H%M%SZ")
    return root


def ok(result: Any) -> Any:
    assert result.code == 0, (result.code, result.out, result.err)
    return result.json() if result.out.lstrip().startswith(("{", "[")) else result.out


def refused(result: Any) -> None:
    assert result.code == 2, (result.code, result.out, result.err)
    assert result.err.startswith("error: refused"), result.err


@pytest.mark.parametrize(("store_kind", "object_kind"), [("sqlite", "file"), ("postgres", "s3")])
def test_a_report_is_pulled_retrieved_exported_and_verified(  # type: ignore[no-untyped-def]
    cli, people: None, nvr: Path, tmp_path: Path, store_kind: str, object_kind: str
) -> None:
    ok(cli("user", "add", "eko", "--role", "investigator", "--actor", "ana"))
    for camera_id, (lat, lon) in CAMERAS.items():
        ok(
            cli(
                "camera", "add", camera_id, "--name", f"Camera {camera_id}", "--owner", "public",
                "--district", "Semarang Tengah", "--lat", str(lat), "--lon", str(lon),
                "--actor", "dodi",
            )
        )  # fmt: skip
    # The 112 operator opens the report and brings in the investigator.
    ok(cli("case", "open", "R-2026-0112", "--kind", "report", "--title", "112: street fight",
           "--actor", "dodi", "--member", "budi"))  # fmt: skip
    near = ok(cli("camera", "list", "--near", AT, "--radius-m", "300", "--json"))
    assert sorted(c["camera_id"] for c in near["cameras"]) == [
        "CAM-A",
        "CAM-B",
        "CAM-C",
        "CAM-D",
        "CAM-E",
    ]

    # Pull 10:00:02-10:00:09 from every camera within 300 m.
    pulled = ok(
        cli(
            "case", "pull", "R-2026-0112", "--near", AT, "--radius-m", "300",
            "--start", (T0 + timedelta(seconds=2)).isoformat(),
            "--end", (T0 + timedelta(seconds=9)).isoformat(),
            "--source-root", str(nvr), "--actor", "dodi", "--reason", "112 call 0112: a fight",
            "--json",
        )
    )  # fmt: skip
    assert pulled["cameras"] == 5
    got = {c["camera_id"]: c for c in pulled["ingested"]}
    assert sorted(got) == ["CAM-A", "CAM-B"]
    assert got["CAM-A"]["start"] <= (T0 + timedelta(seconds=2)).isoformat()
    assert got["CAM-B"]["start"] == (T0 + timedelta(seconds=5)).isoformat()  # all it kept
    without = {c["camera_id"]: c["reason"] for c in pulled["without_footage"]}
    assert sorted(without) == ["CAM-C", "CAM-D"]
    assert "no recording in the requested range" in without["CAM-C"]
    assert "no folder" in without["CAM-D"]
    [failed] = pulled["failed"]
    assert failed["camera_id"] == "CAM-E" and "damaged or truncated" in failed["error"]
    case = ok(cli("case", "show", "R-2026-0112", "--json"))
    assert sorted(case["clip_ids"]) == sorted(c["clip_id"] for c in got.values())

    # A member retrieves a clip: verified, recorded.
    clip_id = got["CAM-A"]["clip_id"]
    copy = tmp_path / "copy.ts"
    ok(cli("clip", "get", clip_id, "--out", str(copy), "--actor", "budi", "--reason", "review"))
    assert hashlib.sha256(copy.read_bytes()).hexdigest() == got["CAM-A"]["sha256"]

    # Outsiders are refused content and export; each refusal is recorded.
    for who in ("eko", "sari"):
        refused(cli("clip", "get", clip_id, "--out", str(tmp_path / "x"), "--actor", who,
                    "--reason", "curious"))  # fmt: skip
        refused(cli("export", "--case", "R-2026-0112", "--out", str(tmp_path / f"{who}.zip"),
                    "--actor", who, "--reason", "curious", "--recipient", "nobody"))  # fmt: skip
        assert not (tmp_path / f"{who}.zip").exists()

    # The investigator exports the case for the prosecutor.
    package = tmp_path / "R-2026-0112.zip"
    exported = ok(
        cli("export", "--case", "R-2026-0112", "--out", str(package), "--actor", "budi",
            "--reason", "hand-over for prosecution", "--recipient", "Kejaksaan Negeri Semarang",
            "--json")
    )  # fmt: skip
    assert exported["clips"] == 2 and exported["case_id"] == "R-2026-0112"
    assert exported["sha256"] == hashlib.sha256(package.read_bytes()).hexdigest()
    key = ok(cli("audit", "key")).strip()
    verified = ok(cli("verify", str(package), "--key", key, "--json"))
    assert verified["ok"] is True and verified["key_checked"] is True
    assert verified["clips"] == 2 and verified["events"] == exported["events"]
    assert verified["export_id"] == exported["export_id"]

    # The clip's trail: the download, every refusal, the export - in order, chained.
    trail = ok(cli("audit", "trail", clip_id, "--json", "--html", str(tmp_path / "trail.html")))
    assert trail["chain_intact"] is True
    kinds = [e["type"] for e in trail["events"]]
    assert kinds[0] == "ClipIngested" and kinds[-1] == "ClipExported"
    denied = [
        (e["actor"], e["details"]["action"]) for e in trail["events"] if e["type"] == "AccessDenied"
    ]
    assert denied == [
        ("eko", "clip.get"),  # an investigator, but not a member of the case
        ("eko", "export"),
        ("sari", "content.read"),  # auditors see the log, not footage
        ("sari", "content.read"),
    ]
    downloaded = next(e for e in trail["events"] if e["type"] == "ClipDownloaded")
    assert (downloaded["actor"], downloaded["reason"], downloaded["channel"]) == (
        "budi",
        "review",
        "cli",
    )
    html = (tmp_path / "trail.html").read_text()
    assert html.count('class="refused"') == 4 and got["CAM-A"]["sha256"] in html
    assert ok(cli("audit", "verify", "--json"))["ok"] is True

    # And every alteration of the package makes `verify` fail, naming what is wrong.
    foreign = verifier_key("saksi.local/archive", Ed25519PrivateKey.generate().public_key())
    for i, mutation in enumerate(MUTATIONS):
        altered = mutation.make(package, tmp_path / f"altered-{i}.zip")
        result = cli("verify", str(altered), "--key", foreign if mutation.foreign_key else key,
                     "--json")  # fmt: skip
        assert result.code == 1, (mutation.name, result.out, result.err)
        named = {p["kind"] for p in json.loads(result.out)["problems"]}
        assert named >= mutation.kinds, (mutation.name, named)

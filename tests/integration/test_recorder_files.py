"""Recorder export files are evidence as they are: a Dahua .dav and a Hikvision MPEG-PS export
are archived byte for byte with a playable H.264 MP4 working copy, which travels in evidence
packages marked as a derivative; a still photograph is refused as not a video."""

from __future__ import annotations

import hashlib
import json
import subprocess
import zipfile
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from archive.errors import MediaError
from archive.export import export
from archive.ingest import ingest
from domain.base import Context
from ledger.package.verify import verify_package
from storage.readmodels import queries
from tests.conftest import Archive
from tests.support import flows
from tests.support.vendor_files import dahua_dav, hikvision_ps

BUDI = Context("budi")
T0 = datetime(2026, 11, 1, 10, 0, tzinfo=UTC)


def playable(path: Path) -> int:
    """Frames of an H.264 MP4 that decodes without one error."""
    probe = subprocess.run(
        ["ffprobe", "-v", "error", "-count_frames", "-show_entries",
         "format=format_name:stream=codec_name,nb_read_frames", "-of", "json", str(path)],
        capture_output=True, check=True,
    ).stdout  # fmt: skip
    doc = json.loads(probe)
    assert "mp4" in doc["format"]["format_name"] and doc["streams"][0]["codec_name"] == "h264"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-xerror", "-i", str(path), "-f", "null", "-"], check=True
    )
    return int(doc["streams"][0]["nb_read_frames"])


def test_dav_and_hikvision_exports_are_kept_as_they_are_with_a_playable_working_copy(
    archive: Archive, object_kind: str, tmp_path: Path
) -> None:
    flows.camera(archive.svc)
    flows.case(archive.svc, "R-1")
    # The .dav's frames carry the recorder's own time: 17:00 at +07:00 is 10:00 UTC.
    dav = dahua_dav(
        tmp_path / "ch01_20261101170000.dav", T0.replace(tzinfo=None) + timedelta(hours=7)
    )
    hik = hikvision_ps(tmp_path / "hik_export.mp4")  # named .mp4, an MPEG program stream inside
    clips = []
    for source, start in ((dav, None), (hik, T0)):
        clip = ingest.ingest(
            archive.svc, BUDI, camera_id="SMG-SS-0001", source=str(source), reason="112 report",
            case_id="R-1", source_start=start, source_tz=timezone(timedelta(hours=7)),
        )  # fmt: skip
        assert clip["sha256"] == hashlib.sha256(source.read_bytes()).hexdigest()
        kept = archive.svc.objects.open(clip["storage"]["key"], clip["storage"]["version_id"])
        with kept as f:
            assert f.read() == source.read_bytes()  # byte for byte
        [proxy] = [d for d in clip["derivatives"] if d["kind"] == "proxy"]
        copy = tmp_path / f"{clip['clip_id']}.mp4"
        with archive.svc.objects.open(proxy["storage"]["key"], proxy["storage"]["version_id"]) as f:
            copy.write_bytes(f.read())
        assert playable(copy) == 30  # 3 s at 10 fps
        clips.append(clip)
    assert clips[0]["container"] == "dhav" and clips[0]["start"] == T0.isoformat()
    assert clips[0]["duration_s"] == pytest.approx(3.0, abs=0.15)
    assert clips[1]["container"] == "mpeg"

    out = tmp_path / "package.zip"
    export.export_to_file(
        archive.svc, BUDI, out=out, reason="for the prosecutor", recipient="Kejari", case_id="R-1"
    )
    report = verify_package(out)
    assert report.problems == [], report.problems
    with zipfile.ZipFile(out) as z:
        manifest = json.loads(z.read("manifest.json"))
        for entry in manifest["clips"]:
            w = entry["working_copy"]
            assert w["derivative"] is True and w["file"] == f"working/{entry['clip_id']}.mp4"
            assert hashlib.sha256(z.read(w["file"])).hexdigest() == w["sha256"]


def test_a_working_copy_not_recorded_on_the_clip_fails_verification(
    archive: Archive, tmp_path: Path
) -> None:
    flows.camera(archive.svc)
    flows.case(archive.svc, "R-1")
    clip = ingest.ingest(
        archive.svc, BUDI, camera_id="SMG-SS-0001", source=str(hikvision_ps(tmp_path / "h.mp4")),
        reason="r", case_id="R-1", source_start=T0,
    )  # fmt: skip
    out = tmp_path / "package.zip"
    export.export_to_file(archive.svc, BUDI, out=out, reason="r", recipient="x", case_id="R-1")
    # Swap in another playable file and fix the listing: only the custody stream can tell.
    other = hikvision_ps(tmp_path / "other.mp4").read_bytes()
    name = f"working/{clip['clip_id']}.mp4"
    forged = tmp_path / "forged.zip"
    with zipfile.ZipFile(out) as src, zipfile.ZipFile(forged, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == name:
                data = other
            elif item.filename == "manifest.json":
                doc = json.loads(data)
                new = hashlib.sha256(other).hexdigest()
                for f in doc["files"]:
                    if f["path"] == name:
                        f["sha256"], f["size_bytes"] = new, len(other)
                for c in doc["clips"]:
                    c["working_copy"].update(sha256=new, size_bytes=len(other))
                data = json.dumps(doc).encode()
            dst.writestr(item, data)
    kinds = {p.kind for p in verify_package(forged).problems}
    assert "working_copy" in kinds


@pytest.mark.parametrize("suffix", ["jpg", "png"])
def test_a_still_is_refused_as_not_a_video(archive: Archive, tmp_path: Path, suffix: str) -> None:
    flows.camera(archive.svc)
    still = tmp_path / f"photo.{suffix}"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=320x240", "-frames:v", "1",
         str(still)],
        check=True,
    )  # fmt: skip
    with pytest.raises(MediaError, match="not a video: it is a still image"):
        ingest.ingest(
            archive.svc, BUDI, camera_id="SMG-SS-0001", source=str(still), reason="r",
            source_start=T0,
        )  # fmt: skip
    assert queries.clips(archive.svc.db) == []

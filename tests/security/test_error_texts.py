"""Finding 7 of issue 18: error texts name the problem, never a server path (a fake-`ftyp`
upload returned ffmpeg's last line, which held the server's temporary upload file)."""

from __future__ import annotations

import tempfile
from typing import Any

from archive.ingest.media import last_line
from tests.e2e.conftest import Api
from tests.e2e.test_http_upload import FIELDS

FAKE_MP4 = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2" + b"\x00garbage" * 400


def test_a_fake_recording_is_refused_without_naming_any_server_path(
    api: Api, case_clip: dict[str, Any]
) -> None:
    files = {"file": ("cam.mp4", FAKE_MP4, "video/mp4")}
    refused = api.post("/api/clips", "budi", data=FIELDS, files=files)
    assert refused.status_code == 422, refused.text
    error = refused.json()["error"]
    assert error and "/" not in error.replace("video/", ""), error
    assert tempfile.gettempdir() not in error and "saksi" not in error.lower().split(":")[0]


def test_ffmpeg_lines_lose_their_paths_but_keep_what_went_wrong() -> None:
    line = "/tmp/saksi-up-3x/spool/rec.mp4: Invalid data found when processing input"
    assert last_line(line.encode()) == "rec.mp4: Invalid data found when processing input"
    kept = "rtsp://10.0.0.5:554/Streaming/tracks/101: Connection refused"
    assert last_line(kept) == kept

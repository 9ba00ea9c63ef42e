"""`case pull` from recorders: each camera fetched from its own simulated recorder (RTSP NVR
in Hikvision, Dahua and template forms; Frigate HLS; MediaMTX), the clips' pixels read back to
prove they show the minutes asked for; a misbehaving recorder's failures per camera."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from api.simulator import footage
from archive.cameras import changes
from archive.custody import retrieval
from archive.ingest import pull
from domain.base import Context
from storage.readmodels import queries
from tests.conftest import Archive
from tests.support import flows
from tests.support.recorders import CLOCK_OFFSET_S, NVR_TZ, T0, Recorders

HERE = (-6.9903, 110.4229)
START, END = T0 + timedelta(seconds=6), T0 + timedelta(seconds=10)


def place(archive: Archive, camera_id: str, n: int, **source: Any) -> None:
    """A camera n × 10 m north of HERE with the given recording source."""
    flows.camera(archive.svc, camera_id, HERE[0] + n * 0.00009, HERE[1])
    if source:
        changes.set_source(archive.svc, Context("dodi"), camera_id, **source)


def use(archive: Archive, recorders: Recorders, concurrency: int = 5) -> None:
    archive.svc.settings = archive.svc.settings.model_copy(
        update={"credentials": recorders.credentials, "pull_concurrency": concurrency}
    )


def run(archive: Archive, radius_m: float = 100) -> dict[str, Any]:
    seen: list[pull.CameraProgress] = []
    result = pull.pull(
        archive.svc,
        Context("budi"),
        case_id="R-1",
        near=HERE,
        radius_m=radius_m,
        start=START,
        end=END,
        reason="112 report 10:00",
        progress=seen.append,
    )
    for cam in {p.camera_id for p in seen}:  # every camera went from queued to an end
        stages = [p.stage for p in seen if p.camera_id == cam]
        assert stages[0] == "queued" and stages[-1] in ("done", "without", "failed"), stages
    return result


def shows_the_range(archive: Archive, clip_id: str, tmp_path: Path) -> None:
    """The archived clip's frames show the wall-clock seconds asked for, start to end."""
    got = retrieval.download(
        archive.svc, Context("budi"), clip_id=clip_id, out=tmp_path / f"{clip_id}.bin", reason="r"
    )
    path = tmp_path / f"{clip_id}.bin"
    assert got["sha256"]
    seconds = (END - START).total_seconds()
    for at in (0.3, seconds / 2, seconds - 0.4):
        want = footage.low_bits(START + timedelta(seconds=int(at)))
        assert footage.clock_at(path, at) == want, (clip_id, at)


def test_a_pull_fetches_each_camera_from_its_own_recorder(
    archive: Archive, recorders: Recorders, object_kind: str, tmp_path: Path
) -> None:
    flows.case(archive.svc, "R-1")
    nvr, cred = recorders.nvr, {"credential": "nvr", "tz": NVR_TZ}
    place(archive, "CAM-H1", 1, kind="hikvision", url=nvr, channel=1, **cred)
    place(archive, "CAM-D2", 2, kind="dahua", url=nvr, channel=2, **cred)
    template = nvr + (
        "/cam/playback?channel={channel}&subtype=0"
        "&starttime={start:%Y_%m_%d_%H_%M_%S}&endtime={end:%Y_%m_%d_%H_%M_%S}"
    )
    place(archive, "CAM-T5", 3, kind="rtsp-template", url=template, channel=5, **cred)
    frigate = recorders.frigate.url
    place(archive, "CAM-F3", 4, kind="hls-vod", url=frigate, path="cam3", credential="frigate")
    place(archive, "CAM-M4", 5, kind="mediamtx", url=recorders.mediamtx.url, path="cam4")
    use(archive, recorders)

    result = run(archive)

    assert result["failed"] == [] and result["without_footage"] == [], result
    pulled = {c["camera_id"]: c for c in result["ingested"]}
    assert sorted(pulled) == ["CAM-D2", "CAM-F3", "CAM-H1", "CAM-M4", "CAM-T5"]
    kinds = {c: p["source"]["kind"] for c, p in pulled.items()}
    assert kinds == {"CAM-H1": "hikvision", "CAM-D2": "dahua", "CAM-T5": "rtsp-template",
                     "CAM-F3": "hls-vod", "CAM-M4": "mediamtx"}  # fmt: skip
    for camera_id, p in pulled.items():
        assert p["covers"] == "all", p
        assert p["requested"] == {"start": START.isoformat(), "end": END.isoformat()}
        shown = queries.clip_row(archive.svc.db, p["clip_id"])
        assert shown is not None
        assert shown["case_ids"] == ["R-1"] and shown["camera_id"] == camera_id
        recorded = flows.custody(archive.svc, p["clip_id"])[0]["source"]
        assert recorded["recorder"]["kind"] == p["source"]["kind"]
        assert recorded["covers_request"] == "all" and recorded["delivered"] == p["delivered"]
        assert "@" not in recorded["recorder"]["url"]
        shows_the_range(archive, p["clip_id"], tmp_path)
    # Hikvision's URL carries the recorder's local time (+07:00): 17:00:06 for 10:00:06 UTC.
    assert "starttime=20261101T170006Z" in pulled["CAM-H1"]["source"]["url"]
    # Frigate dates its segments: the delivery is what its playlist says.
    assert pulled["CAM-F3"]["delivered"]["start"] <= START.isoformat()


def test_a_misbehaving_recorder_is_reported_per_camera_and_nothing_is_kept_for_it(
    archive: Archive, recorders: Recorders, object_kind: str, tmp_path: Path
) -> None:
    flows.case(archive.svc, "R-1")
    faulty, frigate = recorders.faulty.url, recorders.frigate.url
    place(archive, "OK-1", 1, kind="hls-vod", url=frigate, path="cam6", credential="frigate")
    place(archive, "REFUSED-HTTP", 2, kind="hls-vod", url=frigate, path="cam6", credential="wrong")
    nvr = recorders.nvr
    place(archive, "REFUSED-RTSP", 3, kind="hikvision", url=nvr, channel=1, credential="wrong")
    place(archive, "DOWN", 4, kind="hls-vod", url=recorders.down, path="cam6")
    place(archive, "EMPTY", 5, kind="hls-vod", url=faulty, path="empty")
    place(archive, "EARLY", 6, kind="hls-vod", url=faulty, path="early")
    place(archive, "CLOCK", 7, kind="hls-vod", url=faulty, path="shifted")
    place(archive, "NOTHING-THERE", 8, kind="mediamtx", url=recorders.mediamtx.url, path="none")
    use(archive, recorders, concurrency=4)

    result = run(archive)

    failed = {f["camera_id"]: f for f in result["failed"]}
    assert {c: f["kind"] for c, f in failed.items()} == {
        "REFUSED-HTTP": "refused",
        "REFUSED-RTSP": "refused",
        "DOWN": "unreachable",
        "EMPTY": "nothing",
    }, result
    assert "refused the credential" in failed["REFUSED-RTSP"]["reason"]
    assert [w["camera_id"] for w in result["without_footage"]] == ["NOTHING-THERE"]
    pulled = {c["camera_id"]: c for c in result["ingested"]}
    assert sorted(pulled) == ["CLOCK", "EARLY", "OK-1"]
    assert pulled["OK-1"]["covers"] == "all"
    # Stopped early: what came is kept, and how little of the range it covers is said.
    assert pulled["EARLY"]["covers"] == "part" and pulled["EARLY"]["warnings"]
    # A wrong clock: footage of another time, kept whole and flagged, with the clock measured.
    clock = pulled["CLOCK"]
    assert clock["covers"] == "none" and clock["delivered"]["start"] > END.isoformat()
    assert clock["clock_offset_s"] == pytest.approx(CLOCK_OFFSET_S, abs=2)
    assert any("clock" in w for w in clock["warnings"])
    recorded = flows.custody(archive.svc, clock["clip_id"])[0]["source"]
    assert (
        recorded["covers_request"] == "none"
        and recorded["clock_offset_s"] == clock["clock_offset_s"]
    )
    # Nothing is kept for a camera whose recorder failed.
    for camera_id in [*failed, "NOTHING-THERE"]:
        assert queries.clips(archive.svc.db, camera_id=camera_id) == []
    assert len(queries.clips(archive.svc.db)) == 3

"""Recorder credentials never leave the credentials file: sources are set and a case pulled
through the HTTP API (a good NVR and Frigate, and both refusing a wrong password), the case
exported; then every stored event, log line, trail, package byte and error is searched."""

from __future__ import annotations

import base64
import io
import json
import zipfile
from datetime import timedelta

from tests.conftest import CliResult
from tests.e2e.conftest import Api
from tests.support import flows
from tests.support.recorders import NVR_PASSWORD, NVR_TZ, T0, Recorders

HERE = (-6.9903, 110.4229)


def members(zipped: bytes) -> list[bytes]:
    """Every member of a package, uncompressed (its small files are deflated), and the events
    of its custody files decoded (they hold each event's stored state in base64)."""
    out = []
    with zipfile.ZipFile(io.BytesIO(zipped)) as z:
        for name in z.namelist():
            out.append(z.read(name))
            if name.startswith("custody/"):
                events = json.loads(out[-1])["events"]
                out += [base64.b64decode(e["state"]) for e in events]
    return out


def all_stored(api: Api) -> bytes:
    svc = api.archive.svc
    with svc.db.tx(write=False) as tx:
        rows = tx.all(f"SELECT topic, state FROM {svc.db.events_table}")
    return b"\n".join(bytes(r["state"]) + r["topic"].encode() for r in rows)


def test_no_credential_in_events_logs_trails_packages_or_errors(
    server: Api, recorders: Recorders, log_output: io.StringIO, cli
) -> None:
    svc = server.archive.svc
    svc.settings = svc.settings.model_copy(update={"credentials": recorders.credentials})
    flows.case(svc, "R-1")
    sources = {
        "NVR-1": {"kind": "hikvision", "url": recorders.nvr, "channel": 1, "credential": "nvr"},
        "NVR-X": {"kind": "dahua", "url": recorders.nvr, "channel": 2, "credential": "wrong"},
        "FRIGATE-1": {"kind": "hls-vod", "url": recorders.frigate.url, "path": "cam3",
                      "credential": "frigate"},
        "FRIGATE-X": {"kind": "hls-vod", "url": recorders.frigate.url, "path": "cam3",
                      "credential": "wrong"},
    }  # fmt: skip
    said: list[str] = []
    for n, (camera_id, source) in enumerate(sources.items(), start=1):
        flows.camera(svc, camera_id, HERE[0] + n * 0.0001, HERE[1])
        r = server.put(f"/api/cameras/{camera_id}/source", "dodi", json={**source, "tz": NVR_TZ})
        assert r.status_code == 200, r.text
        said.append(r.text)
    # A password typed into a URL is refused without being repeated.
    leaked = recorders.nvr.replace("rtsp://", f"rtsp://admin:{NVR_PASSWORD}@")
    r = server.put("/api/cameras/NVR-1/source", "dodi", json={"kind": "hikvision", "url": leaked,
                                                                "channel": 1})  # fmt: skip
    assert r.status_code == 422 and "SAKSI_CREDENTIALS" in r.json()["error"]
    said.append(r.text)
    start = T0 + timedelta(seconds=4)
    body = {"lat": HERE[0], "lon": HERE[1], "radius_m": 200, "start": start.isoformat(),
            "end": (start + timedelta(seconds=3)).isoformat(), "reason": "112 report"}  # fmt: skip
    pulled = server.post("/api/cases/R-1/pull", "budi", json=body)
    assert pulled.status_code == 200, pulled.text
    doc = pulled.json()
    assert sorted(c["camera_id"] for c in doc["ingested"]) == ["FRIGATE-1", "NVR-1"]
    assert {f["camera_id"]: f["kind"] for f in doc["failed"]} == {
        "NVR-X": "refused",
        "FRIGATE-X": "refused",
    }
    said.append(pulled.text)
    asked = {"reason": "court", "recipient": "Kejari"}
    package = server.post("/api/cases/R-1/export", "budi", json=asked)
    assert package.status_code == 200, package.text
    trails = [server.get(f"/api/audit/trail/{c['clip_id']}", "sari").text for c in doc["ingested"]]
    listed = server.get("/api/cameras", "sari").text
    exported = server.get("/api/cameras/export?format=csv", "sari").text
    result: CliResult = cli("camera", "source", "NVR-1", "--kind", "hikvision", "--url", leaked,
                            "--channel", "1", "--actor", "dodi")  # fmt: skip
    assert result.code == 2
    places = {
        "events": all_stored(server),
        "logs": log_output.getvalue().encode(),
        "answers": "\n".join([*said, listed, exported, *trails]).encode(),
        "package": package.content + b"".join(members(package.content)),
        "cli": (result.out + result.err).encode(),
    }
    for secret in recorders.secrets:
        for where, text in places.items():
            assert secret.encode() not in text, f"a credential is in the {where}"
    assert b"NVR-1" in places["events"], "the search must see the events"
    assert b"hikvision" in places["package"], "the search must see inside the package"

"""`saksi serve --demo` as a newcomer runs it: a real process, tokens on the console only, and
the demo city it claims (cameras, a recorder holding an hour, three cases in three states).

On the embedded default only: that is what `make run` serves (the other backends are covered by
every other test), and the demo's pulls are the slowest start in the suite."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import httpx
import pytest

from api.simulator import footage
from archive.settings import Settings
from tests.e2e.conftest import free_port


@pytest.fixture
def served(settings: Settings, tmp_path: Path) -> Iterator[tuple[str, dict[str, str], Path]]:
    port = free_port()
    env = {
        **os.environ,
        "SAKSI_HOME": str(settings.home),
        "SAKSI_EVENT_STORE": settings.event_store,
        "SAKSI_OBJECT_STORE": settings.object_store,
        "SAKSI_SIGNING_KEY": str(settings.signing_key),
    }
    out, err = tmp_path / "stdout", tmp_path / "stderr"
    saksi = Path(sys.executable).with_name("saksi")
    with open(out, "wb") as o, open(err, "wb") as e:
        proc = subprocess.Popen(
            [str(saksi), "serve", "--demo", "--port", str(port), "--no-scheduler"],
            env=env,
            stdout=o,
            stderr=e,
            stdin=subprocess.DEVNULL,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 240  # a liveness guard, not a timing check: the demo pulls
        while True:
            assert proc.poll() is None, err.read_text()
            assert time.monotonic() < deadline, "saksi serve did not come up"
            try:
                if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        tokens = {}
        for line in out.read_text().splitlines():
            parts = line.split()
            if len(parts) == 2 and parts[1].startswith("sks_"):
                tokens[parts[0]] = parts[1]
        yield url, tokens, err
    finally:
        proc.terminate()
        proc.wait(10)


@pytest.mark.parametrize("store_kind", ["sqlite"], indirect=True)
def test_serve_demo_prints_tokens_that_sign_in_and_logs_json_lines_without_them(  # type: ignore[no-untyped-def]
    served, tmp_path: Path
) -> None:
    url, tokens, err = served
    assert set(tokens) == {"admin", "operator112", "inv.budi", "aud.sari", "pak.agus"}
    headers = {"Authorization": f"Bearer {tokens['inv.budi']}"}
    clips = httpx.get(f"{url}/api/clips?case=R-DEMO-0001", headers=headers).json()["clips"]
    assert len(clips) >= 3
    content = httpx.get(
        f"{url}/api/clips/{clips[0]['clip_id']}/content?reason=demo", headers=headers
    )
    assert content.status_code == 200 and len(content.content) == clips[0]["size_bytes"]
    # The footage shows its own time: the first frame reads back as the clip's start.
    (tmp_path / "clip.mp4").write_bytes(content.content)
    start = datetime.fromisoformat(clips[0]["start"])
    assert footage.clock_at(tmp_path / "clip.mp4", 0.05) == footage.low_bits(start)
    _the_demo_city_is_there(url, tokens)
    audit = httpx.get(
        f"{url}/api/audit/verify", headers={"Authorization": f"Bearer {tokens['aud.sari']}"}
    )
    assert audit.json()["ok"] is True
    assert httpx.get(f"{url}/openapi.json").json()["info"]["title"] == "Saksi"
    # The log: one JSON line a request, and no token anywhere in it.
    for token in tokens.values():
        httpx.get(f"{url}/api/clips", headers={"Authorization": f"Bearer {token}"})
    httpx.get(f"{url}/api/clips", headers={"Authorization": "Bearer sks_wrong"})
    time.sleep(0.3)
    lines = [line for line in err.read_text().splitlines() if line.startswith("{")]
    records = [json.loads(line) for line in lines]
    assert sum(1 for r in records if r.get("path") == "/api/clips") == len(tokens) + 2
    for token in tokens.values():
        assert token not in err.read_text()


def _the_demo_city_is_there(url: str, tokens: dict[str, str]) -> None:
    """What api/demo.py says it seeds: ~50 cameras around Simpang Lima with RT/RW, each public
    one pointing at a recorder that holds an hour, and three cases in three states."""
    auth = {name: {"Authorization": f"Bearer {token}"} for name, token in tokens.items()}
    cams = httpx.get(f"{url}/api/cameras", headers=auth["operator112"]).json()["cameras"]
    assert len(cams) >= 45
    for cam in cams:
        assert abs(cam["lat"] - -6.9904) < 0.02 and abs(cam["lon"] - 110.4229) < 0.02, cam
        assert re.fullmatch(r"\d{3}/\d{3}", cam["rt"]), cam  # RT/RW
    public = [c for c in cams if c["owner"] == "public"]
    assert public and all(c["source"] is not None for c in public)
    recorder = public[0]["source"]["url"]
    held = httpx.get(f"{recorder}/list", params={"path": public[0]["source"]["path"]}).json()
    assert sum(span["duration"] for span in held) >= 3600
    report, incident, closed = (
        httpx.get(f"{url}/api/cases/{case}", headers=auth["inv.budi"]).json()
        for case in ("R-DEMO-0001", "I-DEMO-0002", "V-DEMO-0003")
    )
    assert report["status"] == "open" and incident["status"] == "open"
    assert closed["status"] == "closed" and closed["legal_hold"] is True
    assert len(incident["clip_ids"]) >= 2 and len(closed["clip_ids"]) >= 2
    kinds = {  # reviewed, refused to the auditor, exported: on the incident's clips' trails
        event["type"]
        for clip_id in incident["clip_ids"]
        for event in httpx.get(f"{url}/api/audit/trail/{clip_id}", headers=auth["aud.sari"]).json()[
            "events"
        ]
    }
    assert {"ClipDownloaded", "AccessDenied", "ClipExported"} <= kinds, kinds
    asked = httpx.get(f"{url}/api/requests", headers=auth["pak.agus"]).json()["requests"]
    assert [r["case_id"] for r in asked] == ["R-DEMO-0001"]

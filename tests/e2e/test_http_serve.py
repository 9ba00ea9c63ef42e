"""`saksi serve --demo` as a newcomer runs it: a real process, tokens on the console only."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

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
        deadline = time.monotonic() + 60
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


def test_serve_demo_prints_tokens_that_sign_in_and_logs_json_lines_without_them(served) -> None:  # type: ignore[no-untyped-def]
    url, tokens, err = served
    assert set(tokens) == {"admin", "operator112", "inv.budi", "aud.sari"}
    headers = {"Authorization": f"Bearer {tokens['inv.budi']}"}
    clips = httpx.get(f"{url}/api/clips?case=R-DEMO-0001", headers=headers).json()["clips"]
    assert len(clips) == 2
    content = httpx.get(
        f"{url}/api/clips/{clips[0]['clip_id']}/content?reason=demo", headers=headers
    )
    assert content.status_code == 200 and len(content.content) == clips[0]["size_bytes"]
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

"""An archive and a package written before the redesign still verify and replay after it.

tests/assets/legacy_v1/ was made by the code of commit 142bc9f (before the layout moved) with
the CLI: users of every role, two cameras, a case, an ingested clip with its poster frame,
a download and a refused one, a hold placed and released, a redacted copy, a declined footage
request, a share, two checkpoints and an export. Its events name their classes by topic
(`domain.clip:Clip.ClipIngested`...): if a class moved without its topic, nothing here would
replay. The assets are copied before use: the test never writes to them.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import pytest

from archive.settings import Settings
from ledger.package.verify import verify_package
from tests.support.processes import run

ASSETS = Path(__file__).resolve().parents[1] / "assets" / "legacy_v1"


@pytest.fixture
def legacy(tmp_path: Path) -> Settings:
    home = tmp_path / "home"
    home.mkdir()
    for name in ("events.sqlite", "keys", "objects"):
        source = ASSETS / name
        if source.is_dir():
            shutil.copytree(source, home / name)
        else:
            shutil.copy2(source, home / name)
    return Settings(
        home=home,
        event_store=f"sqlite:///{home}/events.sqlite",
        object_store=f"file://{home}/objects",
        signing_key=home / "keys" / "checkpoint.key",
    )


def saksi_json(settings: Settings, *args: str) -> dict:  # type: ignore[type-arg]
    done: subprocess.CompletedProcess[str] = run(settings, *args, "--json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)  # type: ignore[no-any-return]


def test_the_old_log_verifies_with_its_content_and_rebuilds_its_read_models(
    legacy: Settings,
) -> None:
    before = json.loads((ASSETS / "audit.json").read_text())
    audit = saksi_json(legacy, "audit", "verify", "--fixity")
    assert audit["ok"] and audit["problems"] == [], audit["problems"]
    assert audit["events"] >= before["events"] == 34
    # Every event is decoded again from its stored topic while the read models are rebuilt.
    replayed = saksi_json(legacy, "audit", "replay", "--rebuild")
    assert replayed["rebuilt_events"] >= 34
    clip_id = json.loads((ASSETS / "clip.json").read_text())["clip_id"]
    shown = saksi_json(legacy, "clip", "show", clip_id)
    assert shown["sha256"] == json.loads((ASSETS / "clip.json").read_text())["sha256"]


def test_the_old_trail_reads_the_same_link_for_link(legacy: Settings) -> None:
    old = json.loads((ASSETS / "trail.json").read_text())
    new = saksi_json(legacy, "audit", "trail", old["clip_id"])
    assert new["chain_intact"] and old["chain_intact"]
    assert [(e["type"], e["hash"], e["chain_ok"]) for e in new["events"][: len(old["events"])]] == [
        (e["type"], e["hash"], e["chain_ok"]) for e in old["events"]
    ]
    assert Counter(e["type"] for e in old["events"])["AccessDenied"] == 1


def test_the_old_package_verifies_offline_with_the_old_key() -> None:
    key = (ASSETS / "key.txt").read_text().strip()
    report = verify_package(ASSETS / "package.zip", key=key)
    assert report.ok, [p.detail for p in report.problems]
    assert report.clips == 1 and report.events >= 17

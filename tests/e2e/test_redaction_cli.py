"""Redaction end to end through the command line: a redacted copy is made, recorded on both
trails, exported with and instead of its original, verified offline, and any tampering with
it is caught. Run on SQLite with the file store and on PostgreSQL with S3 (SeaweedFS)."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import one_error_line
from tests.support import packages as pk
from tests.support import pixels as px


def ok(result: Any) -> Any:
    assert result.code == 0, (result.code, result.out, result.err)
    return result.json() if result.out.lstrip().startswith("{") else result.out


def problems(cli: Any, package: Path, key: str) -> set[str]:
    result = cli("verify", str(package), "--key", key, "--json")
    assert result.code == 1, (result.out, result.err)
    return {p["kind"] for p in json.loads(result.out)["problems"]}


def manifest(package: Path) -> dict[str, Any]:
    return dict(json.loads(pk.members(package)["manifest.json"]))


@pytest.fixture(scope="module")
def detailed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return px.detailed_footage(tmp_path_factory.mktemp("detail") / "detail.mp4")


@pytest.mark.parametrize(("store_kind", "object_kind"), [("sqlite", "file"), ("postgres", "s3")])
def test_a_redacted_copy_is_recorded_exported_with_or_instead_of_its_original_and_verified(  # type: ignore[no-untyped-def]
    cli, people: None, detailed: Path, tmp_path: Path, store_kind: str, object_kind: str
) -> None:
    ok(cli("user", "add", "eko", "--role", "investigator", "--actor", "ana"))
    ok(cli("camera", "add", "SMG-SS-0001", "--name", "Simpang Lima", "--owner", "public",
           "--district", "Semarang Selatan", "--actor", "dodi"))  # fmt: skip
    ok(cli("case", "open", "R-7", "--kind", "incident", "--title", "Fight at the market",
           "--actor", "budi", "--member", "dodi"))  # fmt: skip
    original = ok(cli("ingest", "--camera", "SMG-SS-0001", "--source", str(detailed),
                      "--actor", "budi", "--reason", "incident footage", "--case", "R-7",
                      "--json"))  # fmt: skip
    clip_id = original["clip_id"]

    # Bad boxes, two modes at once, an outsider: exit 2, one line, nothing made.
    before = ok(cli("clip", "list", "--json"))["clips"]
    assert "outside the clip's 320x240 picture" in one_error_line(
        cli("redact", clip_id, "--box", "300,10,40,40", "--actor", "budi", "--reason", "press")
    )
    assert "after the clip's end" in one_error_line(
        cli("redact", clip_id, "--box", "1,1,8,8@1-30", "--actor", "budi", "--reason", "press")
    )
    assert "invalid box" in one_error_line(
        cli("redact", clip_id, "--box", "1,1,8", "--actor", "budi", "--reason", "press")
    )
    assert "not both" in one_error_line(
        cli("redact", clip_id, "--box", "1,1,8,8", "--blur", "--black", "--actor", "budi",
            "--reason", "press")
    )  # fmt: skip
    assert "refused" in one_error_line(
        cli("redact", clip_id, "--box", "1,1,8,8", "--actor", "eko", "--reason", "curious")
    )
    assert ok(cli("clip", "list", "--json"))["clips"] == before

    # The investigator blacks out a bystander from 1 s to 2 s and removes the sound.
    copy = ok(cli("redact", clip_id, "--box", "20,30,60,40@1-2", "--black", "--mute",
                  "--actor", "budi", "--reason", "for the prosecutor", "--json"))  # fmt: skip
    assert set(copy) >= {"clip_id", "source_sha256", "sha256", "ffmpeg"}
    assert copy["source_sha256"] == original["sha256"] != copy["sha256"]
    assert copy["derived_from"] == clip_id and copy["case_ids"] == ["R-7"]
    assert copy["ffmpeg"]["args"][-1] == "OUTPUT" and copy["mode"] == "black" and copy["mute"]
    shown = ok(cli("clip", "show", copy["clip_id"], "--json"))
    assert (shown["derived_from"], shown["sha256"]) == (clip_id, copy["sha256"])
    assert ok(cli("clip", "show", clip_id, "--json"))["derived_from"] is None

    # The original is untouched: retrieved and re-hashed, and every stored object re-hashed.
    again = tmp_path / "original.mp4"
    ok(cli("clip", "get", clip_id, "--out", str(again), "--actor", "budi", "--reason", "check"))
    assert hashlib.sha256(again.read_bytes()).hexdigest() == original["sha256"]
    assert ok(cli("audit", "verify", "--fixity", "--json"))["ok"] is True
    made = [e for e in ok(cli("audit", "trail", clip_id, "--json"))["events"]
            if e["type"] == "RedactedCopyMade"]  # fmt: skip
    assert [(e["actor"], e["details"]["sha256"]) for e in made] == [("budi", copy["sha256"])]

    key = ok(cli("audit", "key")).strip()
    export = ["--case", "R-7", "--actor", "budi", "--reason", "hand-over",
              "--recipient", "Kejaksaan Negeri Semarang", "--json"]  # fmt: skip

    # By default a case's export holds its originals only, as before.
    plain = tmp_path / "plain.zip"
    assert ok(cli("export", *export, "--out", str(plain)))["clip_ids"] == [clip_id]
    assert ok(cli("verify", str(plain), "--key", key, "--json"))["ok"] is True

    # With: the original and its copy, the derivation in the manifest.
    both = tmp_path / "with.zip"
    exported = ok(cli("export", *export, "--out", str(both), "--redacted", "with"))
    assert exported["clip_ids"] == [clip_id, copy["clip_id"]]
    verified = ok(cli("verify", str(both), "--key", key, "--json"))
    assert verified["ok"] is True and verified["clips"] == 2
    doc = manifest(both)
    assert doc["redacted"] == "with"
    entry = next(c for c in doc["clips"] if c["clip_id"] == copy["clip_id"])
    assert entry["derived_from"]["clip_id"] == clip_id
    assert entry["derived_from"]["sha256"] == original["sha256"]
    assert entry["derived_from"]["ffmpeg"] == copy["ffmpeg"]
    assert "derived_from" not in next(c for c in doc["clips"] if c["clip_id"] == clip_id)

    # Only: the copy instead of the original, whose custody (not footage) comes along.
    only = tmp_path / "only.zip"
    exported = ok(cli("export", *export, "--out", str(only), "--redacted", "only"))
    assert exported["clip_ids"] == [copy["clip_id"]] and exported["source_clip_ids"] == [clip_id]
    names = pk.members(only)
    assert [n for n in names if n.startswith("clips/")] == [f"clips/{copy['clip_id']}.mp4"]
    assert f"custody/clip-{clip_id}.json" in names
    verified = ok(cli("verify", str(only), "--key", key, "--json"))
    assert verified["ok"] is True and verified["clips"] == 1
    assert verified["events"] == exported["events"]
    footage = tmp_path / "released.mp4"
    footage.write_bytes(names[f"clips/{copy['clip_id']}.mp4"])
    assert px.stream_kinds(footage) == ["video"]  # the sound is not in what was released
    # The verifier the package carries says the same, with nothing but Python and cryptography.
    with zipfile.ZipFile(only) as zf:
        (tmp_path / "verify_package.py").write_bytes(zf.read("verify_package.py"))
    standalone = subprocess.run(
        [sys.executable, str(tmp_path / "verify_package.py"), str(only), "--key", key, "--json"],
        capture_output=True, text=True, check=False, cwd=tmp_path,
    )  # fmt: skip
    assert standalone.returncode == 0 and json.loads(standalone.stdout)["ok"] is True

    # Tampering with the copy, its derivation or the original's record of it is caught.
    def copy_file(name: str, data: bytes) -> bytes:
        if name != f"clips/{copy['clip_id']}.mp4":
            return data
        return data[:5000] + bytes([data[5000] ^ 0x01]) + data[5001:]

    def drop_record(name: str, data: bytes) -> bytes:  # the original's RedactedCopyMade
        if name != f"custody/clip-{clip_id}.json":
            return data
        return pk.custody(data, lambda d: d["events"].pop())

    def hide_derivation(name: str, data: bytes) -> bytes:  # the copy passed off as an original
        if name != "manifest.json":
            return data
        doc = json.loads(data)
        for c in doc["clips"]:
            c.pop("derived_from", None)
        return json.dumps(doc).encode()

    for package in (both, only):
        found = problems(cli, pk.rewrite(package, tmp_path / "t1.zip", copy_file), key)
        assert found >= {"file_hash", "clip_hash"}, found
        found = problems(cli, pk.rewrite(package, tmp_path / "t2.zip", hide_derivation), key)
        assert found >= {"manifest_signature", "manifest"}, found
    found = problems(cli, pk.rewrite(only, tmp_path / "t3.zip", drop_record, relist=True), key)
    assert found == {"manifest_signature", "derivation"}, found

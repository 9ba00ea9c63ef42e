"""`saksi verify` on altered packages: each alteration makes it exit 1 naming the problem,
offline (the command runs with no archive configured), never crashing, never extracting."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from archive.accounts import users
from archive.bootstrap import bootstrap
from archive.export import export
from archive.sealing import seal as sealing
from archive.settings import Settings as ArchiveSettings
from domain.base import Context
from ledger.checkpoint import verifier_key
from ledger.package.verify import verify_package
from tests.conftest import CliResult
from tests.support import flows
from tests.support.packages import (
    clip_custody_member,
    edit_manifest,
    flip_clip,
    forge_signature,
    members,
    remove_event,
    rewrite,
    saksi,
    strip_signature,
    swap_proofs,
    view,
)
from tests.support.principals import HOST


@dataclass
class Package:
    path: Path
    key: str


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory, footage: Path) -> Iterator[Package]:
    """One case export from an archive on SQLite and the file store, made once."""
    home = tmp_path_factory.mktemp("archive")
    svc = bootstrap(
        ArchiveSettings(
            home=home,
            event_store=f"sqlite:///{home}/events.sqlite",
            object_store=f"file://{home}/objects",
            signing_key=home / "checkpoint.key",
        )
    )
    users.init_archive(svc, HOST, "ana")
    for name, role in (("budi", "investigator"), ("dodi", "operator")):
        users.add_user(svc, Context("ana"), name, role)
    clip = flows.clip_in_case(svc, footage)
    view(svc, clip["clip_id"], "budi", "compare with the 112 call")
    out = home / "package.zip"
    export.export_to_file(
        svc,
        Context("budi"),
        out=out,
        reason="hand-over to the prosecutor",
        recipient="Kejaksaan Negeri Semarang",
        case_id="R-2026-0001",
    )
    key = sealing.key_string(svc)
    svc.close()
    yield Package(out, key)


@pytest.fixture
def verify(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):  # type: ignore[no-untyped-def]
    """`saksi verify` with no archive around: the settings point at nothing that exists."""
    monkeypatch.setenv("SAKSI_HOME", str(tmp_path / "nowhere"))
    monkeypatch.setenv("SAKSI_EVENT_STORE", "postgresql://nobody@127.0.0.1:1/none")
    monkeypatch.setenv("SAKSI_OBJECT_STORE", "s3://x:y@127.0.0.1:1/none")

    def run(path: Path, *args: str) -> CliResult:
        return saksi("verify", str(path), "--json", *args)

    return run


def kinds(result: CliResult) -> set[str]:
    assert result.code == 1, (result.code, result.out, result.err)
    doc = json.loads(result.out)
    assert doc["ok"] is False and doc["problems"]
    assert all(p["detail"] for p in doc["problems"])
    return {p["kind"] for p in doc["problems"]}


def test_an_untouched_package_verifies_offline_with_the_archives_key(
    package: Package, verify
) -> None:  # type: ignore[no-untyped-def]
    result = verify(package.path, "--key", package.key)
    assert result.code == 0, result.out + result.err
    doc = json.loads(result.out)
    assert doc["ok"] is True and doc["problems"] == [] and doc["key_checked"] is True
    assert doc["clips"] == 1 and doc["events"] > 5 and doc["checkpoint_size"] > doc["events"]


def test_a_flipped_byte_in_a_clip_is_named(package: Package, verify, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    flip = flip_clip(package.path)
    found = kinds(verify(rewrite(package.path, tmp_path / "p.zip", flip), "--key", package.key))
    assert found == {"file_hash", "clip_hash"}
    # Even with the manifest's list made to match, the clip is not the recorded footage.
    relisted = rewrite(package.path, tmp_path / "q.zip", flip, relist=True)
    found = kinds(verify(relisted, "--key", package.key))
    assert found == {"clip_hash", "manifest", "manifest_signature"}


def test_an_edited_manifest_is_named(package: Package, verify, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    edited = rewrite(package.path, tmp_path / "p.zip", edit_manifest)
    assert kinds(verify(edited, "--key", package.key)) == {"manifest_signature", "manifest"}


@pytest.mark.parametrize("index", [-1, 2])
def test_a_removed_custody_event_is_named(
    package: Package, verify, tmp_path: Path, index: int
) -> None:  # type: ignore[no-untyped-def]
    remove = remove_event(package.path, index)
    found = kinds(verify(rewrite(package.path, tmp_path / "p.zip", remove), "--key", package.key))
    assert found >= {"file_hash", "missing_event"}
    relisted = kinds(
        verify(rewrite(package.path, tmp_path / "q.zip", remove, relist=True), "--key", package.key)
    )
    assert "missing_event" in relisted and "file_hash" not in relisted
    if index == 2:
        assert "chain" in relisted  # the next event no longer links to the one before it


def test_a_swapped_proof_is_named(package: Package, verify, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    swapped = rewrite(package.path, tmp_path / "p.zip", swap_proofs(package.path), relist=True)
    assert kinds(verify(swapped, "--key", package.key)) == {"inclusion", "manifest_signature"}


def test_a_forged_or_missing_signature_is_named(package: Package, verify, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    for change in (forge_signature, strip_signature):
        changed = rewrite(package.path, tmp_path / f"{change.__name__}.zip", change, relist=True)
        assert kinds(verify(changed, "--key", package.key)) == {"signature", "manifest_signature"}
    no_note = rewrite(
        package.path, tmp_path / "n.zip", lambda n, d: None if n == "manifest.note" else d
    )
    assert kinds(verify(no_note, "--key", package.key)) == {"manifest_signature"}


def test_another_archives_key_is_named(package: Package, verify) -> None:  # type: ignore[no-untyped-def]
    foreign = verifier_key("saksi.local/archive", Ed25519PrivateKey.generate().public_key())
    found = kinds(verify(package.path, "--key", foreign))
    assert found == {"foreign_key", "signature", "manifest_signature"}
    # Without --key the package's own key is used, and the answer says the key was not checked.
    result = verify(package.path)
    assert result.code == 0 and json.loads(result.out)["key_checked"] is False


def test_a_key_can_be_given_as_a_file_and_a_malformed_key_is_bad_input(
    package: Package, verify, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    key_file = tmp_path / "archive.key"
    key_file.write_text(package.key + "\n")
    assert verify(package.path, "--key", str(key_file)).code == 0
    result = verify(package.path, "--key", "not-a-key")
    assert result.code == 2 and result.err.startswith("error: --key")


def test_files_that_are_not_packages_are_named(verify, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    noise = tmp_path / "noise.zip"
    noise.write_bytes(os.urandom(5000))
    assert kinds(verify(noise)) == {"not_a_package"}
    other = tmp_path / "other.zip"
    with zipfile.ZipFile(other, "w") as zf:
        zf.writestr("holiday.jpg", b"\xff\xd8 not evidence")
    assert kinds(verify(other)) == {"not_a_package"}
    wrong = tmp_path / "wrong.zip"
    with zipfile.ZipFile(wrong, "w") as zf:
        zf.writestr("manifest.json", json.dumps({"format": "something-else"}))
    assert kinds(verify(wrong)) == {"not_a_package"}
    assert verify(tmp_path / "missing.zip").code == 2


def test_a_truncated_package_is_named(package: Package, verify, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    cut = tmp_path / "cut.zip"
    cut.write_bytes(package.path.read_bytes()[: package.path.stat().st_size // 2])
    assert kinds(verify(cut, "--key", package.key)) == {"not_a_package"}


def test_hostile_member_names_are_named_and_nothing_is_written(  # type: ignore[no-untyped-def]
    package: Package, verify, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    hostile = [
        ("../../escaped.txt", b"x"),
        ("/tmp/absolute.txt", b"x"),
        ("clips/..\\windows.txt", b"x"),
        ("C:/drive.txt", b"x"),
    ]
    bad = rewrite(package.path, tmp_path / "bad.zip", extra=hostile)
    work = tmp_path / "work" / "deeper"
    work.mkdir(parents=True)
    monkeypatch.chdir(work)
    before = sorted(tmp_path.rglob("*"))
    found = kinds(verify(bad, "--key", package.key))
    assert found == {"unsafe_name"}
    assert sorted(tmp_path.rglob("*")) == before
    assert not Path("/tmp/absolute.txt").exists()


def test_duplicate_unlisted_and_oversized_members_are_named(  # type: ignore[no-untyped-def]
    package: Package, verify, tmp_path: Path
) -> None:
    dup = rewrite(package.path, tmp_path / "dup.zip", extra=[("manifest.json", b"{}")])
    assert "duplicate_name" in kinds(verify(dup, "--key", package.key))
    extra = rewrite(package.path, tmp_path / "extra.zip", extra=[("clips/more.mp4", b"x")])
    assert kinds(verify(extra, "--key", package.key)) == {"unlisted_file"}
    # A member whose directory entry claims 4 GB: refused before anything is read.
    big = tmp_path / "big.zip"
    data = bytearray(package.path.read_bytes())
    name = clip_custody_member(package.path).encode()
    central = data.find(b"PK\x01\x02")
    while data[central + 46 : central + 46 + len(name)] != name:
        central = data.find(b"PK\x01\x02", central + 4)
    data[central + 24 : central + 28] = (0xFFFF_FFF0).to_bytes(4, "little")  # uncompressed size
    big.write_bytes(bytes(data))
    assert "too_large" in kinds(verify(big, "--key", package.key))


def test_the_packaged_verifier_runs_alone_with_python_and_cryptography(
    package: Package, tmp_path: Path
) -> None:
    script = tmp_path / "verify_package.py"
    script.write_bytes(members(package.path)["verify_package.py"])
    run = [sys.executable, "-I", str(script), str(package.path), "--key", package.key, "--json"]
    done = subprocess.run(run, capture_output=True, text=True, cwd=tmp_path, check=False)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["ok"] is True
    flipped = rewrite(
        package.path,
        tmp_path / "p.zip",
        lambda n, d: d[:-1] + bytes([d[-1] ^ 1]) if n.startswith("clips/") else d,
    )
    done = subprocess.run(
        [*run[:3], str(flipped), *run[4:]], capture_output=True, text=True, check=False
    )
    assert done.returncode == 1 and "file_hash" in done.stdout


@given(st.data())
@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
def test_random_damage_never_crashes_the_verifier(
    package: Package, tmp_path_factory: pytest.TempPathFactory, data: st.DataObject
) -> None:
    raw = bytearray(package.path.read_bytes())
    for _ in range(data.draw(st.integers(1, 6))):
        raw[data.draw(st.integers(0, len(raw) - 1))] = data.draw(st.integers(0, 255))
    damaged = tmp_path_factory.mktemp("fuzz") / "p.zip"
    damaged.write_bytes(bytes(raw[: data.draw(st.integers(len(raw) // 2, len(raw)))]))
    report = verify_package(damaged, package.key)  # never raises: every fault is a problem
    assert all(p.kind and p.detail for p in report.problems)


def test_the_custody_report_is_also_a_pdf_checked_like_every_other_file(
    package: Package, verify, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    files = members(package.path)
    pdf = files["report.pdf"]  # printed by Chromium from report.html
    assert pdf.startswith(b"%PDF-") and len(pdf) > 1000
    [listed] = [f for f in json.loads(files["manifest.json"])["files"] if f["path"] == "report.pdf"]
    assert listed["sha256"] == hashlib.sha256(pdf).hexdigest()
    assert listed["size_bytes"] == len(pdf)
    # An edited PDF is named by `saksi verify` and by the one-file verifier in the package.
    edited = rewrite(
        package.path,
        tmp_path / "p.zip",
        lambda n, d: d.replace(b"%%EOF", b"%%EOX") if n == "report.pdf" else d,
    )
    assert kinds(verify(edited, "--key", package.key)) == {"file_hash"}
    script = tmp_path / "verify_package.py"
    script.write_bytes(files["verify_package.py"])
    run = [sys.executable, "-I", str(script), "--key", package.key, "--json"]
    for path, code in ((package.path, 0), (edited, 1)):
        done = subprocess.run([*run, str(path)], capture_output=True, text=True, check=False)
        assert done.returncode == code, done.stdout + done.stderr
    assert "report.pdf" in json.loads(done.stdout)["problems"][0]["detail"]

"""Trusted timestamps end to end, through the command line and HTTP, on PostgreSQL and SeaweedFS:
a checkpoint timestamped by a local RFC 3161 TSA (`openssl ts -reply` on loopback) → the
evidence package carries and verifies its token offline → a tampered token, a token for other
bytes or a wrong signature is named (exit 1); a TSA that is down never stops sealing or export,
and the gap is reported until the next seal fills it."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import CliResult
from tests.e2e.conftest import Api
from tests.support.packages import members, rewrite
from tests.support.seaweed import free_port
from tests.support.tsa import LocalTsa

STORES = pytest.mark.parametrize(("store_kind", "object_kind"), [("postgres", "s3")])
TOKEN, CERTS = "checkpoint.tst", "tsa-certs.pem"


def export(cli: Any, out: Path, reason: str = "hand-over to the prosecutor") -> Path:
    result = cli(
        "export", "--case", "R-1", "--out", str(out), "--actor", "budi",
        "--reason", reason, "--recipient", "Kejaksaan Negeri Semarang", "--json",
    )  # fmt: skip
    assert result.code == 0, result.err
    return out


def verified(result: CliResult) -> dict[str, Any]:
    assert result.code == 0, result.out + result.err
    doc: dict[str, Any] = json.loads(result.out)
    assert doc["ok"] is True and doc["problems"] == []
    return doc


def kinds(result: CliResult) -> set[str]:
    assert result.code == 1, (result.code, result.out, result.err)
    doc = json.loads(result.out)
    assert doc["ok"] is False and all(p["detail"] for p in doc["problems"])
    return {p["kind"] for p in doc["problems"]}


def alter_gen_time(name: str, data: bytes) -> bytes:
    """The year of the token's genTime, inside the TSTInfo the TSA signed, changed."""
    if name != TOKEN:
        return data
    at = data.index(b"\x18\x0f") + 2
    return data[:at] + b"1999" + data[at + 4 :]


def alter_signature(name: str, data: bytes) -> bytes:
    """A bit of the TSA's signature (the token's last bytes), flipped."""
    return data[:-3] + bytes([data[-3] ^ 0x01]) + data[-2:] if name == TOKEN else data


@STORES
def test_a_timestamped_checkpoint_travels_in_the_package_and_is_checked_offline(
    cli: Any,
    clip: dict[str, Any],
    tsa: LocalTsa,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    store_kind: str,
    object_kind: str,
) -> None:
    monkeypatch.setenv("SAKSI_TSA_URL", tsa.url)
    monkeypatch.setenv("SAKSI_TSA_CA", str(tsa.ca))
    # The checkpoint is sealed and timestamped; its token is shown with it.
    sealed = cli("audit", "checkpoint", "--json")
    assert sealed.code == 0, sealed.err
    stamp = json.loads(sealed.out)["timestamp"]
    assert stamp["status"] == "stamped" and stamp["gen_time"] and stamp["token"]
    key = cli("audit", "key").out.strip()

    # The export seals again (its own events) and packages that checkpoint's token.
    package = export(cli, tmp_path / "p.zip")
    files = members(package)
    assert files[TOKEN][:1] == b"\x30" and b"BEGIN CERTIFICATE" in files[CERTS]
    manifest = json.loads(files["manifest.json"])
    gen_time = manifest["checkpoint"]["timestamp"]["gen_time"]
    assert manifest["checkpoint"]["timestamp"]["token"] == TOKEN

    # `saksi verify` checks the token offline and reports when the TSA saw the checkpoint.
    doc = verified(cli("verify", str(package), "--key", key, "--tsa-ca", str(tsa.ca), "--json"))
    assert doc["timestamp"]["gen_time"] == gen_time and doc["timestamp"]["ca_checked"] is True
    assert doc["timestamp"]["tsa"] == "CN=tsa"
    human = cli("verify", str(package), "--key", key)
    assert human.code == 0 and f"existed by {gen_time}" in human.out
    assert "--tsa-ca" in human.out  # without the CA, it says how to tie the TSA down

    # The packaged verifier, alone (Python and cryptography), checks it too.
    script = tmp_path / "verify_package.py"
    script.write_bytes(files["verify_package.py"])
    run = [sys.executable, "-I", str(script), str(package), "--key", key, "--json"]
    done = subprocess.run([*run, "--tsa-ca", str(tsa.ca)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert json.loads(done.stdout)["timestamp"]["gen_time"] == gen_time

    # A tampered token, as it is and with the manifest's list made to match.
    altered = rewrite(package, tmp_path / "a.zip", alter_gen_time)
    assert kinds(cli("verify", str(altered), "--key", key, "--json")) == {
        "file_hash",
        "timestamp_signature",
    }
    relisted = rewrite(package, tmp_path / "b.zip", alter_gen_time, relist=True)
    assert kinds(cli("verify", str(relisted), "--key", key, "--json")) == {
        "manifest_signature",
        "timestamp_signature",
    }
    # A wrong signature.
    forged = rewrite(package, tmp_path / "c.zip", alter_signature, relist=True)
    assert "timestamp_signature" in kinds(cli("verify", str(forged), "--key", key, "--json"))
    # A genuine token of another checkpoint (a second export's), put in this package.
    other = members(export(cli, tmp_path / "q.zip", "a copy for the defence"))[TOKEN]
    assert other != files[TOKEN]
    swapped = rewrite(package, tmp_path / "d.zip", lambda n, d: other if n == TOKEN else d)
    assert kinds(cli("verify", str(swapped), "--key", key, "--json")) == {
        "file_hash",
        "timestamp_imprint",
    }
    # A TSA the court does not trust.
    strange = cli("verify", str(package), "--tsa-ca", str(tsa.folder / "other-root.pem"), "--json")
    assert kinds(strange) == {"timestamp_certificate"}
    done = subprocess.run([*run[:3], str(relisted), *run[4:]], capture_output=True, text=True)
    assert done.returncode == 1 and "timestamp_signature" in done.stdout

    # `audit verify` checks every stored token.
    audited = cli("audit", "verify", "--json")
    assert audited.code == 0, audited.out
    stamps = json.loads(audited.out)["timestamps"]
    assert stamps["configured"] and stamps["stamped"] >= 3 and stamps["missing"] == []


@STORES
def test_a_tsa_that_is_down_never_stops_sealing_or_export_and_the_gap_is_reported(
    cli: Any,
    clip: dict[str, Any],
    tsa: LocalTsa,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    tmp_path: Path,
    store_kind: str,
    object_kind: str,
) -> None:
    monkeypatch.setenv("SAKSI_TSA_URL", f"http://127.0.0.1:{free_port()}/tsa")  # nobody there
    with caplog.at_level(logging.WARNING, logger="saksi.timestamps"):
        sealed = cli("audit", "checkpoint", "--json")
    assert sealed.code == 0, sealed.err
    doc = json.loads(sealed.out)
    assert doc["size"] > 0 and doc["timestamp"]["status"] == "missing"
    assert "unreachable" in doc["timestamp"]["error"]
    assert f"checkpoint #1 (size {doc['size']}) is not timestamped" in caplog.text

    # Export still works; its package says it carries no timestamp and verifies.
    package = export(cli, tmp_path / "p.zip")
    assert TOKEN not in members(package)
    key = cli("audit", "key").out.strip()
    assert verified(cli("verify", str(package), "--key", key, "--json"))["timestamp"] is None
    assert "no trusted timestamp" in cli("verify", str(package), "--key", key).out
    # A court that requires a timestamp says so.
    assert kinds(cli("verify", str(package), "--tsa-ca", str(tsa.ca), "--json")) == {"timestamp"}

    # `audit verify` is not failed by the gap, but names every checkpoint still waiting.
    audited = cli("audit", "verify", "--json")
    assert audited.code == 0, audited.out
    missing = json.loads(audited.out)["timestamps"]["missing"]
    assert len(missing) == 2 and all("unreachable" in m["error"] for m in missing)
    human = cli("audit", "verify")
    assert human.code == 0 and human.out.count("not yet timestamped") == 2

    # The TSA is back: the next seal stamps the newest checkpoint, then the one that waited.
    monkeypatch.setenv("SAKSI_TSA_URL", tsa.url)
    monkeypatch.setenv("SAKSI_TSA_CA", str(tsa.ca))
    assert json.loads(cli("audit", "checkpoint", "--json").out)["timestamp"]["status"] == "stamped"
    stamps = json.loads(cli("audit", "verify", "--json").out)["timestamps"]
    assert stamps["missing"] == [] and stamps["stamped"] == 2


@STORES
def test_the_api_shows_a_checkpoints_timestamp_and_the_audit_of_all_of_them(
    api: Api, tsa: LocalTsa, store_kind: str, object_kind: str
) -> None:
    svc = api.archive.svc
    svc.settings = svc.settings.model_copy(update={"tsa_url": tsa.url, "tsa_ca": tsa.ca})
    sealed = api.post("/api/audit/checkpoint", "sari")
    assert sealed.status_code == 200, sealed.text
    stamp = sealed.json()["timestamp"]
    assert stamp["status"] == "stamped" and stamp["gen_time"] and stamp["serial"]
    latest = api.get("/api/audit/checkpoint", "sari").json()
    assert latest["timestamp"] == stamp
    audited = api.get("/api/audit/verify", "sari").json()
    assert audited["ok"] and audited["timestamps"]["stamped"] == 1
    assert api.get("/api/audit/checkpoint", "budi").status_code == 403

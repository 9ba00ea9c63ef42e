"""Two witnesses on loopback cosign the archive's checkpoints: packages carry the cosignatures,
`saksi verify --min-witnesses` needs them, and the insider attack of issue 22 (a custody event
rewritten with the archive's own key, the tree rebuilt and every checkpoint re-signed) is
refused by both witnesses, reported by the archive, and fails a witnessed verification."""

from __future__ import annotations

import logging
import subprocess
import sys
import uuid
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from api.witness.state import WitnessState
from archive.audit import ledger_status
from archive.sealing import seal as sealing
from domain.base import Context
from domain.clip import Clip
from tests.conftest import Archive
from tests.e2e.conftest import Api, one_error_line
from tests.support import flows, tamper
from tests.support.witness import WitnessProcess, witnesses_file


@dataclass
class Witnessed:
    archive: Archive
    witnesses: list[WitnessProcess]
    key: str  # the archive's verifier key

    @property
    def keys(self) -> list[str]:
        return [w.key for w in self.witnesses]


@pytest.fixture
def witnessed(
    archive: Archive, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Witnessed]:
    svc = archive.svc
    key = sealing.key_string(svc)
    accept = [f"{svc.settings.origin}={key}"]
    witnesses = [
        WitnessProcess(f"{n}.example/witness", tmp_path / n, accept).launch()
        for n in ("kejaksaan", "pengadilan")
    ]
    for w in witnesses:
        w.ready()
    path = witnesses_file(tmp_path / "witnesses.txt", witnesses)
    svc.settings = svc.settings.model_copy(update={"witnesses": path})
    monkeypatch.setenv("SAKSI_WITNESSES", str(path))
    yield Witnessed(archive, witnesses, key)
    for w in witnesses:
        w.stop()


def export(cli, clip_id: str, out: Path) -> Path:  # type: ignore[no-untyped-def]
    result = cli(
        "export", "--clip", clip_id, "--out", str(out), "--actor", "budi",
        "--reason", "for the prosecutor", "--recipient", "Kejaksaan Negeri Semarang",
    )  # fmt: skip
    assert result.code == 0, result.err
    return out


def witness_args(keys: list[str], minimum: int) -> list[str]:
    return [a for k in keys for a in ("--witness", k)] + ["--min-witnesses", str(minimum)]


def test_a_package_cosigned_by_two_witnesses_verifies_with_min_witnesses_2(  # type: ignore[no-untyped-def]
    witnessed: Witnessed, cli, footage: Path, tmp_path: Path
) -> None:
    clip = flows.clip_in_case(witnessed.archive.svc, footage)
    package = export(cli, clip["clip_id"], tmp_path / "p.zip")
    args = ["--key", witnessed.key, *witness_args(witnessed.keys, 2), "--json"]
    result = cli("verify", str(package), *args)
    assert result.code == 0, result.out
    doc = result.json()
    assert doc["ok"] and len(doc["witnesses"]) == 2
    # The one-file verifier a court runs says the same.
    with zipfile.ZipFile(package) as z:
        (tmp_path / "verify_package.py").write_bytes(z.read("verify_package.py"))
    court = subprocess.run(
        [sys.executable, str(tmp_path / "verify_package.py"), str(package), *args],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert court.returncode == 0, court.stdout + court.stderr
    # A witness the checkpoint was not shown to does not count.
    stranger = WitnessProcess("stranger.example/w", tmp_path / "stranger", []).key
    result = cli("verify", str(package), *witness_args([witnessed.keys[0], stranger], 2))
    assert result.code == 1 and "witness:" in result.out
    # `audit key` hands out the witness set with the archive's key.
    lines = cli("audit", "key").out.splitlines()
    assert lines[0] == witnessed.key
    assert lines[1:] == [
        f"witness {w.name.split('/')[0]} {w.url} {w.key}" for w in witnessed.witnesses
    ]
    # Every stored cosignature checks out.
    audit = cli("audit", "verify", "--json")
    assert audit.code == 0, audit.out
    assert audit.json()["witnesses"]["cosignatures"] >= 2


def test_a_witness_that_is_down_never_blocks_sealing_and_is_asked_again(  # type: ignore[no-untyped-def]
    witnessed: Witnessed, cli, footage: Path, tmp_path: Path
) -> None:
    svc, down = witnessed.archive.svc, witnessed.witnesses[1]
    flows.clip_in_case(svc, footage)
    down.stop()
    cp = sealing.sealed(svc, Context("sari"))
    states = {w["name"]: w for w in cp["witnesses"]["witnesses"]}
    assert states["kejaksaan.example"]["cosigned_this_checkpoint"] is True
    assert states["pengadilan.example"]["status"] == "down"
    assert cli("audit", "verify").code == 0  # a missing cosignature is no tampering
    down.start()
    flows.camera(svc, "SMG-SS-0002")
    cp = sealing.sealed(svc, Context("sari"))
    assert all(w["cosigned_this_checkpoint"] for w in cp["witnesses"]["witnesses"])
    # Sealing again with nothing new asks nobody again: the note is the same, cosigned.
    again = sealing.sealed(svc, Context("sari"))
    assert again["note"] == cp["note"] and again["note"].count("\n— ") == 3


def test_the_insider_rewrite_is_refused_by_both_witnesses_and_fails_witnessed_verification(  # type: ignore[no-untyped-def]
    witnessed: Witnessed, cli, footage: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    svc = witnessed.archive.svc
    clip_id = flows.clip_in_case(svc, footage)["clip_id"]
    oid = uuid.UUID(clip_id)
    svc.events.update(
        Clip, oid, lambda c: c.record_download("copy for a journalist", Context("budi"))
    )
    assert cli("audit", "checkpoint").code == 0  # both witnesses cosign the true history
    version = next(r["v"] for r in flows.stream(svc, oid) if r["topic"].endswith("ClipDownloaded"))
    # The insider: the reason rewritten, the chain, leaves and nodes recomputed, every
    # checkpoint re-signed with the archive's own key, the stale cosignatures dropped.
    tamper.rewrite_event(svc, oid, version, b"copy for a journalist", b"review for case INC-1")
    assert cli("audit", "verify").code == 0  # nothing inside the archive can tell
    # The next seal (here an export's) is shown to the witnesses: both refuse it...
    with caplog.at_level(logging.ERROR, logger="saksi.witnesses"):
        package = export(cli, clip_id, tmp_path / "after.zip")
    assert caplog.text.count("ALARM") == 2
    for w in witnessed.witnesses:
        state = WitnessState(w.state)
        try:
            assert [r.kind for r in state.refusals()] == ["inconsistent"]
        finally:
            state.close()
        assert "FORK" in w.output()  # each witness logs it as an error too
    # ...and the archive reports it: audit verify, the audit page.
    audit = cli("audit", "verify", "--json")
    assert audit.code == 1
    alarms = [p for p in audit.json()["problems"] if p["kind"] == "witness"]
    assert len(alarms) == 2 and all("inconsistent" in p["detail"] for p in alarms)
    page = ledger_status.status(svc, Context("sari"))
    assert len(page["witnesses"]["alarms"]) == 2
    # The package from the rewritten log passes the archive's key alone (which is exactly why
    # witnesses matter), and fails once a witness must vouch for it.
    assert cli("verify", str(package), "--key", witnessed.key).code == 0
    result = cli(
        "verify", str(package), "--key", witnessed.key,
        *witness_args(witnessed.keys[:1], 1), "--json",
    )  # fmt: skip
    assert result.code == 1
    assert {p["kind"] for p in result.json()["problems"]} == {"witness"}


def test_bad_witness_configuration_is_one_error_line(  # type: ignore[no-untyped-def]
    archive: Archive, cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bad = tmp_path / "witnesses.txt"
    bad.write_text("kejaksaan http://127.0.0.1:9 not-a-key\n")
    monkeypatch.setenv("SAKSI_WITNESSES", str(bad))
    assert "line 1" in one_error_line(cli("audit", "key"))
    monkeypatch.delenv("SAKSI_WITNESSES")
    key_file = str(tmp_path / "w.key")
    assert "--log" in one_error_line(
        cli("witness", "serve", "--key", key_file, "--name", "w.example/1", "--state",
            f"sqlite:///{tmp_path}/s.sqlite", "--log", "no-key-here")
    )  # fmt: skip
    made = cli("witness", "key", "--key", key_file, "--name", "w.example/1")
    assert made.code == 0 and made.out.startswith("w.example/1+")
    assert "--state" in one_error_line(
        cli("witness", "serve", "--key", key_file, "--name", "w.example/1", "--state",
            "mysql://nope", "--log", f"o={witnessed_key(archive)}")
    )  # fmt: skip
    witness = WitnessProcess("stranger.example/w", tmp_path / "stranger", [])
    (tmp_path / "p.zip").write_bytes(b"")
    too_many = cli("verify", str(tmp_path / "p.zip"), *witness_args([witness.key], 2))
    assert "--min-witnesses 2" in one_error_line(too_many)


def witnessed_key(archive: Archive) -> str:
    return sealing.key_string(archive.svc)


def test_a_mirror_requires_the_witnesses_cosignatures(  # type: ignore[no-untyped-def]
    witnessed: Witnessed, server: Api, cli, footage: Path, tmp_path: Path
) -> None:
    flows.clip_in_case(witnessed.archive.svc, footage)
    assert cli("audit", "checkpoint").code == 0
    url, token = str(server.client.base_url), witnessed.archive.tokens["sari"]
    base = ["audit", "mirror", url, str(tmp_path / "m"), "--key", witnessed.key, "--token", token]
    stranger = WitnessProcess("stranger.example/w", tmp_path / "stranger", []).key
    refused = cli(*base, *witness_args([stranger], 1))
    assert refused.code == 1 and "witness" in refused.err
    assert not (tmp_path / "m" / "state.json").exists()  # nothing written
    made = cli(*base, *witness_args(witnessed.keys, 2), "--json")
    assert made.code == 0, made.err
    assert len(made.json()["witnesses"]) == 2

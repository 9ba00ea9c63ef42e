"""Fixtures of the end-to-end tests: an archive set up through the command line."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import CliResult


@pytest.fixture
def admin_token(cli) -> str:
    result = cli("init", "--admin", "ana", "--json")
    assert result.code == 0, result.err
    doc = result.json()
    assert set(doc) >= {"admin", "token"} and doc["admin"] == "ana"
    assert doc["token"].startswith("sks_")
    return str(doc["token"])


@pytest.fixture
def people(cli, admin_token: str) -> None:
    for name, role in (("budi", "investigator"), ("dodi", "operator"), ("sari", "auditor")):
        result = cli("user", "add", name, "--role", role, "--actor", "ana", "--json")
        assert result.code == 0, result.err
        assert result.json()["name"] == name and result.json()["role"] == role
        assert result.json()["token"].startswith("sks_")


@pytest.fixture
def clip(cli, people: None, footage: Path) -> dict:
    assert (
        cli(
            "camera",
            "add",
            "SMG-SS-0001",
            "--name",
            "Simpang Lima",
            "--owner",
            "public",
            "--district",
            "Semarang Selatan",
            "--rt",
            "001",
            "--lat",
            "-6.9903",
            "--lon",
            "110.4229",
            "--actor",
            "dodi",
        ).code
        == 0
    )
    assert (
        cli(
            "case",
            "open",
            "R-1",
            "--kind",
            "report",
            "--title",
            "112 call",
            "--actor",
            "budi",
            "--member",
            "dodi",
        ).code
        == 0
    )
    result = cli(
        "ingest",
        "--camera",
        "SMG-SS-0001",
        "--source",
        str(footage),
        "--actor",
        "budi",
        "--reason",
        "verify 112 report",
        "--case",
        "R-1",
        "--json",
    )
    assert result.code == 0, result.err
    return dict(result.json())


def one_error_line(result: CliResult, code: int = 2) -> str:
    assert result.code == code, (result.code, result.out, result.err)
    lines = result.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.err
    assert result.out == ""
    return lines[0]

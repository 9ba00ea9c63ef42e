"""Footage requests on the command line: owners and their private cameras, `request send`,
`approve --source` (delivered at once), `decline`, `list` and `show`, scoped by role."""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import one_error_line
from tests.e2e.test_footage_requests import ASK, BACKENDS, CASE


def add_camera(cli: Any, camera_id: str, owner: str, *more: str) -> Any:
    return cli(
        "camera", "add", camera_id, "--name", "Toko Makmur", "--owner", owner,
        "--district", "Semarang Tengah", *more, "--actor", "dodi",
    )  # fmt: skip


def ok(result: Any) -> dict[str, Any]:
    assert result.code == 0, result.err
    return dict(result.json())


@pytest.fixture
def private_camera(cli: Any, people: None) -> None:
    ok(cli("user", "add", "pak.agus", "--role", "owner", "--actor", "ana", "--json"))
    ok(add_camera(cli, "SMG-PV-0001", "private", "--owner-user", "pak.agus", "--json"))
    ok(cli("case", "open", CASE, "--kind", "incident", "--title", "Fight", "--actor", "budi",
           "--json"))  # fmt: skip


def send(cli: Any, actor: str = "budi") -> Any:
    return cli(
        "request", "send", "--camera", ASK["camera_id"], "--start", ASK["start"],
        "--end", ASK["end"], "--case", CASE, "--actor", actor, "--reason", ASK["reason"], "--json",
    )  # fmt: skip


@BACKENDS
def test_an_owner_approves_on_the_command_line_and_the_recording_joins_the_case(
    cli: Any,
    private_camera: None,
    footage: Path,
    tmp_path: Path,
    store_kind: str,
    object_kind: str,
) -> None:
    request = ok(send(cli))
    rid = request["request_id"]
    assert (request["status"], request["owner_user"]) == ("sent", "pak.agus")
    listed = ok(cli("request", "list", "--actor", "pak.agus", "--json"))["requests"]
    assert [r["request_id"] for r in listed] == [rid]
    done = ok(
        cli("request", "approve", rid, "--source", str(footage), "--actor", "pak.agus", "--json")
    )
    sha = hashlib.sha256(footage.read_bytes()).hexdigest()
    assert (done["status"], done["sha256"], done["clip"]["case_ids"]) == ("fulfilled", sha, [CASE])
    assert ok(cli("case", "show", CASE, "--json"))["clip_ids"] == [done["clip_id"]]
    shown = ok(cli("request", "show", rid, "--actor", "budi", "--json"))
    assert [e["type"] for e in shown["events"]] == ["Sent", "Approved", "Fulfilled"]
    assert {e["channel"] for e in shown["events"]} == {"cli"}
    trail = ok(cli("audit", "trail", done["clip_id"], "--json"))
    assert trail["events"][0]["type"] == "ClipIngested"
    assert "AttachedToCase" in [e["type"] for e in trail["events"]]
    assert trail["events"][0]["actor"] == "pak.agus"
    # Delivered once: neither another delivery nor a decline is taken.
    again = cli("request", "approve", rid, "--source", str(footage), "--actor", "pak.agus")
    assert "already fulfilled" in one_error_line(again)
    late = cli("request", "decline", rid, "--actor", "pak.agus", "--reason", "changed my mind")
    one_error_line(late)
    assert ok(cli("audit", "verify", "--json"))["ok"] is True
    # The case's evidence package carries the request's steps and verifies offline.
    package = tmp_path / "case.zip"
    ok(cli("export", "--case", CASE, "--out", str(package), "--actor", "budi", "--reason",
           "hand-over", "--recipient", "Kejaksaan Negeri Semarang", "--json"))  # fmt: skip
    assert ok(cli("verify", str(package), "--json"))["ok"] is True
    with zipfile.ZipFile(package) as z:
        case_custody = z.read("custody/case.json").decode()
    assert "FootageRequested" in case_custody and "FootageRequestAnswered" in case_custody


@BACKENDS
def test_a_decline_on_the_command_line_records_its_reason(
    cli: Any, private_camera: None, store_kind: str, object_kind: str
) -> None:
    rid = ok(send(cli))["request_id"]
    no_reason = cli("request", "decline", rid, "--actor", "pak.agus", "--reason", " ")
    assert "reason" in one_error_line(no_reason)
    declined = ok(
        cli("request", "decline", rid, "--actor", "pak.agus", "--reason", "recorder broken",
            "--json")
    )  # fmt: skip
    assert (declined["status"], declined["decline_reason"]) == ("declined", "recorder broken")
    listed = ok(cli("request", "list", "--actor", "budi", "--status", "declined", "--json"))
    assert [r["request_id"] for r in listed["requests"]] == [rid]
    # Someone else may not answer it, nor read it: exit 2, and the refusal is recorded.
    assert "refused" in one_error_line(cli("request", "show", rid, "--actor", "dodi"))
    assert "role" in one_error_line(
        cli("request", "decline", rid, "--actor", "budi", "--reason", "x")
    )


def test_a_camera_owner_user_must_be_an_owner_of_a_private_camera(
    cli: Any, private_camera: None
) -> None:
    not_owner = add_camera(cli, "SMG-PV-0002", "private", "--owner-user", "budi")
    assert "needs role owner" in one_error_line(not_owner)
    public = add_camera(cli, "SMG-PB-0001", "public", "--owner-user", "pak.agus")
    assert "only a private camera" in one_error_line(public)
    nobody = add_camera(cli, "SMG-PV-0003", "private", "--owner-user", "nobody")
    assert "no user nobody" in one_error_line(nobody)
    assert ok(add_camera(cli, "SMG-PV-0004", "private", "--json"))["owner_user"] is None
    # An owner lists only their own cameras; without --actor, the registry is listed whole.
    mine = ok(cli("camera", "list", "--actor", "pak.agus", "--json"))["cameras"]
    assert [c["camera_id"] for c in mine] == ["SMG-PV-0001"]
    assert len(ok(cli("camera", "list", "--json"))["cameras"]) == 2
    # ... and is refused anything else.
    refused = cli("ingest", "--camera", "SMG-PV-0001", "--source", "x.mp4", "--actor",
                  "pak.agus", "--reason", "r")  # fmt: skip
    assert "role owner may not clip.ingest" in one_error_line(refused)

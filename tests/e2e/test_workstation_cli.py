"""Issue 21: `saksi --server URL` (SAKSI_SERVER) runs a user's commands through the HTTP API
with the local mode's output, --json shapes and exit codes. The README's walk-through runs
twice, as written: on the archive host (local mode) and from a workstation against a live
server; each line's exit code, --json keys and human output (ids and hashes aside) agree."""

from __future__ import annotations

import io
import json
import os
import re
import shlex
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, redirect_stderr, redirect_stdout
from pathlib import Path

import pytest

from api.http import create_app
from api.http.limits import HttpLimits
from archive.bootstrap import bootstrap
from archive.settings import Settings
from tests.e2e.conftest import serving
from tests.e2e.test_readme import walkthrough
from tests.support import cli_tokens

HOST_ONLY = ("saksi init",)  # bootstrap runs on the archive host in both modes
_VARYING = [
    (re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"), "<id>"),
    (re.compile(r"sks_[A-Za-z0-9_-]+"), "<token>"),
    (re.compile(r"\b[0-9a-f]{64}\b"), "<sha256>"),
    (re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?[+-]\d\d:\d\d"), "<time>"),
    (re.compile(r"\b\d+ bytes\b"), "<n> bytes"),  # packages differ by their ids and times
    (re.compile(r"\+[0-9a-f]{8}(\+[A-Za-z0-9+/=]+)?"), "+<key>"),  # each archive its own key
]


def normal(text: str) -> str:
    for pattern, shown in _VARYING:
        text = pattern.sub(shown, text)
    return text


def shape(doc: object) -> object:
    """The keys of a JSON document, recursively (values differ between two archives)."""
    if isinstance(doc, dict):
        return {k: shape(v) for k, v in doc.items()}
    if isinstance(doc, list):
        return [shape(doc[0])] if doc else []
    return type(doc).__name__


@contextmanager
def served(home: Path) -> Iterator[str]:
    """`saksi serve` of the archive at HOME on a free loopback port: its URL."""
    svc = bootstrap(Settings.from_env({"SAKSI_HOME": str(home), "SAKSI_CHROMIUM": "none"}))
    try:
        with serving(create_app(svc, HttpLimits()), svc) as url:
            yield url
    finally:
        svc.close()


def saksi(
    args: list[str], env: dict[str, str], folder: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[int, str, str]:
    """`saksi ARGS` in this process (quicker than a new one) with exactly ENV's SAKSI_*."""
    from api.cli import main

    for name in [k for k in os.environ if k.startswith("SAKSI_")]:
        monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.chdir(folder)
    monkeypatch.setattr("sys.argv", ["saksi", *args])
    out, err, code = io.StringIO(), io.StringIO(), 0
    with redirect_stdout(out), redirect_stderr(err):
        try:
            main()
        except SystemExit as e:
            code = int(e.code or 0)
    return code, out.getvalue(), err.getvalue()


def run_walkthrough(
    folder: Path, footage: Path, remote: bool, monkeypatch: pytest.MonkeyPatch
) -> list[tuple[str, int, str]]:
    """Each line's (command, exit code, stdout); from a workstation when `remote`."""
    folder.mkdir()
    (folder / "recording.mp4").write_bytes(footage.read_bytes())
    home = {"SAKSI_HOME": str(folder / "archive"), "SAKSI_CHROMIUM": "none"}
    tokens, clip_id, outcomes = cli_tokens.Tokens(), None, []
    with ExitStack() as stack:
        url = None
        for written, comment in walkthrough():
            if written.startswith("export "):
                continue
            line = written.replace("CLIP_ID", str(clip_id))
            args = shlex.split(line)[1:]
            env = dict(home)
            if remote and not line.startswith(HOST_ONLY):
                # A workstation: no archive here, only the server and the user's own token
                # (the admin's for lines that name nobody).
                url = url or stack.enter_context(served(folder / "archive"))
                env = {"SAKSI_SERVER": url, "SAKSI_CHROMIUM": "none"}
                env["SAKSI_TOKEN"] = tokens.for_args(args) or tokens.known["ana"]
            elif token := tokens.for_args(args):
                env["SAKSI_TOKEN"] = token
            if "$(saksi audit key)" in args:  # the shell's command substitution, done here
                _, key, _ = saksi(["audit", "key"], env, folder, monkeypatch)
                args = [key.strip() if a == "$(saksi audit key)" else a for a in args]
            code, out, err = saksi(args, env, folder, monkeypatch)
            expected = 2 if "exit 2" in comment else 0
            assert code == expected, f"{url or 'local'}: {line}\n{err}"
            tokens.remember(tuple(args), out)
            if line.startswith("saksi ingest"):
                clip_id = json.loads(out)["clip_id"]
            outcomes.append((written, code, out.replace(str(folder), "<folder>")))
    assert not (folder / "saksi-data").exists()  # the workstation kept no archive of its own
    return outcomes


def test_the_readme_walkthrough_gives_the_same_answers_from_a_workstation(
    tmp_path: Path, footage: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    local = run_walkthrough(tmp_path / "host", footage, False, monkeypatch)
    remote = run_walkthrough(tmp_path / "workstation", footage, True, monkeypatch)
    assert [line for line, _, _ in local] == [line for line, _, _ in remote]
    for (line, code, here), (_, code_there, there) in zip(local, remote, strict=True):
        assert code == code_there, line
        if "--json" in line:
            # Only where the bytes lie in the server's object store stays on the server.
            mine = {k: v for k, v in json.loads(here).items() if k != "storage"}
            assert shape(mine) == shape(json.loads(there)), line
        else:
            assert normal(here) == normal(there), line


def test_a_workstation_gets_the_local_exit_codes_for_bad_tokens_and_an_absent_server(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = {"SAKSI_HOME": str(tmp_path / "archive")}
    code, out, _ = saksi(["init", "--admin", "ana", "--json"], home, tmp_path, monkeypatch)
    token = json.loads(out)["token"]
    with served(tmp_path / "archive") as url:
        # `--server URL` as well as SAKSI_SERVER; the admin may list clips.
        admin = {"SAKSI_TOKEN": token}
        ok = saksi(["--server", url, "clip", "list", "--json"], admin, tmp_path, monkeypatch)
        assert ok == (0, '{\n  "clips": []\n}\n', "")
        listed = saksi(["--server", url, "request", "list", "--json"], admin, tmp_path, monkeypatch)
        assert listed == (0, '{\n  "requests": []\n}\n', "")
        for bad in ({"SAKSI_TOKEN": "sks_" + "x" * 43}, {}):  # wrong, missing: exit 2
            code, out, err = saksi(["--server", url, "clip", "list"], bad, tmp_path, monkeypatch)
            assert (code, out) == (2, "") and err.startswith("error: ") and "token" in err, err
        # A host-only command is refused from a workstation rather than run on a stray archive.
        workstation = {"SAKSI_SERVER": url, "SAKSI_TOKEN": token}
        closing = ["case", "close", "R-1", "--reason", "x"]
        code, _, err = saksi(closing, workstation, tmp_path, monkeypatch)
        assert code == 2 and "archive host" in err, err
    code, out, err = saksi(["clip", "list"], workstation, tmp_path, monkeypatch)
    assert (code, out) == (3, "") and "cannot reach the server" in err, err  # it has stopped
    assert not (tmp_path / "saksi-data").exists()

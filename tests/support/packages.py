"""Evidence packages for tests: made through the use case, then taken apart and altered."""

from __future__ import annotations

import hashlib
import io
import json
import sys
import warnings
import zipfile
from collections.abc import Callable
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from typing import Any
from unittest import mock
from uuid import UUID

from archive.bootstrap import Services
from domain.base import Context
from domain.clip import Clip
from tests.conftest import CliResult

Change = Callable[[str, bytes], bytes | None]  # (member name, bytes) -> new bytes, or None: drop


def members(package: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(package) as zf:
        return {i.filename: zf.read(i) for i in zf.infolist()}


def rewrite(
    package: Path,
    out: Path,
    change: Change | None = None,
    *,
    extra: list[tuple[str, bytes]] = (),  # type: ignore[assignment]
    relist: bool = False,
) -> Path:
    """A copy of `package` with members changed, dropped or added. `relist`: the manifest's
    file list is brought in line with the changed files (as a forger without the archive's
    key would do), so the checks behind the list must catch the change on their own."""
    files = {}
    for name, data in members(package).items():
        new = change(name, data) if change else data
        if new is not None:
            files[name] = new
    if relist and "manifest.json" in files:
        doc = json.loads(files["manifest.json"])
        for entry in doc["files"]:
            if entry["path"] in files:
                entry["sha256"] = hashlib.sha256(files[entry["path"]]).hexdigest()
                entry["size_bytes"] = len(files[entry["path"]])
        files["manifest.json"] = json.dumps(doc, indent=2).encode()
    with zipfile.ZipFile(out, "w") as zf, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a duplicate name is what some tests want
        for name, data in [*files.items(), *extra]:
            zf.writestr(zipfile.ZipInfo(name), data)
    return out


def custody(doc_bytes: bytes, edit: Callable[[dict[str, Any]], None]) -> bytes:
    doc = json.loads(doc_bytes)
    edit(doc)
    return json.dumps(doc, indent=2).encode()


def clip_member(package: Path) -> str:
    return next(n for n in members(package) if n.startswith("clips/"))


def clip_custody_member(package: Path) -> str:
    return next(n for n in members(package) if n.startswith("custody/clip-"))


def view(svc: Services, clip_id: str, actor: str, reason: str) -> None:
    svc.events.update(Clip, UUID(clip_id), lambda c: c.record_view(reason, Context(actor)))


def saksi(*args: str) -> CliResult:
    """`saksi ARGS` in-process, with whatever SAKSI_* the environment holds."""
    from api.cli import main

    out, err = io.StringIO(), io.StringIO()
    code = 0
    with (
        mock.patch.object(sys, "argv", ["saksi", *args]),
        redirect_stdout(out),
        redirect_stderr(err),
    ):
        try:
            main()
        except SystemExit as e:
            code = int(e.code or 0)
    return CliResult(code, out.getvalue(), err.getvalue())

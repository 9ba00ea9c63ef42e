"""Evidence packages for tests: made through the use case, then taken apart and altered."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import sys
import warnings
import zipfile
from collections.abc import Callable
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from unittest import mock
from uuid import UUID

from archive.services import Services
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


# --- the alterations the verifier must catch ----------------------------------------------


def flip_clip(package: Path) -> Change:
    """One bit of the middle byte of the (first) clip."""
    target = clip_member(package)

    def change(name: str, data: bytes) -> bytes:
        if name != target:
            return data
        middle = len(data) // 2
        return data[:middle] + bytes([data[middle] ^ 0x01]) + data[middle + 1 :]

    return change


def edit_manifest(name: str, data: bytes) -> bytes:
    """The recipient, changed in the manifest only."""
    if name != "manifest.json":
        return data
    doc = json.loads(data)
    doc["recipient"] += " (and the defence)"
    return json.dumps(doc, indent=2).encode()


def remove_event(package: Path, index: int) -> Change:
    target = clip_custody_member(package)

    def change(name: str, data: bytes) -> bytes:
        return custody(data, lambda doc: doc["events"].pop(index)) if name == target else data

    return change


def swap_proofs(package: Path) -> Change:
    """The inclusion proofs of a clip's second and third events, exchanged."""
    target = clip_custody_member(package)

    def swap(doc: dict[str, Any]) -> None:
        a, b = doc["events"][1], doc["events"][2]
        a["inclusion_proof"], b["inclusion_proof"] = b["inclusion_proof"], a["inclusion_proof"]

    return lambda name, data: custody(data, swap) if name == target else data


def forge_signature(name: str, data: bytes) -> bytes:
    """A byte of the checkpoint's Ed25519 signature, changed."""
    if name != "checkpoint.note":
        return data
    body, _, line = data.decode().rstrip("\n").rpartition("\n")
    prefix, _, b64 = line.rpartition(" ")
    blob = bytearray(base64.b64decode(b64))
    blob[10] ^= 0xFF
    return f"{body}\n{prefix} {base64.b64encode(bytes(blob)).decode()}\n".encode()


def strip_signature(name: str, data: bytes) -> bytes:
    """The checkpoint without its signature line."""
    if name != "checkpoint.note":
        return data
    return data.decode().partition("\n\n")[0].encode() + b"\n"


@dataclass(frozen=True)
class Mutation:
    name: str
    make: Callable[[Path, Path], Path]  # (package, where to write) -> the altered package
    kinds: frozenset[str]  # problem kinds `verify` must name
    foreign_key: bool = False  # verify with another archive's key instead


def _noise(_: Path, out: Path) -> Path:
    out.write_bytes(bytes(range(256)) * 40)
    return out


MUTATIONS = [
    Mutation(
        "a flipped byte in a clip",
        lambda p, o: rewrite(p, o, flip_clip(p)),
        frozenset({"file_hash", "clip_hash"}),
    ),
    Mutation(
        "an edited manifest",
        lambda p, o: rewrite(p, o, edit_manifest),
        frozenset({"manifest_signature", "manifest"}),
    ),
    Mutation(
        "a removed custody event (manifest list fixed up)",
        lambda p, o: rewrite(p, o, remove_event(p, -1), relist=True),
        frozenset({"missing_event"}),
    ),
    Mutation(
        "a swapped proof (manifest list fixed up)",
        lambda p, o: rewrite(p, o, swap_proofs(p), relist=True),
        frozenset({"inclusion"}),
    ),
    Mutation(
        "a forged signature",
        lambda p, o: rewrite(p, o, forge_signature, relist=True),
        frozenset({"signature"}),
    ),
    Mutation(
        "a missing signature",
        lambda p, o: rewrite(p, o, strip_signature, relist=True),
        frozenset({"signature"}),
    ),
    Mutation("a foreign key", lambda p, o: p, frozenset({"foreign_key"}), foreign_key=True),
    Mutation("not a package", _noise, frozenset({"not_a_package"})),
    Mutation(
        "path traversal names",
        lambda p, o: rewrite(p, o, extra=[("../../escaped.txt", b"x"), ("/tmp/abs.txt", b"x")]),
        frozenset({"unsafe_name"}),
    ),
]

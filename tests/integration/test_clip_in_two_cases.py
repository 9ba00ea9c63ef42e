"""A clip in two cases: each case's members reach it through their own case, each case's
export carries it, and every package keeps verifying after the next export."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from archive.cases import cases
from archive.custody import content, retrieval
from archive.errors import Refused
from archive.export import export
from archive.sealing import seal as sealing
from domain.base import Context
from ledger.package.verify import verify_package
from tests.conftest import Archive
from tests.support import flows
from tests.support.packages import clip_custody_member, members
from tests.support.principals import HOST


def package(archive: Archive, out: Path, actor: str, **what: object) -> dict:
    return export.export_to_file(
        archive.svc, Context(actor), out=out, reason="court", recipient="PN Semarang", **what
    )


def test_a_clip_in_two_cases_is_reached_and_exported_through_either(
    archive: Archive, footage: Path, tmp_path: Path
) -> None:
    svc = archive.svc
    clip = flows.clip_in_case(svc, footage, "R-A")  # lead budi, member dodi
    cases.open_case(svc, Context("eko"), case_id="I-B", kind="incident", title="robbery",
                    members=["budi"])  # fmt: skip
    cases.attach(svc, Context("budi"), case_id="I-B", clip_id=clip["clip_id"], reason="same scene")
    assert retrieval.show_clip(svc, HOST, clip["clip_id"])["case_ids"] == ["R-A", "I-B"]
    assert [c["clip_id"] for c in retrieval.list_clips(svc, HOST, case_id="I-B")] == [
        clip["clip_id"]
    ]

    # eko is only in I-B, dodi only in R-A: both reach the clip.
    for who in ("eko", "dodi"):
        read = content.read_content(svc, Context(who), clip_id=clip["clip_id"], reason="review")
        assert b"".join(read.chunks) == footage.read_bytes()
    # A case's export is for that case's members.
    with pytest.raises(Refused):
        package(archive, tmp_path / "x.zip", "dodi", case_id="I-B")
    assert not (tmp_path / "x.zip").exists()

    key = sealing.key_string(svc)
    first = package(archive, tmp_path / "b.zip", "eko", case_id="I-B")
    second = package(archive, tmp_path / "a.zip", "dodi", clip_ids=[clip["clip_id"]])
    for made in (first, second):
        report = verify_package(Path(made["out"]), key)
        assert report.ok, report.problems
        assert report.clips == 1 and report.export_id == made["export_id"]
    # The later package's stream holds the earlier export, then its own.
    stream = json.loads(members(Path(second["out"]))[clip_custody_member(Path(second["out"]))])
    exports = [json.loads(base64.b64decode(e["state"]))["export_id"] for e in stream["events"]
               if e["topic"].endswith("ClipExported")]  # fmt: skip
    assert exports == [first["export_id"], second["export_id"]]

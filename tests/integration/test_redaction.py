"""Redacted copies: what the pixels and the sound become, what is recorded, what is refused.
Run on SQLite with the file store and on PostgreSQL with S3 (SeaweedFS)."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from archive.errors import InvalidInput, Refused
from archive.export import export
from archive.ingest import ingest
from archive.records import load_clip
from archive.redaction import redact as redactions
from archive.sealing import seal as sealing
from domain.base import Context, RuleBroken
from domain.redaction import Box
from ledger.package.verify import verify_package
from tests.conftest import Archive
from tests.support import flows
from tests.support import pixels as px

BACKENDS = pytest.mark.parametrize(
    ("store_kind", "object_kind"), [("sqlite", "file"), ("postgres", "s3")]
)
BUDI = Context("budi")
HIDDEN = (20, 30, 60, 40)  # blacked out from 1 s to 2 s
BLURRED = (200, 100, 80, 60)  # blurred for the whole clip
OUTSIDE = (100, 160, 80, 60)  # never touched


@pytest.fixture(scope="module")
def detailed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return px.detailed_footage(tmp_path_factory.mktemp("detail") / "detail.mp4")


@pytest.fixture
def original(archive: Archive, detailed: Path) -> dict[str, Any]:
    flows.camera(archive.svc)
    flows.case(archive.svc)
    return ingest.ingest_file(
        archive.svc, BUDI, camera_id="SMG-SS-0001", source=detailed, reason="112 report",
        case_id="R-2026-0001",
    )  # fmt: skip


def stored_bytes(archive: Archive, clip_id: str) -> bytes:
    clip = load_clip(archive.svc.events, clip_id)
    with archive.svc.objects.open(clip.storage["key"], clip.storage.get("version_id")) as f:
        return f.read()


def saved(archive: Archive, clip_id: str, where: Path) -> Path:
    where.write_bytes(stored_bytes(archive, clip_id))
    return where


@BACKENDS
def test_boxes_are_black_or_blurred_while_their_range_lasts_and_nothing_else_changes(
    archive: Archive, original: dict[str, Any], tmp_path: Path, store_kind: str, object_kind: str
) -> None:
    black = redactions.redact(
        archive.svc, BUDI, clip_id=original["clip_id"], boxes=[Box(*HIDDEN, 1.0, 2.0)],
        reason="release to the press", mode="black",
    )  # fmt: skip
    blurred = redactions.redact(
        archive.svc, BUDI, clip_id=original["clip_id"], boxes=[Box(*BLURRED)],
        reason="release to the press",
    )  # fmt: skip
    source = saved(archive, original["clip_id"], tmp_path / "original.mp4")
    black_copy = saved(archive, black["clip_id"], tmp_path / "black.mp4")
    blur_copy = saved(archive, blurred["clip_id"], tmp_path / "blur.mp4")

    for at in (0.4, 1.5, 2.6):
        before = px.frame(source, at)
        hidden = px.region(px.frame(black_copy, at), *HIDDEN)
        if at == 1.5:  # inside the range: black
            assert px.mean(hidden) < 8, at
        else:  # outside it: the original picture
            assert px.difference(hidden, px.region(before, *HIDDEN)) < 4, at
        # Blurred all along: the detail is gone (the variance falls by far more than 5x).
        smooth = px.region(px.frame(blur_copy, at), *BLURRED)
        assert px.variance(smooth) * 5 < px.variance(px.region(before, *BLURRED)), at
        # Elsewhere the copies keep the original's picture.
        for copy in (black_copy, blur_copy):
            kept = px.region(px.frame(copy, at), *OUTSIDE)
            assert px.difference(kept, px.region(before, *OUTSIDE)) < 4, (copy, at)


@BACKENDS
def test_the_copy_records_its_derivation_and_the_original_stays_byte_for_byte(
    archive: Archive, original: dict[str, Any], tmp_path: Path, store_kind: str, object_kind: str
) -> None:
    result = redactions.redact(
        archive.svc, BUDI, clip_id=original["clip_id"], boxes=[Box(*HIDDEN, 0.5, 1.25)],
        reason="release to the press", mute=True,
    )  # fmt: skip
    copy_bytes = stored_bytes(archive, result["clip_id"])
    assert hashlib.sha256(copy_bytes).hexdigest() == result["sha256"] != original["sha256"]
    assert result["source_sha256"] == original["sha256"]
    assert result["derived_from"] == original["clip_id"]
    assert result["case_ids"] == ["R-2026-0001"] and result["legal_hold"] is False
    assert result["ffmpeg"]["version"].startswith("ffmpeg version")
    args = result["ffmpeg"]["args"]
    assert args[args.index("-i") + 1] == "INPUT" and args[-1] == "OUTPUT"
    graph = args[args.index("-filter_complex") + 1]
    assert "boxblur" in graph and r"between(t\,0.5\,1.25)" in graph
    assert "0:a" not in " ".join(args)  # muted: no audio mapped

    # The original: untouched in the store, and its own trail names the copy.
    assert (
        hashlib.sha256(stored_bytes(archive, original["clip_id"])).hexdigest()
        == (original["sha256"])
    )
    [made] = [e for e in flows.custody(archive.svc, original["clip_id"]) if e["type"] ==
              "RedactedCopyMade"]  # fmt: skip
    assert made["redacted_clip_id"] == result["clip_id"] and made["sha256"] == result["sha256"]
    assert made["derivation"]["source_sha256"] == original["sha256"]
    assert made["derivation"]["ffmpeg"] == result["ffmpeg"]
    assert made["derivation"]["boxes"] == [{"x": 20, "y": 30, "w": 60, "h": 40, "start": 0.5,
                                            "end": 1.25}]  # fmt: skip
    assert (made["actor"], made["reason"], made["derivation"]["mute"]) == (
        "budi",
        "release to the press",
        True,
    )
    # The copy's own stream begins with its derivation, then joins the original's case.
    trail = flows.custody(archive.svc, result["clip_id"])
    assert [e["type"] for e in trail[:2]] == ["ClipIngested", "DerivativeAdded"]
    assert trail[0]["source"]["kind"] == "redaction"
    assert trail[0]["source"]["derived_from"] == original["clip_id"]
    assert "AttachedToCase" in [e["type"] for e in trail]

    # The sound: gone from the muted copy, kept in a copy made without --mute.
    copy = tmp_path / "copy.mp4"
    copy.write_bytes(copy_bytes)
    assert px.stream_kinds(copy) == ["video"]
    kept = redactions.redact(
        archive.svc, BUDI, clip_id=original["clip_id"], boxes=[Box(*HIDDEN)], reason="press"
    )
    assert px.stream_kinds(saved(archive, kept["clip_id"], tmp_path / "kept.mp4")) == [
        "video",
        "audio",
    ]


@pytest.mark.parametrize(
    ("box", "message"),
    [
        (Box(300, 10, 40, 40), "outside the clip's 320x240 picture"),
        (Box(10, 200, 40, 41), "outside the clip's 320x240 picture"),
        (Box(10, 10, 1, 40), "at least 2 pixels"),
        (Box(10, 10, 40, 40, 1.0, 9.0), "after the clip's end"),
        (Box(10, 10, 40, 40, 2.0, 1.0), "must start at 0 or later and end after"),
    ],
)
def test_a_box_outside_the_picture_or_the_clip_is_refused_and_leaves_nothing_behind(
    archive: Archive, original: dict[str, Any], box: Box, message: str
) -> None:
    before = flows.event_count(archive.svc), flows.object_files(archive.svc)
    with pytest.raises(RuleBroken, match=message):
        redactions.redact(
            archive.svc, BUDI, clip_id=original["clip_id"], boxes=[box], reason="press"
        )
    assert (flows.event_count(archive.svc), flows.object_files(archive.svc)) == before


def test_a_copy_cannot_be_redacted_again_and_outsiders_are_refused_on_the_trail(
    archive: Archive, original: dict[str, Any]
) -> None:
    copy = redactions.redact(
        archive.svc, BUDI, clip_id=original["clip_id"], boxes=[Box(*HIDDEN)], reason="press"
    )
    with pytest.raises(RuleBroken, match="itself a redacted copy"):
        redactions.redact(
            archive.svc, BUDI, clip_id=copy["clip_id"], boxes=[Box(*HIDDEN)], reason="again"
        )
    for who in ("eko", "sari"):  # an investigator outside the case; an auditor
        with pytest.raises(Refused):
            redactions.redact(
                archive.svc, Context(who), clip_id=original["clip_id"], boxes=[Box(*HIDDEN)],
                reason="curious",
            )  # fmt: skip
    denied = [
        (e["actor"], e["action"])
        for e in flows.custody(archive.svc, original["clip_id"])
        if e["type"] == "AccessDenied"
    ]
    assert denied == [("eko", "clip.redact"), ("sari", "content.read")]
    assert len(load_clip(archive.svc.events, original["clip_id"]).redactions) == 1


def test_a_copy_exported_on_its_own_carries_its_originals_custody_and_with_brings_the_original(
    archive: Archive, original: dict[str, Any], detailed: Path, tmp_path: Path
) -> None:
    svc = archive.svc
    copy = redactions.redact(
        svc, BUDI, clip_id=original["clip_id"], boxes=[Box(*HIDDEN)], reason="press"
    )
    bare = ingest.ingest_file(
        svc, BUDI, camera_id="SMG-SS-0001", source=detailed, reason="another angle",
        case_id="R-2026-0001", source_start=datetime(2026, 11, 1, 11, 0, tzinfo=UTC),
    )  # fmt: skip
    key = sealing.key_string(svc)
    common = {"reason": "hand-over", "recipient": "Kejaksaan"}

    alone = export.export_to_file(
        svc, BUDI, out=tmp_path / "alone.zip", clip_ids=[copy["clip_id"]], **common
    )
    assert alone["clip_ids"] == [copy["clip_id"]]
    assert alone["source_clip_ids"] == [original["clip_id"]]
    assert verify_package(tmp_path / "alone.zip", key).ok

    both = export.export_to_file(
        svc, BUDI, out=tmp_path / "both.zip", clip_ids=[copy["clip_id"]], redacted="with",
        **common,
    )  # fmt: skip
    assert both["clip_ids"] == [original["clip_id"], copy["clip_id"]]
    assert both["source_clip_ids"] == []
    assert verify_package(tmp_path / "both.zip", key).ok

    # A case with an original that has no copy cannot go out as copies only.
    with pytest.raises(InvalidInput, match=f"clip {bare['clip_id']} has no redacted copy"):
        export.export_to_file(
            svc, BUDI, out=tmp_path / "only.zip", case_id="R-2026-0001", redacted="only",
            **common,
        )  # fmt: skip
    assert not (tmp_path / "only.zip").exists()

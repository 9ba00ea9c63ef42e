"""The verifier's checks of redacted copies, on packaged events made up for each case (an
archive's own packages are consistent; these are what a forger with the key could sign)."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from ledger.package.derivation import derivation_problems
from ledger.package.format import (
    CLIP_INGESTED,
    CLIP_REDACTED,
    ClipEntry,
    Derivation,
    Manifest,
    PackagedEvent,
)

ORIGINAL, COPY = "11111111-1111-4111-8111-111111111111", "22222222-2222-4222-8222-222222222222"
SOURCE_SHA, COPY_SHA = "a" * 64, "b" * 64
MADE = {
    "ffmpeg": {"version": "ffmpeg version 5.1", "args": ["-i", "INPUT", "OUTPUT"]},
    "boxes": [{"x": 1, "y": 2, "w": 3, "h": 4}],
    "mode": "black",
    "mute": True,
}
DERIVATION = {"derived_from": ORIGINAL, "source_sha256": SOURCE_SHA, **MADE}
COPY_INGESTED = {"sha256": COPY_SHA, "source": {"kind": "redaction", **DERIVATION}}


def event(version: int, topic: str, fields: dict[str, Any]) -> PackagedEvent:
    state = json.dumps(fields).encode()
    return PackagedEvent(version, version, version, topic, state, b"\0" * 32, b"\0" * 32, [])


def original_stream(sha: str = SOURCE_SHA, made: dict[str, Any] | None = None) -> list[Any]:
    record = {"redacted_clip_id": COPY, "sha256": COPY_SHA, "derivation": DERIVATION}
    return [event(1, CLIP_INGESTED, {"sha256": sha}), event(2, CLIP_REDACTED, made or record)]


def entry(clip_id: str = COPY, derived: bool = True) -> ClipEntry:
    d = Derivation(ORIGINAL, SOURCE_SHA, f"custody/clip-{ORIGINAL}.json", dict(MADE))
    sha = COPY_SHA if clip_id == COPY else SOURCE_SHA
    return ClipEntry(clip_id, sha, 10, f"clips/{clip_id}.mp4", f"custody/clip-{clip_id}.json",
                     d if derived else None)  # fmt: skip


def manifest(mode: str | None, *clips: ClipEntry) -> Manifest:
    return Manifest("e", "o", "budi", "r", "why", "k", 1, "0" * 64, {}, list(clips), None, None,
                    mode)  # fmt: skip


def kinds(found: list[tuple[str, str]]) -> list[str]:
    return [kind for kind, _ in found]


def test_a_consistent_copy_passes_with_or_without_its_original() -> None:
    copy = entry()
    assert derivation_problems(manifest("only", copy), copy, COPY_INGESTED, original_stream()) == []
    both = manifest("with", entry(ORIGINAL, derived=False), copy)
    assert derivation_problems(both, copy, COPY_INGESTED, original_stream()) == []


def test_a_declared_source_hash_that_is_not_the_originals_archived_hash_is_named() -> None:
    copy = entry()
    found = derivation_problems(
        manifest("only", copy), copy, COPY_INGESTED, original_stream(sha="c" * 64)
    )
    assert kinds(found) == ["derivation"] and "archived with sha256 ccc" in found[0][1]


def test_an_original_trail_without_the_copy_or_with_another_derivation_is_named() -> None:
    copy = entry()
    m = manifest("only", copy)
    alone = original_stream()[:1]
    assert kinds(derivation_problems(m, copy, COPY_INGESTED, alone)) == ["derivation"]
    other = {"redacted_clip_id": COPY, "sha256": COPY_SHA,
             "derivation": {**DERIVATION, "boxes": []}}  # fmt: skip
    assert kinds(derivation_problems(m, copy, COPY_INGESTED, original_stream(made=other))) == [
        "derivation"
    ]


def test_a_hidden_invented_or_altered_derivation_in_the_manifest_is_named() -> None:
    hidden = entry(derived=False)
    assert kinds(derivation_problems(manifest("none", hidden), hidden, COPY_INGESTED, None)) == [
        "manifest"
    ]
    invented = entry(ORIGINAL)
    original = {"sha256": SOURCE_SHA, "source": {"kind": "file"}}
    assert kinds(derivation_problems(manifest("with", invented), invented, original, None)) == [
        "manifest"
    ]
    altered = replace(entry(), derived_from=Derivation(ORIGINAL, SOURCE_SHA, "c", {**MADE,
                      "mute": False}))  # fmt: skip
    found = derivation_problems(manifest("only", altered), altered, COPY_INGESTED, None)
    assert kinds(found) == ["manifest"]


def test_with_needs_every_original_and_only_allows_no_original() -> None:
    copy = entry()
    found = derivation_problems(manifest("with", copy), copy, COPY_INGESTED, original_stream())
    assert kinds(found) == ["derivation"] and "not in this package" in found[0][1]
    original = entry(ORIGINAL, derived=False)
    ingested = {"sha256": SOURCE_SHA, "source": {"kind": "file"}}
    found = derivation_problems(manifest("only", original, copy), original, ingested, None)
    assert kinds(found) == ["manifest"] and "copies only" in found[0][1]

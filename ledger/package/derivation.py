"""`saksi verify`, redacted copies: what a copy says it was made from, checked.

A redacted copy's first custody event (its ClipIngested, already proven in the signed log)
records the original's clip id and SHA-256 and how the copy was made. The verifier checks:

- the manifest describes the derivation exactly as that event records it, and does not hide
  it (a copy passed off as an original) or invent it;
- the original's custody stream in the package (itself chain- and proof-checked) begins with
  a ClipIngested of exactly that SHA-256: the declared source is the archived footage;
- that stream records a RedactedCopyMade naming this copy, its SHA-256 and the same
  derivation: the original's own trail shows the copy was made;
- a package that says `with` holds every copy's original, and one that says `only` holds no
  original.
"""

from __future__ import annotations

from typing import Any

from ledger.package.format import (
    CLIP_INGESTED,
    CLIP_REDACTED,
    ClipEntry,
    Manifest,
    PackagedEvent,
)

RECORDED_KIND = "redaction"  # ClipIngested.source["kind"] of a redacted copy
DERIVATION_KEYS = ("derived_from", "source_sha256", "ffmpeg", "boxes", "mode", "mute")
Found = list[tuple[str, str]]  # (problem kind, detail)


def derivation_problems(
    m: Manifest,
    clip: ClipEntry,
    ingested: dict[str, Any],
    source_events: list[PackagedEvent] | None,
) -> Found:
    """`ingested`: the fields of the clip's own ClipIngested; `source_events`: the checked
    custody stream the manifest names as the original's (None if it could not be read)."""
    source = ingested.get("source")
    recorded = source if isinstance(source, dict) and source.get("kind") == RECORDED_KIND else None
    d = clip.derived_from
    if recorded is None:
        if d is not None:
            return [
                (
                    "manifest",
                    f"clip {clip.clip_id}: the manifest calls it a redacted copy of {d.clip_id}, "
                    "its ClipIngested records no derivation",
                )
            ]
        if m.redacted == "only":
            return [("manifest", f"clip {clip.clip_id} is an original in a package of copies only")]
        return []
    if d is None:
        return [
            (
                "manifest",
                f"clip {clip.clip_id} is a redacted copy of {recorded.get('derived_from')} (its "
                "ClipIngested says so); the manifest does not say so",
            )
        ]
    found: Found = []
    said = {"clip_id": d.clip_id, "sha256": d.sha256, **d.made}
    recorded_as = {
        "clip_id": recorded.get("derived_from"),
        "sha256": recorded.get("source_sha256"),
        **{k: recorded.get(k) for k in d.made},
    }
    if said != recorded_as:
        found.append(
            (
                "manifest",
                f"clip {clip.clip_id}: the manifest describes its derivation otherwise than its "
                "ClipIngested records it",
            )
        )
    if m.redacted == "with" and d.clip_id not in {c.clip_id for c in m.clips}:
        found.append(
            (
                "derivation",
                f"the original {d.clip_id} of redacted copy {clip.clip_id} is not in this "
                "package, which says it holds both",
            )
        )
    if source_events:
        found += _against_original(clip, ingested, recorded, source_events, d.custody)
    return found


def _against_original(
    clip: ClipEntry,
    ingested: dict[str, Any],
    recorded: dict[str, Any],
    events: list[PackagedEvent],
    where: str,
) -> Found:
    found: Found = []
    original = recorded.get("derived_from")
    first = events[0]
    if first.version != 1 or first.topic != CLIP_INGESTED:
        found.append(
            ("missing_event", f"{where} does not begin with clip {original}'s ClipIngested")
        )
    elif first.fields().get("sha256") != recorded.get("source_sha256"):
        found.append(
            (
                "derivation",
                f"redacted copy {clip.clip_id} declares source sha256 "
                f"{recorded.get('source_sha256')}; its original {original} was archived with "
                f"sha256 {first.fields().get('sha256')}",
            )
        )
    derivation = {k: recorded.get(k) for k in DERIVATION_KEYS}
    made = [
        e.fields()
        for e in events
        if e.topic == CLIP_REDACTED and e.fields().get("redacted_clip_id") == clip.clip_id
    ]
    if not any(
        f.get("sha256") == ingested.get("sha256") and f.get("derivation") == derivation
        for f in made
    ):
        found.append(
            (
                "derivation",
                f"the custody of original {original} ({where}) records no redacted copy "
                f"{clip.clip_id} with sha256 {ingested.get('sha256')} made this way",
            )
        )
    return found

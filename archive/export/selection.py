"""Which footage an export carries: originals, redacted copies, or both (`--redacted`).

- `none` (the default): the originals selected, as before redaction existed; a case's
  redacted copies stay out (a copy named with --clip is exported as named);
- `with`: each original and its newest redacted copy that is still active (a copy named
  with --clip brings its original);
- `only`: each original's newest redacted copy instead of it; an original without one is
  refused (exit 2), so such a package never carries unredacted footage by mistake.

A copy travels with the proof of what it was made from: the manifest describes its
derivation, and when its original is not in the package, the original's custody stream from
its ClipIngested through the RedactedCopyMade of that copy goes in as a custody file without
its footage (`sources`), so the verifier can check the copy's declared source hash against
the hash the original was archived with.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from archive.errors import InvalidInput
from archive.records import load_clip
from archive.services import Services
from domain.clip import Clip

MODES = ("none", "with", "only")
Authorize = Callable[[str], Clip]  # content access to one clip, refusals recorded


def check_mode(mode: str) -> str:
    if mode not in MODES:
        raise InvalidInput(f"invalid --redacted {mode!r}: expected one of {', '.join(MODES)}")
    return mode


def select(
    svc: Services, clips: list[Clip], mode: str, authorize: Authorize
) -> tuple[list[Clip], list[tuple[Clip, int]]]:
    """(the clips whose footage goes in, the sources whose custody goes in without footage,
    each with the version its stream is cut at)."""
    chosen: dict[str, Clip] = {}
    for clip in clips:
        if clip.derived_from is not None:  # a copy named with --clip: exported as named
            if mode == "with":
                chosen.setdefault(clip.derived_from, authorize(clip.derived_from))
            chosen.setdefault(clip.clip_id, clip)
            continue
        copy = _newest_copy(svc, clip, authorize) if mode != "none" else None
        if mode == "only":
            if copy is None:
                raise InvalidInput(
                    f"clip {clip.clip_id} has no redacted copy: make one (saksi redact) or "
                    "export with --redacted with|none"
                )
            chosen.setdefault(copy.clip_id, copy)
            continue
        chosen.setdefault(clip.clip_id, clip)
        if copy is not None:
            chosen.setdefault(copy.clip_id, copy)
    return list(chosen.values()), _sources(svc, list(chosen.values()))


def _newest_copy(svc: Services, clip: Clip, authorize: Authorize) -> Clip | None:
    for copy_id in reversed(clip.redactions):
        if load_clip(svc.events, copy_id).status == "active":
            return authorize(copy_id)
    return None


def _sources(svc: Services, clips: list[Clip]) -> list[tuple[Clip, int]]:
    present = {c.clip_id for c in clips}
    upto: dict[str, int] = {}
    sources: dict[str, Clip] = {}
    for copy in clips:
        source_id = copy.derived_from
        if source_id is None or source_id in present:
            continue
        source = sources.setdefault(source_id, load_clip(svc.events, source_id))
        upto[source_id] = max(upto.get(source_id, 0), source.redactions[copy.clip_id])
    return [(s, upto[s.clip_id]) for s in sources.values()]


def manifest_fields(clip: Clip, custody_of: Callable[[str], str]) -> dict[str, Any]:
    """What the manifest adds to a redacted copy's entry: how it was made, from what, and
    where the original's custody is, `custody_of(clip id)` (nothing for an original)."""
    if clip.derived_from is None:
        return {}
    keys = ("ffmpeg", "boxes", "mode", "mute")
    derived = {
        "clip_id": clip.derived_from,
        "sha256": clip.source["source_sha256"],
        "custody": custody_of(clip.derived_from),
        **{k: clip.source[k] for k in keys},
    }
    return {"derived_from": derived}

"""The evidence package format (version 1): names, the manifest, custody files, parsing.

A package is a zip (docs/custody.md, "Export"):

    VERIFY.txt              plain instructions
    manifest.json           what the package holds: export, clips, case, checkpoint, every file
                            with its SHA-256 and size (all but itself and manifest.note)
    manifest.note           a C2SP signed note by the archive's key over the manifest's SHA-256
    checkpoint.note         the signed checkpoint sealed for this export (C2SP tlog-checkpoint)
    verifier.key            the archive's verifier key (NAME+KEYHASH+BASE64)
    checkpoint.tst          the checkpoint's RFC 3161 timestamp token, DER (when a TSA was set)
    tsa-certs.pem           the TSA's certificate and the CA(s) the archive trusts it by
    custody/clip-<id>.json  each clip's stream from version 1 through this export's ClipExported
    custody/case-<id>.json  the case's stream through its CaseExported (case exports)
    report.html             the custody report, for people
    report.pdf              the same report printed as PDF, for filing (optional)
    verify_package.py       this verifier as one file (Python 3.11+ and `cryptography`)
    clips/<id>.<ext>        the originals, stored uncompressed
    working/<id>.mp4        a playable H.264 MP4 working copy of each original an ordinary
                            player cannot play (a recorded derivative, never the evidence)

Redacted copies (added to version 1, optional): a clip entry may carry `derived_from`
({clip_id, sha256, custody, ffmpeg, boxes, mode, mute}: the original it was made from, the
original's archived SHA-256, the original's custody file, and how it was made), and the
manifest may say `redacted` ("none", "with" or "only"). The original's custody file is in
the package even when its footage is not (through the RedactedCopyMade of the copy).

Working copies (added to version 1, optional): a clip entry may carry `working_copy`
({file, sha256, size_bytes, derivative: true, made_with}); its SHA-256 must be that of a
DerivativeAdded event on the clip's own custody stream.

Custody files hold every event exactly as stored (topic, base64 state), its chain link, its
global position, its Merkle leaf index and its inclusion proof at the checkpoint's size.
Parsing here only checks shapes; `package_verify` checks meaning.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

FORMAT = "saksi-evidence-package"
VERSION = 1
MANIFEST = "manifest.json"
MANIFEST_NOTE = "manifest.note"
CHECKPOINT_FILE = "checkpoint.note"
KEY_FILE = "verifier.key"
TIMESTAMP_FILE = "checkpoint.tst"
TSA_CERTS_FILE = "tsa-certs.pem"
NOTE_TITLE = "saksi-evidence-package/1"

# Topics as stored by the archive (the chain hash covers them).
CLIP_INGESTED = "domain.clip:Clip.ClipIngested"
CLIP_EXPORTED = "domain.clip:Clip.ClipExported"
CASE_OPENED = "domain.case:Case.CaseOpened"
CASE_EXPORTED = "domain.case:Case.CaseExported"
CLIP_REDACTED = "domain.clip:Clip.RedactedCopyMade"
CLIP_DERIVATIVE = "domain.clip:Clip.DerivativeAdded"
REDACTED_MODES = ("none", "with", "only")


class NotAPackage(ValueError):
    """The zip holds no Saksi evidence package of a version this verifier reads."""


class Malformed(ValueError):
    """A package file does not have the shape the format gives it."""


def manifest_note_text(export_id: str, manifest_sha256: str) -> str:
    """The text the archive signs for a manifest. Its second line is not a number, so the
    note can never pass for a checkpoint signed by the same key (and vice versa)."""
    return f"{NOTE_TITLE}\nexport {export_id}\nmanifest sha256 {manifest_sha256}\n"


def case_stream_id(case_id: str) -> UUID:
    """A case's stream id, derived from its name as the archive does (domain.base.named_id)."""
    return uuid5(NAMESPACE_URL, f"saksi:case:{case_id}")


@dataclass(frozen=True)
class FileEntry:
    path: str
    sha256: str
    size: int


@dataclass(frozen=True)
class Derivation:
    """What a redacted copy's manifest entry says it was made from, and how (`made`: ffmpeg,
    boxes, mode, mute as the manifest gives them)."""

    clip_id: str
    sha256: str
    custody: str
    made: dict[str, Any]


@dataclass(frozen=True)
class WorkingCopy:
    """A playable copy of an original no ordinary player can play (added to version 1,
    optional): a derivative the archive recorded on the clip's stream (DerivativeAdded)."""

    file: str
    sha256: str
    size: int


@dataclass(frozen=True)
class ClipEntry:
    clip_id: str
    sha256: str
    size: int
    file: str
    custody: str
    derived_from: Derivation | None = None
    working_copy: WorkingCopy | None = None


@dataclass(frozen=True)
class Manifest:
    export_id: str
    origin: str
    exported_by: str
    recipient: str
    reason: str
    verifier_key: str
    checkpoint_size: int
    checkpoint_root: str
    files: dict[str, FileEntry]
    clips: list[ClipEntry]
    case_id: str | None
    case_custody: str | None
    redacted: str | None = None  # absent from packages made before redaction existed
    timestamp_token: str | None = None  # the file holding the checkpoint's RFC 3161 token
    timestamp_certificates: str | None = None  # the PEM file of the TSA's certificate(s)
    timestamp_gen_time: str | None = None  # what the manifest says the token says


def _get(d: Any, key: str, kind: type, where: str) -> Any:
    if not isinstance(d, dict) or key not in d:
        raise Malformed(f"{where}: no {key!r}")
    value = d[key]
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise Malformed(f"{where}: {key!r} is not a {kind.__name__}")
    return value


def _hex(value: str, size: int, where: str) -> str:
    if len(value) != 2 * size or any(c not in "0123456789abcdef" for c in value):
        raise Malformed(f"{where}: {value[:80]!r} is not {size} bytes of lower-case hex")
    return value


def parse_manifest(doc: Any) -> Manifest:
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise NotAPackage("manifest.json is not a Saksi evidence package manifest")
    if doc.get("format_version") != VERSION:
        raise NotAPackage(f"package format version {doc.get('format_version')!r} is not {VERSION}")
    files: dict[str, FileEntry] = {}
    for i, f in enumerate(_get(doc, "files", list, "manifest")):
        where = f"manifest files[{i}]"
        path = _get(f, "path", str, where)
        if path in files:
            raise Malformed(f"manifest lists {path!r} twice")
        size = _get(f, "size_bytes", int, where)
        if size < 0:
            raise Malformed(f"{where}: negative size")
        files[path] = FileEntry(path, _hex(_get(f, "sha256", str, where), 32, where), size)
    clips = []
    for i, c in enumerate(_get(doc, "clips", list, "manifest")):
        where = f"manifest clips[{i}]"
        entry = ClipEntry(
            clip_id=str(_uuid(_get(c, "clip_id", str, where), where)),
            sha256=_hex(_get(c, "sha256", str, where), 32, where),
            size=_get(c, "size_bytes", int, where),
            file=_get(c, "file", str, where),
            custody=_get(c, "custody", str, where),
            derived_from=_derivation(c, f"{where} derived_from"),
            working_copy=_working_copy(c, f"{where} working_copy"),
        )
        paths = [entry.file, entry.custody]
        if entry.working_copy is not None:
            paths.append(entry.working_copy.file)
        if entry.derived_from is not None:
            paths.append(entry.derived_from.custody)
        for path in paths:
            if path not in files:
                raise Malformed(f"{where}: {path!r} is not in the manifest's file list")
        clips.append(entry)
    if not clips:
        raise Malformed("manifest lists no clips")
    case = doc.get("case")
    case_id = _get(case, "case_id", str, "manifest case") if case is not None else None
    case_custody = _get(case, "custody", str, "manifest case") if case is not None else None
    checkpoint = _get(doc, "checkpoint", dict, "manifest")
    stamp = checkpoint.get("timestamp")
    stamp_files = (
        (_get(stamp, "token", str, "manifest timestamp"),
         _get(stamp, "certificates", str, "manifest timestamp"))
        if stamp is not None else ()
    )  # fmt: skip
    for name in (
        CHECKPOINT_FILE,
        KEY_FILE,
        *([case_custody] if case_custody else []),
        *stamp_files,
    ):
        if name not in files:
            raise Malformed(f"manifest: {name} is not in its file list")
    return Manifest(
        export_id=_get(doc, "export_id", str, "manifest"),
        origin=_get(doc, "origin", str, "manifest"),
        exported_by=_get(doc, "exported_by", str, "manifest"),
        recipient=_get(doc, "recipient", str, "manifest"),
        reason=_get(doc, "reason", str, "manifest"),
        verifier_key=_get(doc, "verifier_key", str, "manifest"),
        checkpoint_size=_get(checkpoint, "size", int, "manifest checkpoint"),
        checkpoint_root=_hex(_get(checkpoint, "root", str, "manifest checkpoint"), 32, "root"),
        files=files,
        clips=clips,
        case_id=case_id,
        case_custody=case_custody,
        redacted=_redacted(doc),
        timestamp_token=stamp_files[0] if stamp_files else None,
        timestamp_certificates=stamp_files[1] if stamp_files else None,
        timestamp_gen_time=_get(stamp, "gen_time", str, "manifest timestamp") if stamp else None,
    )


def _derivation(clip: Any, where: str) -> Derivation | None:
    if not isinstance(clip, dict) or clip.get("derived_from") is None:
        return None
    d = _get(clip, "derived_from", dict, where)
    return Derivation(
        clip_id=str(_uuid(_get(d, "clip_id", str, where), where)),
        sha256=_hex(_get(d, "sha256", str, where), 32, where),
        custody=_get(d, "custody", str, where),
        made={k: d.get(k) for k in ("ffmpeg", "boxes", "mode", "mute")},
    )


def _working_copy(clip: Any, where: str) -> WorkingCopy | None:
    if not isinstance(clip, dict) or clip.get("working_copy") is None:
        return None
    w = _get(clip, "working_copy", dict, where)
    return WorkingCopy(
        file=_get(w, "file", str, where),
        sha256=_hex(_get(w, "sha256", str, where), 32, where),
        size=_get(w, "size_bytes", int, where),
    )


def _redacted(doc: dict[str, Any]) -> str | None:
    mode = doc.get("redacted")
    if mode is not None and mode not in REDACTED_MODES:
        raise Malformed(f"manifest: 'redacted' is {str(mode)[:40]!r}, not one of {REDACTED_MODES}")
    return mode


def _uuid(text: str, where: str) -> UUID:
    try:
        return UUID(text)
    except ValueError:
        raise Malformed(f"{where}: {text[:80]!r} is not a UUID") from None


@dataclass(frozen=True)
class PackagedEvent:
    """One stored event with its chain link and its place in the Merkle log, as packaged."""

    version: int
    position: int
    leaf_index: int
    topic: str
    state: bytes
    prev_hash: bytes
    hash: bytes
    proof: list[bytes]

    def fields(self) -> dict[str, Any]:
        """The event's stored JSON (empty if it is not JSON): what the checks read from it."""
        try:
            value = json.loads(self.state)
        except (ValueError, RecursionError):
            return {}
        return value if isinstance(value, dict) else {}


def parse_custody(data: bytes, where: str) -> tuple[UUID, list[PackagedEvent]]:
    """A custody file: the stream's originator id and its events, in the file's order."""
    try:
        doc = json.loads(data)
    except ValueError as e:
        raise Malformed(f"{where} is not JSON: {e}") from None
    oid = _uuid(_get(doc, "originator_id", str, where), where)
    events = []
    for i, item in enumerate(_get(doc, "events", list, where)):
        at = f"{where} events[{i}]"
        events.append(
            PackagedEvent(
                version=_count(_get(item, "version", int, at), at),
                position=_count(_get(item, "position", int, at), at),
                leaf_index=_count(_get(item, "leaf_index", int, at), at),
                topic=_utf8(_get(item, "topic", str, at), at),
                state=_b64(_get(item, "state", str, at), at),
                prev_hash=bytes.fromhex(_hex(_get(item, "prev_hash", str, at), 32, at)),
                hash=bytes.fromhex(_hex(_get(item, "hash", str, at), 32, at)),
                proof=[
                    bytes.fromhex(_hex(p if isinstance(p, str) else "", 32, at))
                    for p in _get(item, "inclusion_proof", list, at)
                ],
            )
        )
    if not events:
        raise Malformed(f"{where} holds no events")
    return oid, events


def _count(value: int, where: str) -> int:
    if not 0 <= value < 2**63:
        raise Malformed(f"{where}: {value} is out of range")
    return value


def _utf8(text: str, where: str) -> str:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise Malformed(f"{where}: the topic is not UTF-8 text") from None
    return text


def _b64(text: str, where: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise Malformed(f"{where}: state is not base64") from None

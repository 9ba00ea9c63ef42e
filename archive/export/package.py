"""Writing an evidence package (format: ledger/package/format.py) as zip bytes.

Memory does not depend on clip size: zipfile writes into a sink emptied after every chunk
(never seekable, so zipfile writes data descriptors and never goes back). Each original is
streamed from the object store, hashed on the way, and its last chunk is held back until the
hash matches its record, so a package holding footage other than the recorded one is never
completed (the zip's directory, written last, never follows it).
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from collections.abc import Callable, Iterator
from datetime import UTC
from importlib.metadata import version
from typing import IO, TYPE_CHECKING, Any, cast

from archive.custody import report_pages as report
from archive.errors import IntegrityFailure
from archive.export import report_pdf
from archive.export import selection as export_redacted
from archive.export.instructions import verify_text
from archive.services import Services
from domain.clip import Clip
from ledger.checkpoint import sign_note
from ledger.package import format as fmt
from ledger.package.standalone import SCRIPT_NAME, script_source
from storage.objects.port import CHUNK

if TYPE_CHECKING:
    from archive.export.contents import Export

Progress = Callable[[int, int], None]  # (clip bytes written, clip bytes in the package)
_EXTENSIONS = {
    "mov": ".mp4",
    "mp4": ".mp4",
    "mpegts": ".ts",
    "matroska": ".mkv",
    "avi": ".avi",
    "dhav": ".dav",  # Dahua's own format
    "mpeg": ".mpg",  # MPEG program stream (Hikvision exports)
}


class _Sink:
    """Where zipfile writes; `take` hands on what it wrote so far. It can tell but not seek."""

    def __init__(self) -> None:
        self._parts: list[bytes] = []
        self._position = 0

    def write(self, data: bytes) -> int:
        self._parts.append(bytes(data))
        self._position += len(data)
        return len(data)

    def tell(self) -> int:
        return self._position

    def flush(self) -> None:
        pass

    def take(self) -> bytes:
        data = b"".join(self._parts)
        self._parts.clear()
        return data


def clip_path(clip: Clip) -> str:
    names = str(clip.media.get("container") or "").split(",")
    ext = next((_EXTENSIONS[n] for n in names if n in _EXTENSIONS), ".bin")
    return f"clips/{clip.clip_id}{ext}"


def working_copy(clip: Clip) -> dict[str, Any] | None:
    """The clip's browser proxy: made at ingest for every original a browser cannot play
    (archive/ingest/derivatives.py), so it travels with such an original as its working copy."""
    return next((d for d in clip.derivatives if d["kind"] == "proxy"), None)


def working_path(clip: Clip) -> str:
    return f"working/{clip.clip_id}.mp4"


def _working_entry(clip: Clip) -> dict[str, Any]:
    proxy = working_copy(clip)
    if proxy is None:
        return {}
    entry = {
        "file": working_path(clip),
        "sha256": proxy["sha256"],
        "size_bytes": proxy["size_bytes"],
        "derivative": True,
        "note": "a playable H.264 MP4 made from the original; the original is the evidence",
        "made_with": proxy["made_with"],
    }
    return {"working_copy": entry}


def _json(doc: Any) -> bytes:
    return (json.dumps(doc, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def small_files(export: Export) -> dict[str, bytes]:
    """Every file but the originals, the manifest and its signature, in package order."""
    files = {fmt.CHECKPOINT_FILE: export.checkpoint.note.encode("utf-8")}
    files[fmt.KEY_FILE] = (export.verifier_key + "\n").encode("ascii")
    if export.timestamp is not None:
        files[fmt.TIMESTAMP_FILE] = export.timestamp.token
        files[fmt.TSA_CERTS_FILE] = export.timestamp.certificates_pem
    for s in export.streams:
        doc = {
            "stream": s.kind,
            f"{s.kind}_id": s.label,
            "originator_id": str(s.originator_id),
            "checkpoint_size": export.checkpoint.size,
            "events": s.events,
        }
        files[custody_path(s.kind, s.label)] = _json(doc)
    sections = [
        (f"Clip {c.clip_id}", export.clip_views[c.clip_id], _trail(export, c.clip_id))
        for c in export.clips
    ]
    if export.case is not None:
        label = export.case["case_id"]
        sections.append((f"Case {label}", export.case, _trail(export, label)))
    sections += [
        (
            f"Clip {s.clip_id}: the original of a redacted copy (custody only, its footage is "
            "not in this package)",
            export.clip_views[s.clip_id],
            _trail(export, s.clip_id),
        )
        for s in export.sources
    ]
    files["report.html"] = report.package_page(header(export), sections).encode("utf-8")
    files[SCRIPT_NAME] = script_source().encode("utf-8")
    return files


def custody_path(kind: str, label: str) -> str:
    # Case ids may hold '/' and '.': one case per package, so its file has a fixed name.
    return "custody/case.json" if kind == "case" else f"custody/clip-{label}.json"


def _trail(export: Export, label: str) -> list[dict[str, Any]]:
    return next(s.trail for s in export.streams if s.label == label)


def header(export: Export) -> dict[str, Any]:
    """Who exported what, when, for whom and why: the manifest's head and the report's."""
    case = export.case
    return {
        "export_id": export.export_id,
        "origin": export.checkpoint.origin,
        "exported_by": export.ctx.actor,
        "exported_at": export.exported_at.isoformat(),
        "channel": export.ctx.channel,
        "client": export.ctx.client,
        "recipient": export.recipient,
        "reason": export.reason,
        "case": None if case is None else _case_entry(case),
        "checkpoint": {
            "file": fmt.CHECKPOINT_FILE,
            "size": export.checkpoint.size,
            "root": export.checkpoint.root.hex(),
            **_timestamp_entry(export),
        },
        "verifier_key": export.verifier_key,
    }


def _timestamp_entry(export: Export) -> dict[str, Any]:
    """The checkpoint's RFC 3161 timestamp in the manifest (absent when it has none)."""
    stamp = export.timestamp
    if stamp is None:
        return {}
    entry = {"token": fmt.TIMESTAMP_FILE, "certificates": fmt.TSA_CERTS_FILE}
    return {"timestamp": {**entry, "gen_time": stamp.gen_time, "serial": stamp.serial}}


def _case_entry(case: dict[str, Any]) -> dict[str, Any]:
    entry = {k: case[k] for k in ("case_id", "kind", "title", "lead", "members")}
    return {**entry, "custody": custody_path("case", case["case_id"])}


def manifest(export: Export, files: dict[str, bytes]) -> bytes:
    clips = [
        {
            "clip_id": c.clip_id,
            "camera_id": c.camera_id,
            "start": c.start.isoformat(),
            "end": c.end.isoformat(),
            "sha256": c.sha256,
            "size_bytes": c.size_bytes,
            "media": c.media,
            "file": clip_path(c),
            "custody": custody_path("clip", c.clip_id),
            **export_redacted.manifest_fields(c, lambda clip_id: custody_path("clip", clip_id)),
            **_working_entry(c),
        }
        for c in export.clips
    ]
    listed = [
        {"path": p, "sha256": hashlib.sha256(d).hexdigest(), "size_bytes": len(d)}
        for p, d in files.items()
    ]
    listed += [
        {"path": c["file"], "sha256": c["sha256"], "size_bytes": c["size_bytes"]} for c in clips
    ]
    listed += [
        {k: w[k] for k in ("sha256", "size_bytes")} | {"path": w["file"]}
        for c in clips
        if (w := c.get("working_copy"))
    ]
    return _json(
        {
            "format": fmt.FORMAT,
            "format_version": fmt.VERSION,
            "generator": f"saksi {version('saksi')}",
            **header(export),
            "redacted": export.redacted,
            "clips": clips,
            "files": listed,
        }
    )


def package_chunks(
    svc: Services, export: Export, progress: Progress | None = None
) -> Iterator[bytes]:
    """The package as a stream of bytes."""
    files = {"VERIFY.txt": verify_text(export).encode("utf-8"), **small_files(export)}
    pdf = report_pdf.render(files["report.html"], svc.settings)
    if pdf is not None:  # listed and hashed like every other file
        files[report_pdf.PDF_NAME] = pdf
    manifest_bytes = manifest(export, files)
    text = fmt.manifest_note_text(export.export_id, hashlib.sha256(manifest_bytes).hexdigest())
    note = sign_note(text, export.checkpoint.origin, svc.signing.private()).encode("utf-8")
    # VERIFY.txt first, for whoever opens the zip; then the manifest and its signature.
    ordered = {"VERIFY.txt": files.pop("VERIFY.txt"), fmt.MANIFEST: manifest_bytes}
    ordered |= {fmt.MANIFEST_NOTE: note, **files}
    when = export.exported_at.astimezone(UTC).timetuple()[:6]
    copies = [(c, w) for c in export.clips if (w := working_copy(c)) is not None]
    total = sum(c.size_bytes for c in export.clips) + sum(w["size_bytes"] for _, w in copies)
    done = 0
    sink = _Sink()
    with zipfile.ZipFile(cast(IO[bytes], sink), "w", allowZip64=True) as zf:
        for name, data in ordered.items():
            info = zipfile.ZipInfo(name, when)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, data)
            yield sink.take()
        for clip in export.clips:
            info = zipfile.ZipInfo(clip_path(clip), when)
            info.external_attr = 0o444 << 16
            info.file_size = clip.size_bytes  # zipfile picks zip64 headers from it
            with zf.open(info, "w") as dst:
                for n in _copy_verified(
                    svc, clip.storage, clip.sha256, f"clip {clip.clip_id}", dst
                ):
                    done += n
                    if progress:
                        progress(done, total)
                    yield sink.take()
            yield sink.take()
        for clip, proxy in copies:
            info = zipfile.ZipInfo(working_path(clip), when)
            info.external_attr = 0o444 << 16
            info.file_size = proxy["size_bytes"]
            label = f"the working copy of clip {clip.clip_id}"
            with zf.open(info, "w") as dst:
                for n in _copy_verified(svc, proxy["storage"], proxy["sha256"], label, dst):
                    done += n
                    if progress:
                        progress(done, total)
                    yield sink.take()
            yield sink.take()
    yield sink.take()


def _copy_verified(
    svc: Services, storage: dict[str, Any], sha256: str, what: str, dst: IO[bytes]
) -> Iterator[int]:
    """Copy stored content, yielding after each chunk; the last chunk is written only once
    the whole content hashed to its record."""
    digest, held = hashlib.sha256(), b""
    with svc.objects.open(storage["key"], storage.get("version_id")) as src:
        while chunk := src.read(CHUNK):
            digest.update(chunk)
            if held:
                dst.write(held)
            held = chunk
            yield len(chunk)
    if digest.hexdigest() != sha256:
        raise IntegrityFailure(
            f"content of {what} does not match its record: expected sha256 "
            f"{sha256}, read {digest.hexdigest()}; the package was not completed"
        )
    dst.write(held)

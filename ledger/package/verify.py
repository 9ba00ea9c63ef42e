"""`saksi verify`: an evidence package checked offline, every step, each failure named.

From the bytes up, trusting nothing the package says until it is checked:

1. the zip: readable, no unsafe or duplicate member names, no member the manifest omits;
2. the manifest's signature: a signed note by the verifier key over its SHA-256;
3. every listed file: its SHA-256 and size, hashed as a stream; only the files later steps
   read (checkpoint, custody streams, timestamp) are held in memory, each within its kind's
   size limit and all within one budget, so a small hostile zip cannot exhaust memory;
4. the checkpoint's signature by the verifier key;
5. each custody stream: versions 1..n contiguous, each prev_hash the previous event's hash,
   each event's stored bytes hashing to its recorded hash, and that hash (recomputed, never
   the packaged one) proven by its inclusion proof to be its leaf of the signed tree;
6. each clip: its bytes hash to the sha256 its ClipIngested event recorded, and its stream
   ends with the ClipExported of this export (a removed trailing event is caught); a case
   stream begins with its CaseOpened and ends with this export's CaseExported of these clips;
7. the manifest agrees with the events it summarises;
8. each redacted copy: its declared source SHA-256 is its original's archived one, and the
   original's custody records the copy (`package_derivation`).
9. the checkpoint's RFC 3161 timestamp, when the package carries one: the token over the
   bytes of checkpoint.note as the archive signed it (without witness cosignature lines),
   signed by the TSA (`package_timestamp`);
10. with witness keys given, at least `min_witnesses` of them cosigned the checkpoint (C2SP
   tlog-cosignature, `cosignature`): else a problem of kind `witness`. This is what stops an
   insider holding the archive's key: a rewritten log can be re-signed, not re-witnessed.

The verifier key: with `key`, the given key is the only trust anchor and the package's key
must be it (`foreign_key` otherwise); without, the package's own key is used, which proves
the package consistent but not that it comes from the archive (`key_checked` false).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import UUID

from cryptography import x509

from ledger.chain import GENESIS, event_hash
from ledger.checkpoint import (
    Checkpoint,
    CheckpointError,
    Verifier,
    open_note,
    parse_checkpoint_body,
    parse_verifier_key,
    public_bytes,
    split_note,
    verify_checkpoint,
)
from ledger.cosignature import Cosigner, check_cosignatures
from ledger.package.derivation import derivation_problems
from ledger.package.format import (
    CASE_EXPORTED,
    CASE_OPENED,
    CHECKPOINT_FILE,
    CLIP_DERIVATIVE,
    CLIP_EXPORTED,
    CLIP_INGESTED,
    KEY_FILE,
    MANIFEST,
    MANIFEST_NOTE,
    ClipEntry,
    Malformed,
    Manifest,
    NotAPackage,
    PackagedEvent,
    case_stream_id,
    manifest_note_text,
    parse_custody,
    parse_manifest,
)
from ledger.package.report import Report
from ledger.package.timestamp import check_package_timestamp
from ledger.package.zip_reader import READ_ERRORS, PackageError, ZipPackage, unsafe_name
from ledger.verify_offline import VerificationError, check_inclusion

Progress = Callable[[int, int], None]  # (bytes hashed so far, bytes to hash)

# What a package may make the verifier hold in memory (everything else is hashed as a
# stream): per kind of file, and in all. Far above what an export writes (a custody file
# holds each event with its inclusion proof, about 2 KB an event), far below harm.
MAX_MANIFEST = 16 * 1024 * 1024
MAX_CUSTODY = 32 * 1024 * 1024
MAX_NOTE = 64 * 1024  # checkpoint.note with its cosignatures
MAX_TOKEN = 64 * 1024  # an RFC 3161 token
MAX_CERTIFICATES = 1024 * 1024  # the TSA's certificates (PEM)
HELD_BUDGET = 256 * 1024 * 1024


def verify_package(
    path: Path,
    key: str | None = None,
    progress: Progress | None = None,
    tsa_ca: Sequence[x509.Certificate] | None = None,
    witnesses: Sequence[Cosigner] = (),
    min_witnesses: int = 0,
) -> Report:
    """Check a package; every fault of the package is a Problem in the report. Raises
    CheckpointError only for a malformed `key` (the caller's input, not the package's).
    `tsa_ca`: the CA certificates a timestamp's TSA must chain to; `witnesses` and
    `min_witnesses`: how many of these witnesses must have cosigned the checkpoint."""
    trusted = parse_verifier_key(key) if key is not None else None
    report = Report(key_checked=trusted is not None)
    quorum = _Quorum(list(witnesses), min_witnesses) if witnesses or min_witnesses else None
    try:
        pkg = ZipPackage(path)
    except PackageError as e:
        report.add(e.kind, e.detail)
        return report
    with pkg:
        try:
            _Verification(pkg, report, trusted, progress, tsa_ca, quorum).run()
        except (*READ_ERRORS, RecursionError, LookupError, TypeError) as e:
            # Whatever else a hostile zip finds: the package is reported unverified, with why.
            report.add("unreadable", f"checking stopped: {type(e).__name__}: {e}")
    return report


def _show(name: str) -> str:
    return repr(name[:120])


class _Verification:
    def __init__(
        self,
        pkg: ZipPackage,
        report: Report,
        trusted: Verifier | None,
        progress: Progress | None,
        tsa_ca: Sequence[x509.Certificate] | None = None,
        quorum: _Quorum | None = None,
    ) -> None:
        self.pkg, self.report, self.trusted, self.progress = pkg, report, trusted, progress
        self.tsa_ca, self.quorum = tsa_ca, quorum
        self.add = report.add
        self.contents: dict[str, bytes] = {}  # small files, checked against the manifest
        self.clip_hashes: dict[str, str] = {}  # clip file -> its SHA-256 as read
        self.streams: dict[str, list[PackagedEvent]] = {}  # custody file -> events, checked once

    def run(self) -> None:
        for name in self.pkg.duplicates:
            self.add("duplicate_name", f"{_show(name)} is in the zip more than once")
        for name, why in self.pkg.unsafe.items():
            self.add("unsafe_name", f"member {_show(name)} {why}")
        manifest = self._manifest()
        if manifest is None:
            return
        verifier = self._key(manifest)
        self._manifest_signature(manifest, verifier)
        self._files(manifest)
        checkpoint = self._checkpoint(manifest, verifier)
        self._timestamp(manifest, verifier)
        self._witnessed(checkpoint)
        for clip in manifest.clips:
            self._clip(manifest, clip, checkpoint)
        if manifest.case_id is not None and manifest.case_custody is not None:
            self._case(manifest, checkpoint)
        self.report.clips = len(manifest.clips)

    # --- the manifest and the key -----------------------------------------------------------

    def _manifest(self) -> Manifest | None:
        try:
            self.manifest_bytes = self.pkg.read_small(MANIFEST, MAX_MANIFEST)
            manifest = parse_manifest(json.loads(self.manifest_bytes))
        except PackageError as e:
            if e.kind == "missing_file":
                self.add("not_a_package", "no manifest.json: not a Saksi evidence package")
            else:
                self.add(e.kind, e.detail)
            return None
        except (NotAPackage, UnicodeDecodeError, RecursionError) as e:
            self.add("not_a_package", str(e))
            return None
        except Malformed as e:
            self.add("manifest", str(e))
            return None
        except ValueError as e:  # JSON
            self.add("not_a_package", f"manifest.json is not JSON: {e}")
            return None
        self.report.export_id, self.report.origin = manifest.export_id, manifest.origin
        return manifest

    def _key(self, m: Manifest) -> Verifier | None:
        packaged: Verifier | None = None
        try:
            text = self.pkg.read_small(KEY_FILE, 4096).decode("ascii").strip()
            packaged = parse_verifier_key(text)
            if text != m.verifier_key:
                self.add(
                    "manifest",
                    f"the manifest names key {m.verifier_key!r}, {KEY_FILE} holds another",
                )
        except PackageError as e:
            self.add(e.kind, e.detail)
        except ValueError as e:  # not ASCII, or not a key
            self.add("key", f"{KEY_FILE} holds no verifier key: {e}")
        if self.trusted is None:
            self.report.key = _key_id(packaged) if packaged else None
            return packaged
        self.report.key = _key_id(self.trusted)
        if packaged is None or not _same_key(packaged, self.trusted):
            self.add(
                "foreign_key",
                f"the package carries key {_key_id(packaged) if packaged else '(none)'}, not the "
                f"given key {_key_id(self.trusted)}: it was not sealed by that archive",
            )
        return self.trusted

    def _manifest_signature(self, m: Manifest, verifier: Verifier | None) -> None:
        if verifier is None:
            self.add("manifest_signature", "no usable verifier key to check the manifest with")
            return
        try:
            note = self.pkg.read_small(MANIFEST_NOTE, 65536).decode("utf-8")
            text = open_note(note, verifier)
        except PackageError as e:
            self.add("manifest_signature", f"{e.detail}: the manifest is unsigned")
            return
        except (UnicodeDecodeError, CheckpointError) as e:
            self.add("manifest_signature", f"{MANIFEST_NOTE}: {e}")
            return
        digest = hashlib.sha256(self.manifest_bytes).hexdigest()
        if text != manifest_note_text(m.export_id, digest):
            self.add(
                "manifest_signature",
                f"{MANIFEST_NOTE} signs another manifest than this one (sha256 {digest}): "
                "manifest.json was edited",
            )

    # --- files ------------------------------------------------------------------------------

    def _files(self, m: Manifest) -> None:
        for name in self.pkg.names():
            known = name in m.files or name in (MANIFEST, MANIFEST_NOTE)
            if not known and name not in self.pkg.unsafe:  # unsafe names are reported already
                self.add("unlisted_file", f"{_show(name)} is in the zip but not in the manifest")
        clip_files = {c.file for c in m.clips}
        clip_files |= {c.working_copy.file for c in m.clips if c.working_copy is not None}
        total = sum(f.size for f in m.files.values() if f.path in clip_files)
        done = [0]

        def advance(n: int) -> None:
            done[0] += n
            if self.progress:
                self.progress(done[0], total)

        for clip in m.clips:
            listed = m.files[clip.file]
            if (listed.sha256, listed.size) != (clip.sha256, clip.size):
                self.add(
                    "manifest",
                    f"clip {clip.clip_id}: its sha256 or size differ from {clip.file}'s entry",
                )
        held = self._held_files(m)
        budget = [HELD_BUDGET]
        for entry in m.files.values():
            if why := unsafe_name(entry.path):
                self.add("unsafe_name", f"the manifest lists {_show(entry.path)}, which {why}")
                continue
            try:
                if entry.path in held:
                    got = self._hold(entry.path, entry.size, held[entry.path], budget)
                else:  # clips and files only checked: hashed as they stream past
                    progress = advance if entry.path in clip_files else None
                    got = self.pkg.hash_member(entry.path, entry.size, progress)
                    if entry.path in clip_files:
                        self.clip_hashes[entry.path] = got
            except PackageError as e:
                self.add(e.kind, e.detail)
                continue
            self.report.files += 1
            if got != entry.sha256:
                self.add(
                    "file_hash", f"{entry.path} hashes to {got}, the manifest says {entry.sha256}"
                )

    def _held_files(self, m: Manifest) -> dict[str, int]:
        """The files whose contents the later checks read, each with its size limit."""
        held = {CHECKPOINT_FILE: MAX_NOTE}
        custody = [c.custody for c in m.clips] + [m.case_custody or ""]
        custody += [c.derived_from.custody for c in m.clips if c.derived_from is not None]
        held |= {path: MAX_CUSTODY for path in custody if path}
        if m.timestamp_token:
            held[m.timestamp_token] = MAX_TOKEN
        if m.timestamp_certificates:
            held[m.timestamp_certificates] = MAX_CERTIFICATES
        return held

    def _hold(self, path: str, size: int, limit: int, budget: list[int]) -> str:
        """Read a file the checks need into memory, within its kind's limit and what is
        left of the budget for all of them; its SHA-256."""
        if size > budget[0]:
            raise PackageError(
                "too_large",
                f"{path}: {size} bytes would pass the {HELD_BUDGET}-byte budget of files "
                "held for checking",
            )
        data = self.pkg.read_small(path, limit)
        budget[0] -= len(data)
        self.contents[path] = data
        if len(data) != size:
            self.add("file_hash", f"{path} holds {len(data)} bytes, not {size}")
        return hashlib.sha256(data).hexdigest()

    # --- the checkpoint and the streams -------------------------------------------------------

    def _checkpoint(self, m: Manifest, verifier: Verifier | None) -> Checkpoint | None:
        data = self.contents.get(CHECKPOINT_FILE)
        if data is None:
            return None
        cp: Checkpoint | None
        try:
            note = data.decode("utf-8")
            if verifier is None:
                raise CheckpointError("no usable verifier key")
            cp = verify_checkpoint(note, verifier)
        except (UnicodeDecodeError, CheckpointError) as e:
            self.add("signature", f"{CHECKPOINT_FILE}: {e}")
            cp = _unverified(data)  # still check the proofs, so each fault is named on its own
        if cp is None:
            return None
        if (cp.origin, cp.size, cp.root.hex()) != (m.origin, m.checkpoint_size, m.checkpoint_root):
            self.add(
                "manifest", "the manifest's origin, tree size or root differ from the checkpoint's"
            )
        self.report.checkpoint_size = cp.size
        return cp

    def _timestamp(self, m: Manifest, verifier: Verifier | None) -> None:
        if m.timestamp_token is None:
            if self.tsa_ca is not None:
                self.add("timestamp", "a TSA CA was given, but the package has no timestamp")
            return
        found = check_package_timestamp(
            self.contents.get(m.timestamp_token),
            self.contents.get(m.timestamp_certificates or ""),
            _as_archive_signed(self.contents.get(CHECKPOINT_FILE), verifier),
            m.timestamp_gen_time,
            self.tsa_ca,
        )
        for kind, detail in found.problems:
            self.add(kind, detail)
        self.report.timestamp = found.said

    def _witnessed(self, checkpoint: Checkpoint | None) -> None:
        """The quorum of witness cosignatures on the checkpoint, when one was asked for."""
        if self.quorum is None:
            return
        if checkpoint is None:
            self.add("witness", "no checkpoint to check the witnesses' cosignatures on")
            return
        try:
            found = check_cosignatures(checkpoint.note, self.quorum.cosigners)
        except CheckpointError as e:
            self.add("witness", f"{CHECKPOINT_FILE}: {e}")
            return
        for detail in found.invalid:
            self.add("witness", f"{CHECKPOINT_FILE}: {detail}")
        self.report.witnesses = [c.as_json() for c in found.valid]
        if found.count() < self.quorum.needed:
            self.add(
                "witness",
                f"the checkpoint is cosigned by {found.count()} of the given witnesses, "
                f"{self.quorum.needed} are required: no independent witness vouches that this "
                "is the log they saw (a rewritten log can be re-signed, not re-witnessed)",
            )

    def _stream(self, path: str, oid: UUID, checkpoint: Checkpoint | None) -> list[PackagedEvent]:
        """The stream's events if its file parses; its chain and proofs checked (once)."""
        if path not in self.streams:
            self.streams[path] = self._check_stream(path, oid, checkpoint)
        return self.streams[path]

    def _check_stream(
        self, path: str, oid: UUID, checkpoint: Checkpoint | None
    ) -> list[PackagedEvent]:
        data = self.contents.get(path)
        if data is None:
            return []
        try:
            found, events = parse_custody(data, path)
        except Malformed as e:
            self.add("manifest", str(e))
            return []
        if found != oid:
            self.add("manifest", f"{path} holds stream {found}, not {oid}")
            return []
        self.report.events += len(events)
        prev, expected, last_leaf = GENESIS, 1, -1
        for ev in events:
            at = f"{path} v{ev.version}"
            if ev.version != expected:
                missing = ev.version - expected
                what = f"{missing} event(s) missing before it" if missing > 0 else "out of order"
                self.add("missing_event", f"{at}: version {expected} belongs here; {what}")
            if ev.prev_hash != prev:
                self.add(
                    "chain", f"{at}: prev_hash {ev.prev_hash.hex()}, previous hash {prev.hex()}"
                )
            calculated = event_hash(ev.prev_hash, oid, ev.version, ev.topic, ev.state)
            if calculated != ev.hash:
                self.add(
                    "event_hash",
                    f"{at}: its bytes hash to {calculated.hex()}, recorded {ev.hash.hex()}",
                )
            if checkpoint is not None:
                if ev.leaf_index <= last_leaf:
                    self.add(
                        "inclusion", f"{at}: leaf {ev.leaf_index} does not follow leaf {last_leaf}"
                    )
                try:
                    check_inclusion(calculated, ev.leaf_index, ev.proof, checkpoint)
                except VerificationError as x:
                    self.add("inclusion", f"{at}: not in the signed log: {x}")
            prev, expected, last_leaf = ev.hash, ev.version + 1, ev.leaf_index
        return events

    def _ends_with_export(
        self, where: str, events: list[PackagedEvent], topic: str, m: Manifest
    ) -> dict[str, Any] | None:
        last = events[-1]
        fields = last.fields()
        if last.topic != topic or fields.get("export_id") != m.export_id:
            self.add(
                "missing_event",
                f"{where} ends with v{last.version} ({last.topic.rsplit('.', 1)[-1]}), not with "
                f"the {topic.rsplit('.', 1)[-1]} of export {m.export_id}: events were removed",
            )
            return None
        said = {k: fields.get(k) for k in ("actor", "recipient", "reason")}
        if said != {"actor": m.exported_by, "recipient": m.recipient, "reason": m.reason}:
            self.add("manifest", f"{where}: the export event says {said}, the manifest otherwise")
        return fields

    def _clip(self, m: Manifest, clip: ClipEntry, checkpoint: Checkpoint | None) -> None:
        events = self._stream(clip.custody, UUID(clip.clip_id), checkpoint)
        if not events:
            return
        first = events[0]
        recorded = first.fields().get("sha256")
        if first.version != 1 or first.topic != CLIP_INGESTED:
            self.add("missing_event", f"{clip.custody} does not begin with the clip's ClipIngested")
        elif recorded != clip.sha256:
            self.add(
                "manifest",
                f"clip {clip.clip_id}: the manifest says sha256 {clip.sha256}, "
                f"its ClipIngested {recorded}",
            )
        got = self.clip_hashes.get(clip.file)
        if got is not None and first.topic == CLIP_INGESTED and got != recorded:
            self.add(
                "clip_hash",
                f"{clip.file} hashes to {got}; clip {clip.clip_id} was archived with sha256 "
                f"{recorded}: this is not the recorded footage",
            )
        self._ends_with_export(clip.custody, events, CLIP_EXPORTED, m)
        self._working_copy(m, clip, events)
        d = clip.derived_from
        source = self._stream(d.custody, UUID(d.clip_id), checkpoint) if d else None
        ingested = first.fields() if first.topic == CLIP_INGESTED else {}
        for kind, detail in derivation_problems(m, clip, ingested, source):
            self.add(kind, detail)

    def _working_copy(self, m: Manifest, clip: ClipEntry, events: list[PackagedEvent]) -> None:
        """A working copy must be a derivative recorded on the clip's own stream."""
        w = clip.working_copy
        if w is None:
            return
        listed = m.files.get(w.file)
        if listed is None or (listed.sha256, listed.size) != (w.sha256, w.size):
            self.add(
                "manifest", f"clip {clip.clip_id}: its working copy differs from {w.file}'s entry"
            )
        recorded = {e.fields().get("sha256") for e in events if e.topic == CLIP_DERIVATIVE}
        if w.sha256 not in recorded:
            self.add(
                "working_copy",
                f"{w.file} (sha256 {w.sha256}) is not a derivative recorded on clip "
                f"{clip.clip_id}'s custody stream",
            )

    def _case(self, m: Manifest, checkpoint: Checkpoint | None) -> None:
        assert m.case_id is not None and m.case_custody is not None
        events = self._stream(m.case_custody, case_stream_id(m.case_id), checkpoint)
        if not events:
            return
        if events[0].topic != CASE_OPENED or events[0].fields().get("case_id") != m.case_id:
            self.add(
                "missing_event",
                f"{m.case_custody} does not begin with case {m.case_id}'s CaseOpened",
            )
        fields = self._ends_with_export(m.case_custody, events, CASE_EXPORTED, m)
        clip_ids = fields.get("clip_ids") if fields else None
        if fields is not None and sorted(map(str, clip_ids or [])) != sorted(
            c.clip_id for c in m.clips
        ):
            self.add(
                "manifest", f"case {m.case_id} exported clips {clip_ids}, the package holds others"
            )


def _unverified(data: bytes) -> Checkpoint | None:
    """A checkpoint's body read without its signature (already reported as bad)."""
    try:
        text = data.decode("utf-8").partition("\n\n")[0] + "\n"
        origin, size, root = parse_checkpoint_body(text)
    except (UnicodeDecodeError, CheckpointError):
        return None
    return Checkpoint(origin, size, root, data.decode("utf-8"))


@dataclass(frozen=True)
class _Quorum:
    cosigners: list[Cosigner]
    needed: int


def _as_archive_signed(note: bytes | None, verifier: Verifier | None) -> bytes | None:
    """checkpoint.note as the archive stored and timestamped it: its text and the archive's
    own signature lines, without the witnesses' cosignatures appended since."""
    if note is None or verifier is None:
        return note
    try:
        whole = note.decode("utf-8")
        text, signatures = split_note(whole)
    except (UnicodeDecodeError, CheckpointError):
        return note
    lines = whole[len(text) + 1 :].split("\n")[:-1]  # one per signature, in order
    mine = [
        f"{line}\n"
        for line, sig in zip(lines, signatures, strict=True)
        if (sig.name, sig.key_hash) == (verifier.name, verifier.key_hash)
    ]
    return (text + "\n" + "".join(mine)).encode("utf-8")


def _key_id(v: Verifier) -> str:
    return f"{v.name}+{v.key_hash.hex()}"


def _same_key(a: Verifier, b: Verifier) -> bool:
    return (a.name, public_bytes(a.public_key)) == (b.name, public_bytes(b.public_key))

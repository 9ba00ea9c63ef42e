"""VERIFY.txt: what an evidence package is and how anyone checks it, in plain words."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ledger.package.standalone import SCRIPT_NAME

if TYPE_CHECKING:
    from archive.export.contents import Export

CHECKS = """\
  1. The zip: it is read without extracting anything; member names that could reach
     outside a folder (absolute paths, '..'), duplicate names and files the manifest
     does not list are reported.
  2. manifest.json is signed: manifest.note is a signature by the archive's key over
     the manifest's SHA-256. Any edit to the manifest breaks it.
  3. Every file listed in the manifest has exactly the SHA-256 and size listed.
  4. checkpoint.note carries the archive's signature on the Merkle tree of its whole
     event log at the moment of this export (C2SP signed note, Ed25519).
  5. Every custody event of every clip (and of the case): its stored bytes hash to its
     recorded chain hash, each event links to the one before from the first (no event
     removed, added or reordered), and an inclusion proof shows that very hash to be
     a leaf of the signed tree (RFC 9162).
  6. Each clip's bytes hash to the SHA-256 recorded when it was ingested, and its
     custody ends with this export's own event (so no later event was cut off).
  7. The manifest says what the events say (export id, who, for whom, why, clips).
  8. If the package carries checkpoint.tst: it is an RFC 3161 timestamp token, signed
     by a time-stamping authority, over the exact bytes of checkpoint.note; its genTime
     is when the TSA saw the checkpoint. Add --tsa-ca CA.pem (the TSA's CA certificate,
     obtained independently) to require that the TSA's certificate chains to it.
Every failed check is named on its own line; the exit code is 1 if any failed."""

REDACTED = """\
REDACTED COPIES (exported with --redacted {mode})

Some clips are redacted copies: boxes blurred or blacked out, perhaps the audio removed.
Each is a clip of its own, archived with its own SHA-256; its manifest entry ("derived_from")
and its first custody event name the original's clip id and SHA-256 and the exact ffmpeg
version and arguments that made it. The verifier also checks that this source SHA-256 is the
one the original was archived with, and that the original's own custody records the copy
(the original's custody file is in the package even when its footage is not)."""

FILES = """\
  VERIFY.txt              this file
  manifest.json           the export, its clips and case, and every file's SHA-256
  manifest.note           the archive's signature over manifest.json
  checkpoint.note         the signed checkpoint sealed for this export
  verifier.key            the archive's verifier key (as it says; check it, see above)
  checkpoint.tst          (if present) the checkpoint's RFC 3161 timestamp token, DER
  tsa-certs.pem           (if present) the TSA's certificate and CA, as the archive had them
  custody/*.json          each stream's events as stored, with chain hashes, global
                          positions, Merkle leaf indexes and inclusion proofs
  report.html             the custody report, to read and print
  report.pdf              the same report as PDF, to file (when the archive could print it)
  {script:<23} the verifier, one file: Python 3.11+ and cryptography 45+
  clips/                  the original recordings, byte for byte as archived"""


def _timestamp_lines(export: Export) -> list[str]:
    stamp = export.timestamp
    if stamp is None:
        return ["Timestamp: none (no time-stamping authority was reachable or configured)"]
    return [f"Timestamp (RFC 3161): {stamp.gen_time}, serial {stamp.serial} (checkpoint.tst)"]


def verify_text(export: Export) -> str:
    case = export.case
    lines = [
        f"SAKSI EVIDENCE PACKAGE {export.export_id}",
        "",
        f"Exported by {export.ctx.actor} at {export.exported_at.isoformat()} for "
        f"{export.recipient}.",
        f"Reason: {export.reason}",
    ]
    if case is not None:
        lines.append(f"Case: {case['case_id']} ({case['kind']}): {case['title']}")
    lines += [
        f"Clips: {len(export.clips)}; custody events: {export.events}",
        f"Archive (log origin): {export.checkpoint.origin}",
        f"Checkpoint: {export.checkpoint.size} events, root {export.checkpoint.root.hex()}",
        f"Verifier key carried in this package: {export.verifier_key}",
        *_timestamp_lines(export),
        "",
        "HOW TO VERIFY - offline: no network, no server, nothing is extracted",
        "",
        "  With Saksi installed:",
        '      saksi verify PACKAGE.zip --key "THE ARCHIVE\'S VERIFIER KEY"',
        "  Without Saksi (Python 3.11 or newer with the cryptography package, 45+):",
        f"      unzip -p PACKAGE.zip {SCRIPT_NAME} > {SCRIPT_NAME}",
        f'      python3 {SCRIPT_NAME} PACKAGE.zip --key "THE ARCHIVE\'S VERIFIER KEY"',
        "  Add --json for a machine-readable result. Exit code 0: every check passed;",
        "  1: a check failed (each failure is named); 2: the command was given bad input.",
        "",
        "  Obtain the archive's verifier key independently of this package: from the",
        "  archive's operator (`saksi audit key`), a witness, or an earlier package you",
        "  trust. Without --key the package is checked with the key it carries, which",
        "  shows it is intact and consistent, not that this archive signed it.",
        f"  {SCRIPT_NAME} is only as trustworthy as its source: compare it with the",
        "  archive's published copy, or run `saksi verify` from your own installation.",
        "",
        "WHAT IS CHECKED",
        "",
        CHECKS,
        "",
        "WHAT THE FILES ARE",
        "",
        FILES.format(script=SCRIPT_NAME),
        "",
        "The formats are specified in Saksi's docs/ledger.md (event hashes, Merkle tree,",
        "checkpoints, proofs) and ledger/package/format.py (this package).",
        "",
    ]
    if any(c.derived_from for c in export.clips):
        lines += [REDACTED.format(mode=export.redacted), ""]
    return "\n".join(lines)

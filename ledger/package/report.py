"""What `saksi verify` found: the report, its JSON shape and its human verdict."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Problem:
    kind: str
    detail: str


@dataclass
class Report:
    problems: list[Problem] = field(default_factory=list)
    clips: int = 0
    events: int = 0
    files: int = 0
    export_id: str | None = None
    origin: str | None = None
    checkpoint_size: int | None = None
    key: str | None = None
    key_checked: bool = False
    timestamp: dict[str, Any] | None = None  # the checkpoint's RFC 3161 timestamp, checked
    witnesses: list[dict[str, Any]] | None = None  # valid cosignatures by the given witnesses

    @property
    def ok(self) -> bool:
        return not self.problems

    def add(self, kind: str, detail: str) -> None:
        self.problems.append(Problem(kind, detail))

    def as_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "clips": self.clips,
            "events": self.events,
            "files": self.files,
            "export_id": self.export_id,
            "origin": self.origin,
            "checkpoint_size": self.checkpoint_size,
            "key": self.key,
            "key_checked": self.key_checked,
            "timestamp": self.timestamp,
            "witnesses": self.witnesses,
            "problems": [{"kind": p.kind, "detail": p.detail} for p in self.problems],
        }


def describe(r: Report) -> str:
    """The human verdict."""
    if not r.ok:
        lines = [f"FAILED: {len(r.problems)} problem(s) in evidence package {r.export_id or '?'}"]
        return "\n".join(lines + [f"  {p.kind}: {p.detail}" for p in r.problems])
    trust = (
        f"signatures checked with the given key {r.key}"
        if r.key_checked
        else f"signatures checked with the package's own key {r.key} only: to tie the package "
        "to the archive, pass --key with the archive's verifier key obtained independently"
    )
    return (
        (
            f"OK: evidence package {r.export_id}: {r.clips} clip(s), {r.events} custody events, "
            f"{r.files} files; every file hash, chain link and inclusion proof checked against "
            f"the signed checkpoint of {r.checkpoint_size} events of {r.origin}; {trust}"
        )
        + _timestamp_line(r.timestamp)
        + _witness_line(r.witnesses)
    )


def _witness_line(cosigned: list[dict[str, Any]] | None) -> str:
    if cosigned is None:
        return ""
    names = ", ".join(f"{c['witness']} at {c['time']}" for c in cosigned) or "none"
    return f"\nwitnessed: the checkpoint is cosigned by the given witness(es): {names}"


def _timestamp_line(t: dict[str, Any] | None) -> str:
    if t is None:
        return "\nno trusted timestamp: the package carries no RFC 3161 token of its checkpoint"
    anchor = (
        "chained to the given TSA CA"
        if t["ca_checked"]
        else "checked with the certificate the package carries; pass --tsa-ca with the TSA's "
        "CA certificate to tie it to that TSA"
    )
    return (
        f"\ntimestamped: the checkpoint existed by {t['gen_time']} (RFC 3161 token serial "
        f"{t['serial']} by {t['tsa']}, issued by {t['tsa_issuer']}; {anchor})"
    )

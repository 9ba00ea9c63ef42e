"""Audit reports: `saksi audit report` and GET /api/audit/report (auditors and admins).

A report lists custody events from the ledger, one row each: time, event type, actor, the
actor's role at the time (when the actor is a user), channel, client, reason, global
position, event hash - and the stream it belongs to, its version, Merkle leaf and details.
- a clip: every event of the clip's hash-chained stream (its `audit trail`);
- a case: the case's stream, the streams of its clips and of its shares, merged in log order;
- a user: every event recorded with the user as actor (storage/readmodels/activity.py), and the
events
  of the user's own account stream (registration, role, tokens).
A checkpoint is sealed first, so every row is provable against the signed checkpoint the
report names. Generating a report records `ReportGenerated` (who, what, format, row count,
the report's SHA-256) on a stream of its own.
"""

from __future__ import annotations

import csv
import hashlib
import io
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from archive.audit.report_html import render_html
from archive.custody import trail
from archive.errors import InvalidInput, NotFound
from archive.records import load_case
from archive.sealing import seal as sealing
from archive.services import Services
from domain.audit_report import FORMATS, AuditReport
from domain.base import Context
from domain.case import Case
from domain.share import ACTOR_PREFIX
from domain.user import User
from ledger.chain import GENESIS
from storage.ledger_tables import rows as ledger_rows
from storage.readmodels import activity, share_queries

COLUMNS = (
    "time",
    "event",
    "actor",
    "role",
    "channel",
    "client",
    "reason",
    "position",
    "hash",
    "subject",
    "version",
    "leaf",
    "details",
)
MEDIA_TYPES = {"csv": "text/csv; charset=utf-8", "html": "text/html; charset=utf-8"}
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Report:
    report_id: str
    subject_kind: str
    subject: str
    format: str
    rows: list[dict[str, Any]]
    content: bytes
    sha256: str
    checkpoint_size: int

    @property
    def media_type(self) -> str:
        return MEDIA_TYPES[self.format]

    def summary(self) -> dict[str, Any]:
        return {
            "report_id": self.report_id,
            "subject_kind": self.subject_kind,
            "subject": self.subject,
            "format": self.format,
            "rows": len(self.rows),
            "sha256": self.sha256,
            "size_bytes": len(self.content),
            "checkpoint_size": self.checkpoint_size,
        }


def generate(
    svc: Services,
    ctx: Context,
    *,
    format: str,
    clip_id: str | None = None,
    case_id: str | None = None,
    user: str | None = None,
) -> Report:
    """Build the report and record that it was made (auditors, admins, and the host)."""
    given = [(k, v) for k, v in (("clip", clip_id), ("case", case_id), ("user", user)) if v]
    if len(given) != 1:
        raise InvalidInput("a report covers one clip, one case or one user: give exactly one")
    if format not in FORMATS:
        raise InvalidInput(f"invalid format {format!r}: expected csv or html")
    kind, subject = given[0]
    svc.guard.require(ctx, "audit", target=f"{kind}:{subject}")
    checkpoint = sealing.checkpoint_now(svc)
    rows, covers = _ROWS[kind](svc, subject)
    _add_roles(svc, rows)
    report_id = str(uuid.uuid4())
    if format == "csv":
        content = to_csv(rows)
    else:
        head = {
            "report_id": report_id,
            "kind": kind,
            "subject": subject,
            "covers": covers,
            "generated_by": ctx.actor,
            "channel": ctx.channel,
            "client": ctx.client,
            "checkpoint": sealing.checkpoint_json(checkpoint, sealing.key_string(svc)),
        }
        content = render_html(head, rows).encode("utf-8")
    digest = hashlib.sha256(content).hexdigest()
    record = AuditReport.generated(
        report_id=UUID(report_id),
        subject_kind=kind,
        subject=subject,
        format=format,
        rows=len(rows),
        checkpoint_size=checkpoint.size,
        sha256=digest,
        ctx=ctx,
    )
    svc.events.save(record)
    return Report(report_id, kind, subject, format, rows, content, digest, checkpoint.size)


def _stream(svc: Services, oid: UUID, subject: str) -> list[dict[str, Any]]:
    events, _ = trail.decode(svc, oid, ledger_rows.stream_with_links(svc.db, oid))
    return [{**e, "subject": subject} for e in events]


def _clip_rows(svc: Services, clip_id: str) -> tuple[list[dict[str, Any]], str]:
    t = trail.build_trail(svc, clip_id)  # NotFound for an unknown clip
    rows = [{**e, "subject": f"clip:{clip_id}"} for e in t["events"]]
    return rows, f"every event of clip {clip_id}'s hash-chained stream (its custody trail)"


def _case_rows(svc: Services, case_id: str) -> tuple[list[dict[str, Any]], str]:
    case = load_case(svc.events, case_id)
    shares = share_queries.shares_of_case(svc.db, case.case_id)
    rows = _stream(svc, Case.create_id(case.case_id), f"case:{case.case_id}")
    for clip_id in case.clip_ids:
        rows += _stream(svc, UUID(clip_id), f"clip:{clip_id}")
    for share_id in shares:
        rows += _stream(svc, UUID(share_id), f"share:{share_id}")
    rows.sort(key=lambda r: int(r["position"]))
    covers = (
        f"every event of case {case.case_id}'s stream, of its {len(case.clip_ids)} clip(s)' "
        f"streams and of its {len(shares)} share(s)' streams, in log order"
    )
    return rows, covers


def _user_rows(svc: Services, name: str) -> tuple[list[dict[str, Any]], str]:
    activity.catch_up(svc.db, svc.store.mapper)
    positions = [int(r["position"]) for r in activity.by_actor(svc.db, name)]
    account = User.create_id(name) if ":" not in name else None
    rows = []
    for r in activity.events_at(svc.db, positions):
        prev = bytes(r["prev"]) if r["prev"] is not None else GENESIS
        rows.append({**trail.entry(svc, r["oid"], r, prev), "subject": _subject(svc, r["oid"])})
    if account is not None:
        seen = {int(r["position"]) for r in rows}
        own = _stream(svc, account, f"user:{name}")
        rows += [r for r in own if int(r["position"]) not in seen]
    if not rows:
        raise NotFound(f"no user {name}, and no event names {name} as its actor")
    rows.sort(key=lambda r: int(r["position"]))
    covers = (
        f"every event recorded with {name} as its actor, in any stream, and the events of "
        f"{name}'s account, in log order"
    )
    return rows, covers


_ROWS = {"clip": _clip_rows, "case": _case_rows, "user": _user_rows}


def _subject(svc: Services, oid: UUID) -> str:
    """The stream an event belongs to, by its first event's type."""
    first = next(iter(svc.store.events.get(oid, lte=1)), None)
    kind = type(first).__qualname__.split(".")[0].lower() if first is not None else "stream"
    name = getattr(first, "case_id", None) or getattr(first, "name", None)
    if kind == "case" and name:
        return f"case:{name}"
    if kind == "user" and name:
        return f"user:{name}"
    return f"{kind}:{oid}"


def _add_roles(svc: Services, rows: list[dict[str, Any]]) -> None:
    """Each row's actor's role when the event was recorded, where the actor is a user."""
    history: dict[str, list[tuple[datetime, str]]] = {}
    for row in rows:
        actor = row.get("actor") or ""
        if actor.startswith(ACTOR_PREFIX):
            row["role"] = "share recipient"
            continue
        if actor not in history:
            history[actor] = _roles(svc, actor)
        role, when = "", datetime.fromisoformat(row["at"])
        for at, r in history[actor]:
            if at <= when:
                role = r
        row["role"] = role


def _roles(svc: Services, name: str) -> list[tuple[datetime, str]]:
    """(time, role) each time the user's role was set, in order; empty for non-users."""
    if not name or ":" in name:
        return []
    found = []
    for event in svc.store.events.get(User.create_id(name)):
        e: Any = event
        role = getattr(e, "role", None)
        if role is not None:
            found.append((e.timestamp, str(role)))
    return found


def to_csv(rows: list[dict[str, Any]]) -> bytes:
    """One header line and one line per event (RFC 4180). Free text that a spreadsheet would
    run as a formula (starting = + - @) is prefixed with an apostrophe."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for r in rows:
        writer.writerow(
            [
                r["at"],
                r["type"],
                _cell(r.get("actor")),
                r.get("role") or "",
                r.get("channel") or "",
                _cell(r.get("client")),
                _cell(r.get("reason")),
                r["position"],
                r.get("hash") or "",
                _cell(r["subject"]),
                r["version"],
                "" if r.get("leaf_index") is None else r["leaf_index"],
                _cell(details_text(r.get("details") or {})),
            ]
        )
    return out.getvalue().encode("utf-8")


def details_text(details: dict[str, Any]) -> str:
    return "; ".join(f"{k}: {v}" for k, v in details.items())


def _cell(value: Any) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text

"""An audit report generated from the ledger: who asked for which report, in which format,
how many events it listed, up to which signed checkpoint, and the SHA-256 of what was handed
out (so a printed report can later be matched to its record)."""

from __future__ import annotations

from uuid import UUID

from eventsourcing.domain import event

from domain.base import Attributed, Context, RuleBroken

SUBJECTS = ("clip", "case", "user")
FORMATS = ("csv", "html")


class AuditReport(Attributed):
    class ReportGenerated(Attributed.Created):
        subject_kind: str
        subject: str
        format: str
        rows: int
        checkpoint_size: int | None
        sha256: str

    @event(ReportGenerated)
    def __init__(
        self,
        id: UUID,
        subject_kind: str,
        subject: str,
        format: str,
        rows: int,
        checkpoint_size: int | None,
        sha256: str,
        actor: str,
        channel: str,
        client: str | None,
    ) -> None:
        self.subject_kind = subject_kind
        self.subject = subject
        self.format = format
        self.rows = rows
        self.checkpoint_size = checkpoint_size
        self.sha256 = sha256

    @classmethod
    def generated(
        cls,
        *,
        report_id: UUID,
        subject_kind: str,
        subject: str,
        format: str,
        rows: int,
        checkpoint_size: int | None,
        sha256: str,
        ctx: Context,
    ) -> AuditReport:
        if subject_kind not in SUBJECTS:
            raise RuleBroken(f"a report covers a clip, a case or a user, not {subject_kind!r}")
        if format not in FORMATS:
            raise RuleBroken(f"invalid report format {format!r}: expected csv or html")
        return cls(
            id=report_id,
            subject_kind=subject_kind,
            subject=subject,
            format=format,
            rows=rows,
            checkpoint_size=checkpoint_size,
            sha256=sha256,
            **ctx.fields(),
        )

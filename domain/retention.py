"""Retention policies per class, and the rule that gives a clip its retain-until time."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from eventsourcing.domain import event

from domain.base import Attributed, Context, RuleBroken, named_id

CLASSES = ("report", "incident", "investigation")
DEFAULT_KEEP = {
    "report": timedelta(days=90),
    "incident": timedelta(days=365),
    "investigation": timedelta(days=5 * 365),
}
# An open case holds its clips indefinitely; this date stands for "until the case closes".
FOREVER = datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC)


def check_class(retention_class: str) -> str:
    if retention_class not in CLASSES:
        raise RuleBroken(
            f"unknown retention class {retention_class!r}; expected one of {', '.join(CLASSES)}"
        )
    return retention_class


class RetentionPolicy(Attributed):
    class PolicySet(Attributed.Created):
        retention_class: str
        keep_seconds: int
        reason: str | None

    class PolicyChanged(Attributed.Event):
        keep_seconds: int
        reason: str | None

        def apply(self, aggregate: Any) -> None:
            aggregate.keep_seconds = self.keep_seconds

    @staticmethod
    def create_id(retention_class: str, **_: Any) -> UUID:
        return named_id("retention", retention_class)

    @event(PolicySet)
    def __init__(
        self,
        retention_class: str,
        keep_seconds: int,
        reason: str | None,
        actor: str,
        channel: str,
        client: str | None,
    ) -> None:
        self.retention_class = retention_class
        self.keep_seconds = keep_seconds

    @classmethod
    def define(
        cls, retention_class: str, keep: timedelta, reason: str | None, ctx: Context
    ) -> RetentionPolicy:
        return cls(
            retention_class=check_class(retention_class),
            keep_seconds=_check_keep(keep),
            reason=reason,
            **ctx.fields(),
        )

    @property
    def keep(self) -> timedelta:
        return timedelta(seconds=self.keep_seconds)

    def change(self, keep: timedelta, reason: str | None, ctx: Context) -> None:
        self.trigger_event(
            self.PolicyChanged, keep_seconds=_check_keep(keep), reason=reason, **ctx.fields()
        )


def _check_keep(keep: timedelta) -> int:
    seconds = int(keep.total_seconds())
    if seconds < 1:
        raise RuleBroken("a retention period must be at least one second")
    return seconds


@dataclass(frozen=True)
class CaseTerm:
    """What one case a clip belongs to asks of its retention."""

    open: bool
    closed_at: datetime | None
    keep: timedelta


def retain_until(recorded: datetime, class_keep: timedelta, cases: Iterable[CaseTerm]) -> datetime:
    """The longest of: the clip's class from its recording time; each case it belongs to
    (an open case holds it indefinitely, a closed case adds its class tail from closing)."""
    until = recorded + class_keep
    for case in cases:
        if case.open or case.closed_at is None:
            return FOREVER
        until = max(until, case.closed_at + case.keep)
    return until

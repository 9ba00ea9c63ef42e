"""A run of a scheduled job (retention sweep, checkpoint sealing, fixity audit).

Every run, by the scheduler or by hand, is its own short stream — started, then finished
with its counts or failed — so auditors can see that the schedule ran and what it did.
"""

from __future__ import annotations

from typing import Any

from eventsourcing.domain import event

from domain.base import Attributed, Context, RuleBroken

TRIGGERS = ("schedule", "catch-up", "cli", "web")  # web: started from a UI page


class JobRun(Attributed):
    class RunStarted(Attributed.Created):
        job: str
        trigger: str
        host: str

    class RunFinished(Attributed.Event):
        result: dict[str, Any]

        def apply(self, aggregate: Any) -> None:
            aggregate.status = "finished"
            aggregate.result = self.result

    class RunFailed(Attributed.Event):
        error: str

        def apply(self, aggregate: Any) -> None:
            aggregate.status = "failed"
            aggregate.error = self.error

    @event(RunStarted)
    def __init__(
        self, job: str, trigger: str, host: str, actor: str, channel: str, client: str | None
    ) -> None:
        self.job = job
        self.trigger = trigger
        self.host = host
        self.status = "started"
        self.result: dict[str, Any] | None = None
        self.error: str | None = None

    @classmethod
    def start(cls, job: str, trigger: str, host: str, ctx: Context) -> JobRun:
        if not job:
            raise RuleBroken("a job needs a name")
        if trigger not in TRIGGERS:
            raise RuleBroken(f"unknown trigger {trigger!r}; expected one of {', '.join(TRIGGERS)}")
        return cls(job=job, trigger=trigger, host=host, **ctx.fields())

    def _check_running(self) -> None:
        if self.status != "started":
            raise RuleBroken(f"run of {self.job} already {self.status}")

    def finish(self, result: dict[str, Any], ctx: Context) -> None:
        self._check_running()
        self.trigger_event(self.RunFinished, result=result, **ctx.fields())

    def fail(self, error: str, ctx: Context) -> None:
        self._check_running()
        self.trigger_event(self.RunFailed, error=error[:2000], **ctx.fields())

"""A refused request with no clip or case stream to live on (unknown actor, admin action)."""

from __future__ import annotations

from eventsourcing.domain import event

from domain.base import Attributed, Context


class Refusal(Attributed):
    class AccessDenied(Attributed.Created):
        action: str
        target: str | None
        detail: str

    @event(AccessDenied)
    def __init__(
        self,
        action: str,
        target: str | None,
        detail: str,
        actor: str,
        channel: str,
        client: str | None,
    ) -> None:
        self.action = action
        self.target = target
        self.detail = detail

    @classmethod
    def record(cls, action: str, target: str | None, detail: str, ctx: Context) -> Refusal:
        return cls(action=action, target=target, detail=detail, **ctx.fields())

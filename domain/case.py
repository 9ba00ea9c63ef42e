"""Cases: a 112 report, an incident or an investigation, with members, a lead and clips."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import event

from domain.base import Attributed, Context, RuleBroken, named_id
from domain.ids import check_id

KINDS = ("report", "incident", "investigation")


def check_case_id(case_id: str) -> str:
    return check_id("case id", case_id, parts=True)


class Case(Attributed):
    class CaseOpened(Attributed.Created):
        case_id: str
        kind: str
        title: str
        lead: str
        members: list[str]

    class MemberAdded(Attributed.Event):
        user: str

    class ClipAttached(Attributed.Event):
        clip_id: str
        reason: str

    class CaseClosed(Attributed.Event):
        reason: str

        def apply(self, aggregate: Any) -> None:
            aggregate.closed_at = self.timestamp

    class LegalHoldPlaced(Attributed.Event):
        reason: str

    class LegalHoldReleased(Attributed.Event):
        reason: str

    class CaseExported(Attributed.Event):
        export_id: str
        recipient: str
        reason: str
        clip_ids: list[str]

    class AccessDenied(Attributed.Event):
        action: str
        detail: str

    class FootageRequested(Attributed.Event):
        """A footage request for this case was sent to a private camera's owner."""

        request_id: str
        camera_id: str
        owner_user: str
        start: datetime
        end: datetime
        reason: str

    class FootageRequestAnswered(Attributed.Event):
        """The camera's owner approved (answer "approved") or declined a request of this case."""

        request_id: str
        answer: str
        reason: str | None

    @staticmethod
    def create_id(case_id: str, **_: Any) -> UUID:
        return named_id("case", case_id)

    @event(CaseOpened)
    def __init__(
        self,
        case_id: str,
        kind: str,
        title: str,
        lead: str,
        members: list[str],
        actor: str,
        channel: str,
        client: str | None,
    ) -> None:
        self.case_id = case_id
        self.kind = kind
        self.title = title
        self.lead = lead
        self.members = list(members)
        self.clip_ids: list[str] = []
        self.closed_at: datetime | None = None
        self.on_hold = False

    @classmethod
    def open(
        cls, case_id: str, kind: str, title: str, lead: str, members: list[str], ctx: Context
    ) -> Case:
        if kind not in KINDS:
            raise RuleBroken(f"invalid case kind {kind!r}: expected one of {', '.join(KINDS)}")
        if not title.strip():
            raise RuleBroken("a case needs a title")
        everyone = [lead, *[m for m in dict.fromkeys(members) if m != lead]]
        return cls(
            case_id=check_case_id(case_id),
            kind=kind,
            title=title.strip(),
            lead=lead,
            members=everyone,
            **ctx.fields(),
        )

    @property
    def is_open(self) -> bool:
        return self.closed_at is None

    def is_member(self, user: str) -> bool:
        return user in self.members

    def add_member(self, user: str, ctx: Context) -> None:
        if user in self.members:
            raise RuleBroken(f"{user} is already a member of case {self.case_id}")
        self._member_added(user=user, **ctx.fields())

    @event(MemberAdded)
    def _member_added(self, user: str, actor: str, channel: str, client: str | None) -> None:
        self.members.append(user)

    def attach(self, clip_id: str, reason: str, ctx: Context) -> None:
        if not self.is_open:
            raise RuleBroken(f"case {self.case_id} is closed")
        if clip_id in self.clip_ids:
            raise RuleBroken(f"clip {clip_id} is already attached to case {self.case_id}")
        self._clip_attached(clip_id=clip_id, reason=reason, **ctx.fields())

    @event(ClipAttached)
    def _clip_attached(
        self, clip_id: str, reason: str, actor: str, channel: str, client: str | None
    ) -> None:
        self.clip_ids.append(clip_id)

    def close(self, reason: str, ctx: Context) -> None:
        if not self.is_open:
            raise RuleBroken(f"case {self.case_id} is already closed")
        self.trigger_event(self.CaseClosed, reason=reason, **ctx.fields())

    def place_legal_hold(self, reason: str, ctx: Context) -> None:
        if self.on_hold:
            raise RuleBroken(f"case {self.case_id} is already under legal hold")
        self._hold_placed(reason=reason, **ctx.fields())

    @event(LegalHoldPlaced)
    def _hold_placed(self, reason: str, actor: str, channel: str, client: str | None) -> None:
        self.on_hold = True

    def release_legal_hold(self, reason: str, ctx: Context) -> None:
        if not self.on_hold:
            raise RuleBroken(f"case {self.case_id} is not under legal hold")
        self._hold_released(reason=reason, **ctx.fields())

    @event(LegalHoldReleased)
    def _hold_released(self, reason: str, actor: str, channel: str, client: str | None) -> None:
        self.on_hold = False

    def record_export(
        self, export_id: str, recipient: str, reason: str, clip_ids: list[str], ctx: Context
    ) -> None:
        self._exported(
            export_id=export_id,
            recipient=recipient,
            reason=reason,
            clip_ids=clip_ids,
            **ctx.fields(),
        )

    @event(CaseExported)
    def _exported(
        self,
        export_id: str,
        recipient: str,
        reason: str,
        clip_ids: list[str],
        actor: str,
        channel: str,
        client: str | None,
    ) -> None:
        pass

    def record_refusal(self, action: str, detail: str, ctx: Context) -> None:
        self._denied(action=action, detail=detail, **ctx.fields())

    @event(AccessDenied)
    def _denied(
        self, action: str, detail: str, actor: str, channel: str, client: str | None
    ) -> None:
        pass

    def record_footage_request(
        self,
        request_id: str,
        camera_id: str,
        owner_user: str,
        start: datetime,
        end: datetime,
        reason: str,
        ctx: Context,
    ) -> None:
        if not self.is_open:
            raise RuleBroken(f"case {self.case_id} is closed")
        self.trigger_event(
            self.FootageRequested,
            request_id=request_id,
            camera_id=camera_id,
            owner_user=owner_user,
            start=start,
            end=end,
            reason=reason,
            **ctx.fields(),
        )

    def record_request_answer(
        self, request_id: str, answer: str, reason: str | None, ctx: Context
    ) -> None:
        self.trigger_event(
            self.FootageRequestAnswered,
            request_id=request_id,
            answer=answer,
            reason=reason,
            **ctx.fields(),
        )

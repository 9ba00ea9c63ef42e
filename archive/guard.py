"""Who may do what (design.md, "Access control"), checked by every use case.

Every use case takes the caller's Context (who, through which channel, from where) as a
required argument and asks the Guard before it touches evidence; nothing means "don't check".
Users act through their role. Two principals are not users, and the table lists what they may
do like any role:
- SYSTEM: the scheduler and other internal work (channels `scheduler` and `system`), which
  the code creates itself (no interface can claim it);
- HOST: someone with a shell on the archive host running a command that names no user
  (`saksi init`, `saksi audit verify`...), on the channel `host`: they can read the database
  anyway, and may read metadata and the log, never footage.

Refusals are recorded before they are reported: on the clip's or case's own stream when
the target is one (so they appear in its custody trail), otherwise as a Refusal. Refusing must
never let anyone flood or block other people's evidence (issue 18, finding 1), so:
- per (actor, target, action) at most one record a minute, the attempts in between counted
  into the next record ("and N more ..."), as for failed sign-ins (archive/throttle.py);
- a refusal is written to the target's stream once, never retried: if a legitimate write got
  there first it goes to a Refusal stream of its own naming the target instead, so a refusal
  can cost a legitimate writer at most one retry and can never make it fail.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import NoReturn

from eventsourcing.persistence import IntegrityError

from archive.errors import Refused
from archive.records import load_cases
from archive.throttle import FailedSignIns
from domain.base import Context
from domain.case import Case
from domain.clip import Clip
from domain.refusal import Refusal
from domain.user import User
from storage.eventstore.store import Events

ANY_ROLE = frozenset({"operator", "investigator", "auditor", "admin"})
SYSTEM = "system"  # the scheduler and internal work
HOST = "host"  # a command on the archive host naming no user

PERMISSIONS: dict[str, frozenset[str]] = {
    "camera.register": frozenset({"operator", "admin"}),
    "camera.edit": frozenset({"operator", "admin"}),  # edit, retire, recording source, import
    "camera.export": ANY_ROLE,  # the registry as CSV/GeoJSON (no credential is in it)
    "clip.ingest": frozenset({"operator", "investigator"}),
    "metadata.search": ANY_ROLE | {HOST},
    "content.read": frozenset({"operator", "investigator"}),  # and membership of the clip's case
    "case.open": frozenset({"operator", "investigator", "admin"}),
    "case.assign": frozenset({"operator", "investigator", "admin"}),
    "case.attach": frozenset({"operator", "investigator"}),
    "case.close": frozenset({"operator", "investigator", "admin"}),
    "audit": frozenset({"auditor", "admin", HOST, SYSTEM}),  # SYSTEM: seals, fixity, notices
    "retention.admin": frozenset({"admin"}),
    "retention.sweep": frozenset({"admin", SYSTEM}),  # admins through `retention sweep`
    "archive.init": frozenset({HOST}),  # schema, bucket, signing key, first admin
    "job.run": frozenset({"auditor", "admin", HOST, SYSTEM}),  # recorded runs of jobs
    "feed.ship": frozenset({SYSTEM}),  # the custody feed to the SIEM (archive/ops/feed.py)
    "users.admin": frozenset({"admin"}),
    "hold.place": frozenset({"investigator", "admin"}),  # investigators on their own cases
    "hold.release": frozenset({"admin"}),
    # Private camera owners (role owner) see their own cameras and the footage requests sent
    # to them, and answer those; nothing else (archive/footage_requests/requests.py).
    "camera.list": ANY_ROLE | {"owner", HOST},  # owners: their own cameras only
    "request.send": frozenset({"operator", "investigator"}),  # members of the request's case
    "request.read": ANY_ROLE | {"owner"},  # owners: theirs; operators, investigators: their cases'
    "request.answer": frozenset({"owner"}),  # the owner the request was sent to
}


@dataclass(frozen=True)
class Principal:
    name: str
    role: str
    ctx: Context


class Guard:
    """Resolves actors and enforces the access table, recording every refusal."""

    def __init__(self, events: Events, refusals: FailedSignIns | None = None) -> None:
        self.events = events
        self.refusals = refusals if refusals is not None else FailedSignIns()

    def require(
        self,
        ctx: Context,
        action: str,
        target: Clip | Case | str | None = None,
        also: Sequence[Clip | Case] = (),
    ) -> Principal:
        role = _not_a_user(ctx)
        if role is None:
            user = self.events.find(User, User.create_id(ctx.actor))
            if user is None:
                self.refuse(ctx, action, f"unknown user {ctx.actor!r}", target, also)
            if user.revoked:
                self.refuse(ctx, action, f"the access of {ctx.actor} is revoked", target, also)
            if user.token_expires and user.token_expires < datetime.now(UTC):
                self.refuse(ctx, action, f"the token of {ctx.actor} has expired", target, also)
            role = user.role
        if role not in PERMISSIONS[action]:
            self.refuse(ctx, action, f"role {role} may not {action}", target, also)
        return Principal(ctx.actor, role, ctx)

    def may_use_clip(self, who: Principal, clip: Clip) -> bool:
        """Content is case-scoped: members of one of the clip's cases, or for a clip in no case
        yet, the person who ingested it (so they can attach it to a case)."""
        if not clip.case_ids:
            return bool(clip.ingested_by == who.name)
        return any(c.is_member(who.name) for c in load_cases(self.events, clip.case_ids))

    def require_member(self, who: Principal, case: Case, action: str, target: Clip | Case) -> None:
        if not case.is_member(who.name):
            self.refuse(
                who.ctx, action, f"{who.name} is not a member of case {case.case_id}", target
            )

    def refuse(
        self,
        ctx: Context,
        action: str,
        detail: str,
        target: Clip | Case | str | None = None,
        also: Sequence[Clip | Case] = (),
    ) -> NoReturn:
        """Record the refusal on the target (and on every stream in `also`: a case export
        refused is recorded on each of its clips' trails too), then raise Refused. Throttled
        per (actor, target, action): the attempts not recorded are counted into the next one."""
        recorded = self.throttled(ctx, _target_name(target), action, detail)
        if recorded is not None:
            for other in also:
                self._record_on(other, action, recorded, ctx)
            if isinstance(target, (Clip, Case)):
                self._record_on(target, action, recorded, ctx)
            else:
                self.events.save(Refusal.record(action, target, recorded, ctx))
        raise Refused(f"refused: {detail}", action=action)

    def record_refusal(self, ctx: Context, action: str, detail: str, target: str) -> None:
        """Record a refusal decided elsewhere (a web form's CSRF check), throttled alike."""
        recorded = self.throttled(ctx, target, action, detail)
        if recorded is not None:
            self.events.save(Refusal.record(action, target, recorded, ctx))

    def throttled(self, ctx: Context, target: str, action: str, detail: str) -> str | None:
        """The detail to record for this refusal, or None to only count it (one record per
        (actor, target, action) a minute, the count of the others folded into it)."""
        suppressed = self.refusals.admit(f"{ctx.actor}|{target}|{action}")
        if suppressed is None:
            return None
        if suppressed:
            return f"{detail} (and {suppressed} more refused attempts not recorded one by one)"
        return detail

    def _record_on(self, target: Clip | Case, action: str, detail: str, ctx: Context) -> None:
        """One attempt on the target's own stream; beside it if that stream just moved on."""
        cls = type(target)
        current = self.events.find(cls, target.id)
        if current is not None:
            current.record_refusal(action, detail, ctx)
            try:
                self.events.save(current)
                return
            except IntegrityError:
                self.events.note_conflict()
        beside = f"{detail} (recorded beside the busy stream)"
        self.events.save(Refusal.record(action, _target_name(target), beside, ctx))


def _target_name(target: Clip | Case | str | None) -> str:
    if isinstance(target, Clip):
        return f"clip:{target.id}"
    if isinstance(target, Case):
        return f"case:{target.case_id}"
    return target or "-"


def _not_a_user(ctx: Context) -> str | None:
    """SYSTEM or HOST for the channels only the code itself opens; None for a user."""
    if ctx.channel in ("scheduler", "system"):
        return SYSTEM
    if ctx.channel == "host":
        return HOST
    return None


def system_principal(name: str = "system") -> Context:
    """Internal work that acts on its own (abandoned upload claims, ...)."""
    return Context(actor=name, channel="system")


def scheduler_principal(host: str) -> Context:
    """The scheduled jobs, recording the host they ran on."""
    return Context(actor="scheduler", channel="scheduler", client=host)

"""Signing in with a bearer token, and auditing failed attempts without flooding the log.

Every failed sign-in with a presented token (unknown, malformed, revoked or expired) is an
`AccessDenied` with action `auth`, the client address and what was wrong - never the token.
An attacker must not be able to grow the event log at will, so records are rate-limited:
per client address at most one record per WINDOW seconds; the attempts in between are counted
and the count is written into that client's next record ("and N more since ..."). Across all
clients at most GLOBAL_CAP records per window; past it, attempts are only counted, into the
next record made. The limiter lives in each server process.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from archive import timefmt, users
from archive.bootstrap import Services
from archive.errors import Unauthenticated
from domain.base import Context
from domain.refusal import Refusal
from storage import queries

WINDOW = 60.0
GLOBAL_CAP = 30
MAX_TOKEN_LENGTH = 256
_TRACKED_CLIENTS = 10_000  # memory bound of the per-client table


@dataclass
class _Window:
    started: float
    suppressed: int = 0


class FailedSignIns:
    """Decides which failed sign-ins are recorded, and counts the ones that are not."""

    def __init__(
        self,
        window: float = WINDOW,
        global_cap: int = GLOBAL_CAP,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.window, self.global_cap, self.clock = window, global_cap, clock
        self._clients: dict[str, _Window] = {}
        self._global = _Window(clock())
        self._global_records = 0
        self._lock = threading.Lock()

    def admit(self, client: str) -> int | None:
        """None: count this attempt only. Otherwise record it, with this many suppressed before."""
        now = self.clock()
        with self._lock:
            if now - self._global.started >= self.window:
                self._global = _Window(now, self._global.suppressed)
                self._global_records = 0
            seen = self._clients.get(client)
            if seen is not None and now - seen.started < self.window:
                seen.suppressed += 1
                return None
            if self._global_records >= self.global_cap:
                self._global.suppressed += 1
                return None
            if len(self._clients) >= _TRACKED_CLIENTS:
                self._prune(now)
            suppressed = (seen.suppressed if seen else 0) + self._global.suppressed
            self._global.suppressed = 0
            self._global_records += 1
            self._clients[client] = _Window(now)
            return suppressed

    def _prune(self, now: float) -> None:
        for key in [k for k, w in self._clients.items() if now - w.started >= self.window]:
            self._global.suppressed += self._clients.pop(key).suppressed
        if len(self._clients) >= _TRACKED_CLIENTS:  # all recent: forget, keeping the counts
            self._global.suppressed += sum(w.suppressed for w in self._clients.values())
            self._clients.clear()


def sign_in(svc: Services, token: str | None, client: str | None, target: str) -> Context:
    """The context of the user a bearer token belongs to; Unauthenticated otherwise."""
    if not token:
        raise Unauthenticated("a bearer token is required: Authorization: Bearer TOKEN")
    user = users.authenticate(svc, token) if _plausible(token) else None
    if user is None:
        actor, problem = _diagnose(svc, token)
        _record_failure(svc, Context(actor, "http", client), target, problem)
        raise Unauthenticated("the token is not valid (unknown, revoked or expired)")
    return Context(actor=str(user["name"]), channel="http", client=client)


def _plausible(token: str) -> bool:
    return len(token) <= MAX_TOKEN_LENGTH and token.isascii() and token.isprintable()


def _diagnose(svc: Services, token: str) -> tuple[str, str]:
    """Who the failed token belonged to, if anyone, and what was wrong with it."""
    if not _plausible(token):
        return "anonymous", "a malformed token"
    token_hash = users.hash_token(token)
    row = queries.user_by_token_hash(svc.db, token_hash)
    if row is None or not secrets.compare_digest(row["token_hash"], token_hash):
        return "anonymous", "an unknown token"
    if row["revoked"]:
        return str(row["name"]), f"the revoked token of {row['name']}"
    expires = row["token_expires"]
    if expires and datetime.fromisoformat(expires) < timefmt.now():
        return str(row["name"]), f"the token of {row['name']} expired at {expires}"
    return str(row["name"]), f"the token of {row['name']} was refused"


def _record_failure(svc: Services, ctx: Context, target: str, problem: str) -> None:
    limiter: FailedSignIns = svc.extras.setdefault("failed_sign_ins", FailedSignIns())
    suppressed = limiter.admit(ctx.client or "unknown")
    if suppressed is None:
        return
    detail = f"sign-in with {problem}"
    if suppressed:
        detail += f" (and {suppressed} more failed sign-ins not recorded one by one)"
    svc.events.save(Refusal.record("auth", target, detail, ctx))

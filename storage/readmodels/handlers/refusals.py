"""Read-model handler of refusals, wherever they are recorded: rm_refusals."""

from __future__ import annotations

from typing import Any

from domain.case import Case
from domain.clip import Clip
from domain.refusal import Refusal
from storage.db import Tx
from storage.readmodels.handlers.cases import _case_id
from storage.readmodels.registry import on, stored_time


@on(Refusal.AccessDenied, Clip.AccessDenied, Case.AccessDenied)
def _refusal(tx: Tx, pos: int, e: Any) -> None:
    if isinstance(e, Refusal.AccessDenied):
        target = e.target
    elif isinstance(e, Clip.AccessDenied):
        target = f"clip:{e.originator_id}"
    else:
        target = f"case:{_case_id(tx, e)}"
    tx.run(
        "INSERT INTO rm_refusals (position, at, actor, action, target, detail, channel, client) "
        "VALUES (?,?,?,?,?,?,?,?) ON CONFLICT (position) DO NOTHING",
        (pos, stored_time(e.timestamp), e.actor, e.action, target, e.detail, e.channel, e.client),
    )

"""Read-model handlers of cases: rm_cases, their members and clips."""

from __future__ import annotations

from typing import Any

from domain.case import Case
from storage.db import Tx
from storage.readmodels.registry import name_of, on, stored_time


@on(Case.CaseOpened)
def _case_opened(tx: Tx, _pos: int, e: Case.CaseOpened) -> None:
    tx.run(
        "INSERT INTO rm_cases (case_id, kind, title, lead, status, opened_at) "
        "VALUES (?,?,?,?,'open',?) ON CONFLICT (case_id) DO NOTHING",
        (e.case_id, e.kind, e.title, e.lead, stored_time(e.timestamp)),
    )
    tx.many(
        "INSERT INTO rm_case_members (case_id, user_name) VALUES (?,?) ON CONFLICT DO NOTHING",
        [(e.case_id, m) for m in e.members],
    )


def _case_id(tx: Tx, e: Any) -> str:
    return name_of(tx, e.originator_id)


@on(Case.MemberAdded)
def _member(tx: Tx, _pos: int, e: Case.MemberAdded) -> None:
    tx.run(
        "INSERT INTO rm_case_members (case_id, user_name) VALUES (?,?) ON CONFLICT DO NOTHING",
        (_case_id(tx, e), e.user),
    )


@on(Case.ClipAttached)
def _attached(tx: Tx, _pos: int, e: Case.ClipAttached) -> None:
    tx.run(
        "INSERT INTO rm_case_clips (case_id, clip_id, attached_at) VALUES (?,?,?) "
        "ON CONFLICT DO NOTHING",
        (_case_id(tx, e), e.clip_id, stored_time(e.timestamp)),
    )


@on(Case.CaseClosed)
def _closed(tx: Tx, _pos: int, e: Case.CaseClosed) -> None:
    tx.run(
        "UPDATE rm_cases SET status='closed', closed_at=? WHERE case_id=?",
        (stored_time(e.timestamp), _case_id(tx, e)),
    )


@on(Case.LegalHoldPlaced, Case.LegalHoldReleased)
def _case_hold(tx: Tx, _pos: int, e: Any) -> None:
    on_hold = 1 if isinstance(e, Case.LegalHoldPlaced) else 0
    tx.run("UPDATE rm_cases SET on_hold=? WHERE case_id=?", (on_hold, _case_id(tx, e)))

"""Read-model handlers of retention policies: rm_policies, one row a retention class."""

from __future__ import annotations

from domain.retention import RetentionPolicy
from storage.db import Tx
from storage.readmodels.registry import name_of, on, stored_time


@on(RetentionPolicy.PolicySet)
def _policy_set(tx: Tx, _pos: int, e: RetentionPolicy.PolicySet) -> None:
    tx.run(
        "INSERT INTO rm_policies (retention_class, keep_seconds, changed_at, changed_by) "
        "VALUES (?,?,?,?) ON CONFLICT (retention_class) DO UPDATE SET "
        "keep_seconds=excluded.keep_seconds, "
        "changed_at=excluded.changed_at, changed_by=excluded.changed_by",
        (e.retention_class, e.keep_seconds, stored_time(e.timestamp), e.actor),
    )


@on(RetentionPolicy.PolicyChanged)
def _policy_changed(tx: Tx, _pos: int, e: RetentionPolicy.PolicyChanged) -> None:
    tx.run(
        "UPDATE rm_policies SET keep_seconds=?, changed_at=?, changed_by=? WHERE retention_class=?",
        (e.keep_seconds, stored_time(e.timestamp), e.actor, name_of(tx, e.originator_id)),
    )

"""Queries on rm_shares (storage/readmodels/handlers/shares.py), returning plain dicts."""

from __future__ import annotations

from typing import Any

from storage.db import Database, Row


def share_row(db: Database, share_id: str) -> Row | None:
    with db.tx(write=False) as tx:
        return tx.one("SELECT * FROM rm_shares WHERE share_id=?", (share_id,))


def share_by_token_hash(db: Database, token_hash: str) -> Row | None:
    with db.tx(write=False) as tx:
        return tx.one("SELECT * FROM rm_shares WHERE token_hash=?", (token_hash,))


def shares(db: Database, *, case_id: str | None = None, visible_to: str | None = None) -> list[Row]:
    """Newest first; `visible_to`: only those the user made or that share one of their cases."""
    where: list[str] = []
    params: list[Any] = []
    if case_id is not None:
        where.append("case_id = ?")
        params.append(case_id)
    if visible_to is not None:
        where.append(
            "(created_by = ? OR case_id IN "
            "(SELECT case_id FROM rm_case_members WHERE user_name = ?))"
        )
        params += [visible_to, visible_to]
    sql = "SELECT * FROM rm_shares"
    if where:
        sql += " WHERE " + " AND ".join(where)
    with db.tx(write=False) as tx:
        return tx.all(sql + " ORDER BY created_at DESC, share_id", params)


def shares_of_case(db: Database, case_id: str) -> list[str]:
    with db.tx(write=False) as tx:
        rows = tx.all(
            "SELECT share_id FROM rm_shares WHERE case_id=? ORDER BY created_at", (case_id,)
        )
    return [str(r["share_id"]) for r in rows]

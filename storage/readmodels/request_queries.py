"""Queries on the footage-request read model (rm_requests). Every function returns plain dicts."""

from __future__ import annotations

from typing import Any

from storage.db import Database, Row


def request_row(db: Database, request_id: str) -> Row | None:
    with db.tx(write=False) as tx:
        return tx.one("SELECT * FROM rm_requests WHERE request_id=?", (request_id,))


def requests(
    db: Database,
    *,
    owner_user: str | None = None,
    member: str | None = None,
    case_id: str | None = None,
    status: str | None = None,
    limit: int = 500,
) -> list[Row]:
    """Requests, newest first: to `owner_user`, of the cases `member` belongs to, of `case_id`,
    in `status` (each filter only when given)."""
    sql = "SELECT r.* FROM rm_requests r"
    where: list[str] = []
    params: list[Any] = []
    if member is not None:
        sql += " JOIN rm_case_members m ON m.case_id = r.case_id AND m.user_name = ?"
        params.append(member)
    for column, value in (("owner_user", owner_user), ("case_id", case_id), ("status", status)):
        if value is not None:
            where.append(f"r.{column} = ?")
            params.append(value)
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += " ORDER BY r.sent_at DESC, r.request_id LIMIT ?"
    with db.tx(write=False) as tx:
        return tx.all(sql, [*params, limit])

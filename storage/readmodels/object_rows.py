"""Reads the objects the archive refers to (originals and derivatives) from the read model."""

from __future__ import annotations

from storage.db import Database, Row


def referenced(db: Database, *, active_only: bool = True) -> list[Row]:
    """clip_id, kind, sha256, store_key, version_id, size_bytes of each recorded object."""
    where = " WHERE status = 'active'" if active_only else ""
    with db.tx(write=False) as tx:
        rows: list[Row] = tx.all(
            "SELECT clip_id, kind, sha256, store_key, version_id, size_bytes FROM rm_objects"
            f"{where} ORDER BY store_key, version_id, clip_id"
        )
    return rows

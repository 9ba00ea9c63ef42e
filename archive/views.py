"""The JSON shapes of the contract, built from read-model rows."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from storage.db import Row
from storage.readmodels.queries import media_of


def local(text: str | None) -> str | None:
    """Read-model times are UTC text; show them as ISO 8601 with offset."""
    if text is None:
        return None
    return datetime.fromisoformat(text).astimezone(UTC).isoformat()


def clip(row: Row) -> dict[str, Any]:
    media = media_of(row)
    return {
        "clip_id": row["clip_id"],
        "camera_id": row["camera_id"],
        "sha256": row["sha256"],
        "size_bytes": int(row["size_bytes"]),
        "duration_s": row["duration_s"],
        "codec": row["codec"],
        "width": row["width"],
        "height": row["height"],
        "fps": media.get("fps"),
        "container": media.get("container"),
        "start": local(row["start_at"]),
        "end": local(row["end_at"]),
        "retention_class": row["retention_class"],
        "retain_until": local(row["retain_until"]),
        "status": row["status"],
        "legal_hold": bool(row["legal_hold"]),
        "case_ids": list(row.get("case_ids", [])),
        "ingested_at": local(row["ingested_at"]),
        "ingested_by": row["ingested_by"],
        "purged_at": local(row["purged_at"]),
        "derived_from": row.get("derived_from"),
    }


def camera(row: Row) -> dict[str, Any]:
    out = {
        "camera_id": row["camera_id"],
        "name": row["name"],
        "owner": row["owner"],
        "district": row["district"],
        "rt": row["rt"],
        "lat": row["lat"],
        "lon": row["lon"],
        "owner_user": row["owner_user"],
        "source": camera_source(row),
        "retired": row.get("retired_at") is not None,
    }
    if "distance_m" in row:
        out["distance_m"] = row["distance_m"]
    return out


def camera_source(row: Row) -> dict[str, Any] | None:
    """The camera's recording source as registered (a credential by name only)."""
    if row.get("s_kind") is None:
        return None
    keys = ("kind", "url", "channel", "path", "tz", "credential")
    return {k: row[f"s_{k}"] for k in keys}


def case(row: Row) -> dict[str, Any]:
    return {
        "case_id": row["case_id"],
        "kind": row["kind"],
        "title": row["title"],
        "lead": row["lead"],
        "status": row["status"],
        "members": row["members"],
        "clip_ids": row["clip_ids"],
        "opened_at": local(row["opened_at"]),
        "closed_at": local(row["closed_at"]),
        "legal_hold": bool(row["on_hold"]),
    }

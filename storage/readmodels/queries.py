"""Queries on the read models. Every function returns plain dicts."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime, timedelta
from typing import Any

from storage.db import Database, Row

EARTH_RADIUS_M = 6_371_008.8


def user_by_token_hash(db: Database, token_hash: str) -> Row | None:
    with db.tx(write=False) as tx:
        return tx.one("SELECT * FROM rm_users WHERE token_hash=?", (token_hash,))


def users(db: Database) -> list[Row]:
    with db.tx(write=False) as tx:
        return tx.all(
            "SELECT name, role, revoked, token_expires, created_at FROM rm_users ORDER BY name"
        )


def event_count(db: Database) -> int:
    with db.tx(write=False) as tx:
        row = tx.one(f"SELECT COUNT(*) AS n FROM {db.events_table}")
    return int(row["n"]) if row else 0


# Clips with, for a redacted copy, the clip it was made from.
_CLIPS = (
    "SELECT c.*, r.source_clip_id AS derived_from FROM rm_clips c "
    "LEFT JOIN rm_redactions r ON r.clip_id = c.clip_id"
)


def clip_row(db: Database, clip_id: str) -> Row | None:
    with db.tx(write=False) as tx:
        row = tx.one(f"{_CLIPS} WHERE c.clip_id=?", (clip_id,))
        if row is not None:
            row["case_ids"] = [
                r["case_id"]
                for r in tx.all(
                    "SELECT case_id FROM rm_case_clips WHERE clip_id=? ORDER BY attached_at",
                    (clip_id,),
                )
            ]
        return row


def clips(
    db: Database,
    *,
    camera_id: str | None = None,
    camera_ids: list[str] | None = None,
    case_id: str | None = None,
    district: str | None = None,
    since: str | None = None,
    until: str | None = None,
    status: str | None = None,
    limit: int | None = None,
    offset: int = 0,
    after: tuple[str, str] | None = None,
) -> list[Row]:
    """Clips in recording order (start, then id). `after` = (start_at, clip_id) of the last
    clip of the previous page: a keyset page costs the same however deep it is, where an
    `offset` reads and drops every clip before it."""
    sql = _CLIPS
    where: list[str] = []
    params: list[Any] = []
    if case_id is not None:
        sql += " JOIN rm_case_clips cc ON cc.clip_id = c.clip_id"
        where.append("cc.case_id = ?")
        params.append(case_id)
    if camera_id is not None:
        where.append("c.camera_id = ?")
        params.append(camera_id)
    if camera_ids is not None:  # e.g. the cameras around a place
        where.append(f"c.camera_id IN ({','.join('?' * len(camera_ids)) or 'NULL'})")
        params += camera_ids
    if district is not None:
        where.append("c.camera_id IN (SELECT camera_id FROM rm_cameras WHERE district = ?)")
        params.append(district)
    if after is not None:
        where.append("(c.start_at > ? OR (c.start_at = ? AND c.clip_id > ?))")
        params += [after[0], after[0], after[1]]
    if since is not None:  # recordings overlapping [since, until]
        where.append("c.end_at >= ?")
        params.append(since)
        earliest = _earliest_start(db, since)
        if earliest is not None:  # implied by the overlap; lets the index bound the range
            where.append("c.start_at >= ?")
            params.append(earliest)
    if until is not None:
        where.append("c.start_at <= ?")
        params.append(until)
    if status is not None:
        where.append("c.status = ?")
        params.append(status)
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += " ORDER BY c.start_at, c.clip_id"
    if limit is not None:
        sql += " LIMIT ? OFFSET ?"
        params += [limit, offset]
    with db.tx(write=False) as tx:
        rows = tx.all(sql, params)
        if rows:
            ids = [r["clip_id"] for r in rows]
            cases: dict[str, list[str]] = {i: [] for i in ids}
            for chunk in range(0, len(ids), 500):
                part = ids[chunk : chunk + 500]
                marks = ",".join("?" * len(part))
                for r in tx.all(
                    f"SELECT clip_id, case_id FROM rm_case_clips WHERE clip_id IN ({marks}) "
                    "ORDER BY attached_at",
                    part,
                ):
                    cases[r["clip_id"]].append(r["case_id"])
            for r in rows:
                r["case_ids"] = cases[r["clip_id"]]
    return rows


def _earliest_start(db: Database, since: str) -> str | None:
    """The earliest start a recording overlapping `since` can have: `since` less the
    longest recording ingested (and a second, for rounding); None with no clips yet."""
    with db.tx(write=False) as tx:
        row = tx.one("SELECT longest_s FROM rm_clip_span WHERE name='clips'")
    if row is None:
        return None
    start = datetime.fromisoformat(since) - timedelta(seconds=float(row["longest_s"]) + 1)
    return start.astimezone(UTC).isoformat(timespec="microseconds")


def redacted_copies(db: Database, source_clip_id: str) -> list[Row]:
    """The redacted copies made of a clip, oldest first (rm_redactions)."""
    with db.tx(write=False) as tx:
        return tx.all(
            "SELECT r.clip_id, r.made_at, r.made_by, c.status FROM rm_redactions r "
            "JOIN rm_clips c ON c.clip_id = r.clip_id WHERE r.source_clip_id=? "
            "ORDER BY r.made_at, r.clip_id",
            (source_clip_id,),
        )


def clips_with_sha(db: Database, sha256: str) -> list[Row]:
    with db.tx(write=False) as tx:
        return tx.all("SELECT clip_id, status FROM rm_clips WHERE sha256=?", (sha256,))


# Cameras with their recording source (s_*) and whether they are retired.
_CAMERAS = (
    "SELECT c.*, s.kind AS s_kind, s.url AS s_url, s.channel AS s_channel, s.path AS s_path, "
    "s.tz AS s_tz, s.credential AS s_credential, r.retired_at FROM rm_cameras c "
    "LEFT JOIN rm_camera_sources s ON s.camera_id = c.camera_id "
    "LEFT JOIN rm_camera_retired r ON r.camera_id = c.camera_id"
)


def camera_row(db: Database, camera_id: str) -> Row | None:
    with db.tx(write=False) as tx:
        return tx.one(f"{_CAMERAS} WHERE c.camera_id=?", (camera_id,))


def cameras(
    db: Database,
    *,
    district: str | None = None,
    near: tuple[float, float] | None = None,
    radius_m: float | None = None,
    retired: bool = False,
) -> list[Row]:
    """Cameras by district or around a point; retired ones only when asked."""
    sql = _CAMERAS
    where: list[str] = [] if retired else ["r.retired_at IS NULL"]
    params: list[Any] = []
    if district is not None:
        where.append("c.district = ?")
        params.append(district)
    if near is not None and radius_m is not None:
        # A bounding box narrows the search through the index; the exact distance filters after.
        lat, lon = near
        dlat = math.degrees(radius_m / EARTH_RADIUS_M)
        dlon = dlat / max(math.cos(math.radians(min(abs(lat) + dlat, 90.0))), 1e-6)
        where.append("c.lat BETWEEN ? AND ?")
        params += [lat - dlat, lat + dlat]
        if lon - dlon >= -180 and lon + dlon <= 180:  # a box across ±180° filters by latitude only
            where.append("c.lon BETWEEN ? AND ?")
            params += [lon - dlon, lon + dlon]
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += " ORDER BY c.camera_id"
    with db.tx(write=False) as tx:
        rows = tx.all(sql, params)
    if near is not None and radius_m is not None:
        for r in rows:
            r["distance_m"] = round(distance_m(near, (r["lat"], r["lon"])), 1)
        rows = sorted(
            (r for r in rows if r["distance_m"] <= radius_m), key=lambda r: r["distance_m"]
        )
    return rows


def distance_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance (haversine)."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(h))


def case_row(db: Database, case_id: str) -> Row | None:
    with db.tx(write=False) as tx:
        row = tx.one("SELECT * FROM rm_cases WHERE case_id=?", (case_id,))
        if row is None:
            return None
        row["members"] = [
            r["user_name"]
            for r in tx.all(
                "SELECT user_name FROM rm_case_members WHERE case_id=? ORDER BY user_name",
                (case_id,),
            )
        ]
        row["clip_ids"] = [
            r["clip_id"]
            for r in tx.all(
                "SELECT clip_id FROM rm_case_clips WHERE case_id=? ORDER BY attached_at, clip_id",
                (case_id,),
            )
        ]
        return row


def cases(db: Database, member: str | None = None, limit: int = 200) -> list[Row]:
    """Cases, newest first; with `member`, only the cases that user belongs to."""
    sql = "SELECT c.* FROM rm_cases c"
    params: list[Any] = []
    if member is not None:
        sql += " JOIN rm_case_members m ON m.case_id = c.case_id AND m.user_name = ?"
        params.append(member)
    sql += " ORDER BY c.opened_at DESC, c.case_id LIMIT ?"
    with db.tx(write=False) as tx:
        rows = tx.all(sql, [*params, limit])
    for r in rows:
        r["members"], r["clip_ids"] = [], []  # the list shows no detail; case_row has it
    return rows


def policies(db: Database) -> dict[str, int]:
    with db.tx(write=False) as tx:
        return {
            r["retention_class"]: int(r["keep_seconds"])
            for r in tx.all("SELECT retention_class, keep_seconds FROM rm_policies")
        }


def media_of(row: Row) -> dict[str, Any]:
    return dict(json.loads(row["media_json"]))

"""Keeps the read models up to date by following the notification log.

Each batch of events is applied in one transaction together with the new tracking
position, so a projection is exactly-once and resumes where it stopped, in any process.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from eventsourcing.persistence import Mapper, StoredEvent

from domain.camera import Camera
from domain.case import Case
from domain.clip import Clip
from domain.refusal import Refusal
from domain.retention import RetentionPolicy
from domain.user import User
from storage import readmodel_schema
from storage.db import Database, Tx

TRACKING_NAME = "readmodels"
BATCH = 500
PROJECTOR_LOCK = 0x5A4B5351


def iso(t: datetime | None) -> str | None:
    """Times in read models: UTC ISO 8601 with a fixed width, so text order is time order."""
    if t is None:
        return None
    return t.astimezone(UTC).isoformat(timespec="microseconds")


Handler = Callable[[Tx, int, Any], None]
HANDLERS: dict[type, Handler] = {}


def on(*event_types: type) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        for t in event_types:
            HANDLERS[t] = fn
        return fn

    return register


@on(User.UserRegistered)
def _user_registered(tx: Tx, _pos: int, e: User.UserRegistered) -> None:
    tx.run(
        "INSERT INTO rm_users (name, role, token_hash, token_expires, revoked, created_at) "
        "VALUES (?,?,?,?,0,?) ON CONFLICT (name) DO NOTHING",
        (e.name, e.role, e.token_hash, iso(e.token_expires), iso(e.timestamp)),
    )


@on(User.RoleChanged)
def _role_changed(tx: Tx, _pos: int, e: User.RoleChanged) -> None:
    tx.run("UPDATE rm_users SET role=? WHERE name=?", (e.role, _user_name(tx, e.originator_id)))


@on(User.TokenIssued)
def _token_issued(tx: Tx, _pos: int, e: User.TokenIssued) -> None:
    tx.run(
        "UPDATE rm_users SET token_hash=?, token_expires=?, revoked=0 WHERE name=?",
        (e.token_hash, iso(e.token_expires), _user_name(tx, e.originator_id)),
    )


@on(User.TokenRevoked)
def _token_revoked(tx: Tx, _pos: int, e: User.TokenRevoked) -> None:
    tx.run("UPDATE rm_users SET revoked=1 WHERE name=?", (_user_name(tx, e.originator_id),))


def _user_name(tx: Tx, originator_id: UUID) -> str:
    return _name(tx, originator_id)


def _name(tx: Tx, originator_id: UUID) -> str:
    """The name (user, case id, retention class) behind a named aggregate id."""
    row = tx.one("SELECT name FROM rm_names WHERE oid=?", (str(originator_id),))
    assert row is not None, f"unknown stream {originator_id}"
    return str(row["name"])


@on(Camera.CameraRegistered)
def _camera(tx: Tx, _pos: int, e: Camera.CameraRegistered) -> None:
    tx.run(
        "INSERT INTO rm_cameras (camera_id, name, owner, district, rt, lat, lon, owner_user, "
        "registered_at) VALUES (?,?,?,?,?,?,?,?,?) ON CONFLICT (camera_id) DO NOTHING",
        (
            e.camera_id,
            e.name,
            e.owner,
            e.district,
            e.rt,
            e.lat,
            e.lon,
            e.owner_user,
            iso(e.timestamp),
        ),
    )


@on(Case.CaseOpened)
def _case_opened(tx: Tx, _pos: int, e: Case.CaseOpened) -> None:
    tx.run(
        "INSERT INTO rm_cases (case_id, kind, title, lead, status, opened_at) "
        "VALUES (?,?,?,?,'open',?) ON CONFLICT (case_id) DO NOTHING",
        (e.case_id, e.kind, e.title, e.lead, iso(e.timestamp)),
    )
    tx.many(
        "INSERT INTO rm_case_members (case_id, user_name) VALUES (?,?) ON CONFLICT DO NOTHING",
        [(e.case_id, m) for m in e.members],
    )


def _case_id(tx: Tx, e: Any) -> str:
    return _name(tx, e.originator_id)


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
        (_case_id(tx, e), e.clip_id, iso(e.timestamp)),
    )


@on(Case.CaseClosed)
def _closed(tx: Tx, _pos: int, e: Case.CaseClosed) -> None:
    tx.run(
        "UPDATE rm_cases SET status='closed', closed_at=? WHERE case_id=?",
        (iso(e.timestamp), _case_id(tx, e)),
    )


@on(Case.LegalHoldPlaced, Case.LegalHoldReleased)
def _case_hold(tx: Tx, _pos: int, e: Any) -> None:
    on_hold = 1 if isinstance(e, Case.LegalHoldPlaced) else 0
    tx.run("UPDATE rm_cases SET on_hold=? WHERE case_id=?", (on_hold, _case_id(tx, e)))


@on(Clip.ClipIngested)
def _ingested(tx: Tx, _pos: int, e: Clip.ClipIngested) -> None:
    clip_id = str(e.originator_id)
    m = e.media
    tx.run(
        "INSERT INTO rm_clips (clip_id, camera_id, start_at, end_at, sha256, size_bytes, "
        "duration_s, codec, width, height, retention_class, retain_until, status, legal_hold, "
        "ingested_at, ingested_by, media_json) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,'active',0,?,?,?) "
        "ON CONFLICT (clip_id) DO NOTHING",
        (
            clip_id,
            e.camera_id,
            iso(e.start),
            iso(e.end),
            e.sha256,
            e.size_bytes,
            m.get("duration_s"),
            m.get("codec"),
            m.get("width"),
            m.get("height"),
            e.retention_class,
            iso(e.retain_until),
            iso(e.timestamp),
            e.actor,
            json.dumps(m, sort_keys=True),
        ),
    )
    _object(tx, clip_id, "original", e.sha256, e.storage, e.size_bytes)


def _object(
    tx: Tx, clip_id: str, kind: str, sha256: str, storage: dict[str, Any], size: int
) -> None:
    tx.run(
        "INSERT INTO rm_objects (clip_id, kind, sha256, store, store_key, version_id, size_bytes, "
        "status) VALUES (?,?,?,?,?,?,?,'active') ON CONFLICT DO NOTHING",
        (
            clip_id,
            kind,
            sha256,
            storage.get("store", ""),
            storage["key"],
            storage.get("version_id"),
            size,
        ),
    )


@on(Clip.DerivativeAdded)
def _derivative(tx: Tx, _pos: int, e: Clip.DerivativeAdded) -> None:
    _object(tx, str(e.originator_id), e.kind, e.sha256, e.storage, e.size_bytes)


@on(Clip.RetentionChanged)
def _retention(tx: Tx, _pos: int, e: Clip.RetentionChanged) -> None:
    tx.run(
        "UPDATE rm_clips SET retain_until=? WHERE clip_id=?",
        (iso(e.retain_until), str(e.originator_id)),
    )


@on(Clip.ClipPurged)
def _purged(tx: Tx, _pos: int, e: Clip.ClipPurged) -> None:
    clip_id = str(e.originator_id)
    tx.run(
        "UPDATE rm_clips SET status='purged', purged_at=? WHERE clip_id=?",
        (iso(e.timestamp), clip_id),
    )
    tx.run("UPDATE rm_objects SET status='purged' WHERE clip_id=?", (clip_id,))
    tx.run("DELETE FROM rm_pending_deletions WHERE clip_id=?", (clip_id,))


@on(RetentionPolicy.PolicySet)
def _policy_set(tx: Tx, _pos: int, e: RetentionPolicy.PolicySet) -> None:
    tx.run(
        "INSERT INTO rm_policies (retention_class, keep_seconds, changed_at, changed_by) "
        "VALUES (?,?,?,?) ON CONFLICT (retention_class) DO UPDATE SET "
        "keep_seconds=excluded.keep_seconds, "
        "changed_at=excluded.changed_at, changed_by=excluded.changed_by",
        (e.retention_class, e.keep_seconds, iso(e.timestamp), e.actor),
    )


@on(RetentionPolicy.PolicyChanged)
def _policy_changed(tx: Tx, _pos: int, e: RetentionPolicy.PolicyChanged) -> None:
    tx.run(
        "UPDATE rm_policies SET keep_seconds=?, changed_at=?, changed_by=? WHERE retention_class=?",
        (e.keep_seconds, iso(e.timestamp), e.actor, _name(tx, e.originator_id)),
    )


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
        (pos, iso(e.timestamp), e.actor, e.action, target, e.detail, e.channel, e.client),
    )


# Created events of aggregates whose ids derive from a name, and the field holding it.
_NAMED: dict[type, str] = {
    User.UserRegistered: "name",
    Case.CaseOpened: "case_id",
    Camera.CameraRegistered: "camera_id",
    RetentionPolicy.PolicySet: "retention_class",
}


class Projector:
    """Applies new notifications to the read-model tables."""

    def __init__(self, db: Database, mapper: Mapper[UUID]) -> None:
        self.db = db
        self.mapper = mapper
        self.nid = "rowid" if db.dialect == "sqlite" else "notification_id"

    def create(self) -> None:
        readmodel_schema.create(self.db)

    def rebuild(self) -> int:
        readmodel_schema.drop(self.db)
        readmodel_schema.create(self.db)
        return self.catch_up()

    def catch_up(self) -> int:
        applied = 0
        while True:
            n = self._batch()
            applied += n
            if n < BATCH:
                return applied

    def _batch(self) -> int:
        with self.db.tx(pipeline=True) as tx:
            if self.db.dialect == "postgres":
                tx.run("SELECT pg_advisory_xact_lock(?)", (PROJECTOR_LOCK,))
            row = tx.one("SELECT position FROM rm_tracking WHERE name=?", (TRACKING_NAME,))
            position = int(row["position"]) if row else 0
            rows = tx.all(
                f"SELECT {self.nid} AS nid, originator_id, originator_version, topic, state "
                f"FROM {self.db.events_table} WHERE {self.nid} > ? ORDER BY {self.nid} LIMIT ?",
                (position, BATCH),
            )
            for r in rows:
                event = self.mapper.to_domain_event(
                    StoredEvent(
                        originator_id=_uuid(r["originator_id"]),
                        originator_version=r["originator_version"],
                        topic=r["topic"],
                        state=bytes(r["state"]),
                    )
                )
                self._apply(tx, int(r["nid"]), event)
            if rows:
                last = int(rows[-1]["nid"])
                if row:
                    tx.run("UPDATE rm_tracking SET position=? WHERE name=?", (last, TRACKING_NAME))
                else:
                    tx.run(
                        "INSERT INTO rm_tracking (name, position) VALUES (?,?)",
                        (TRACKING_NAME, last),
                    )
            return len(rows)

    @staticmethod
    def _apply(tx: Tx, position: int, event: Any) -> None:
        name = _NAMED.get(type(event))
        if name is not None:
            tx.run(
                "INSERT INTO rm_names (oid, name) VALUES (?,?) ON CONFLICT DO NOTHING",
                (str(event.originator_id), getattr(event, name)),
            )
        handler = HANDLERS.get(type(event))
        if handler is not None:
            handler(tx, position, event)


def _uuid(value: Any) -> UUID:
    return value if isinstance(value, UUID) else UUID(str(value))


# Handlers of holds, purges and job runs (registered on import; kept apart for retention),
# of shares, of footage requests to private camera owners and of redacted copies.
import storage.projector_shares  # noqa: E402, F401  (shares: rm_shares)
from storage import (  # noqa: E402
    projector_redactions,  # noqa: F401
    projector_requests,  # noqa: F401
    projector_retention,  # noqa: F401
)

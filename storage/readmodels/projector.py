"""Keeps the read models up to date by following the notification log.

Each batch of events is applied in one transaction together with the new tracking
position, so a projection is exactly-once and resumes where it stopped, in any process.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.persistence import Mapper, StoredEvent

from domain.camera import Camera
from domain.case import Case
from domain.retention import RetentionPolicy
from domain.user import User
from storage import lock_keys
from storage.db import Database, Tx
from storage.readmodels import handlers as _handlers  # noqa: F401  (importing registers them)
from storage.readmodels import schema as readmodel_schema
from storage.readmodels.registry import HANDLERS

TRACKING_NAME = "readmodels"
BATCH = 500


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
                tx.run("SELECT pg_advisory_xact_lock(?)", (lock_keys.PROJECTOR,))
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
                        originator_id=uuid_of(r["originator_id"]),
                        originator_version=r["originator_version"],
                        topic=r["topic"],
                        state=bytes(r["state"]),
                    )
                )
                apply(tx, int(r["nid"]), event)
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


def apply(tx: Tx, position: int, event: Any) -> None:
    """One event on the read-model tables of `tx` (the live ones, or a replica's)."""
    name = _NAMED.get(type(event))
    if name is not None:
        tx.run(
            "INSERT INTO rm_names (oid, name) VALUES (?,?) ON CONFLICT DO NOTHING",
            (str(event.originator_id), getattr(event, name)),
        )
    handler = HANDLERS.get(type(event))  # registered by the handlers package
    if handler is not None:
        handler(tx, position, event)


def uuid_of(value: Any) -> UUID:
    return value if isinstance(value, UUID) else UUID(str(value))

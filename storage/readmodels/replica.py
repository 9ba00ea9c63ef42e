"""Read models the archive's security rests on, projected afresh from the log, to hold the
live tables against.

Sign-in, case membership, fixity and holds read tables that whoever can write the database
may change without touching the hash-chained log. A replica applies the log's own events,
through the same handlers, to the same tables in a private in-memory SQLite database; any
row where the live tables and the replica disagree was changed (or lost) behind the log.

Only the events that build the compared tables are read (a log of millions of custody
events has far fewer of these), up to the position the live read models have reached, in
the caller's snapshot: both sides then describe the same moment.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from eventsourcing.persistence import Mapper, StoredEvent
from eventsourcing.utils import get_topic

from domain.case import Case
from domain.clip import Clip
from domain.user import User
from storage.db import Database, Row, Tx
from storage.readmodels import projector
from storage.readmodels.schema import TABLES
from storage.sqlite_db import SqliteTx

# table -> (key columns, compared columns): what a disagreement is reported on.
COMPARED: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "rm_users": (("name",), ("role", "token_hash", "token_expires", "revoked")),
    "rm_case_members": (("case_id", "user_name"), ()),
    "rm_cases": (("case_id",), ("lead", "status", "on_hold")),
    "rm_objects": (
        ("clip_id", "kind", "sha256"),
        ("store", "store_key", "version_id", "size_bytes", "status"),
    ),
    "rm_clips": (("clip_id",), ("sha256", "size_bytes", "status", "legal_hold", "retain_until")),
    "rm_clip_holds": (("clip_id", "source"), ()),
}
SECRET_COLUMNS = {"token_hash"}  # named in a report, never printed

# Every event whose handler writes one of the compared tables (or a name they look up).
EVENTS: tuple[type, ...] = (
    User.UserRegistered,
    User.RoleChanged,
    User.TokenIssued,
    User.TokenRevoked,
    Case.CaseOpened,
    Case.MemberAdded,
    Case.CaseClosed,
    Case.LegalHoldPlaced,
    Case.LegalHoldReleased,
    Clip.ClipIngested,
    Clip.DerivativeAdded,
    Clip.RetentionChanged,
    Clip.Restored,
    Clip.PurgeStarted,
    Clip.ClipPurged,
    Clip.LegalHoldPlaced,
    Clip.LegalHoldReleased,
    Clip.CaseHoldApplied,
    Clip.CaseHoldLifted,
    Clip.SourceHoldApplied,
    Clip.SourceHoldLifted,
)
TOPICS = tuple(get_topic(cls) for cls in EVENTS)
PAGE = 2000


@dataclass(frozen=True)
class Difference:
    table: str
    key: tuple[Any, ...]
    where: str  # "log" (only the replica has the row), "read_model" (only the live table)
    columns: tuple[str, ...] = ()  # compared columns that differ, when both have the row


class Replica:
    """The compared tables as the log builds them, up to a notification position."""

    def __init__(self, position: int | None) -> None:
        self.position = position
        self.unreplayed: list[tuple[int, str]] = []  # (position, why): events that failed
        conn = sqlite3.connect(":memory:", isolation_level=None)
        conn.row_factory = sqlite3.Row
        self.tx = SqliteTx(conn)
        for name, columns in TABLES.items():
            self.tx.run(f"CREATE TABLE {name} ({columns})")

    def objects(self, *, active_only: bool = True) -> list[Row]:
        """clip_id, kind, sha256, store_key, version_id, size_bytes of each object the log
        refers to (originals and derivatives), grouped by stored object, with its clip's
        status, retain_until and legal_hold (what the object's lock must say)."""
        where = " WHERE o.status = 'active'" if active_only else ""
        return self.tx.all(
            "SELECT o.clip_id, o.kind, o.sha256, o.store_key, o.version_id, o.size_bytes, "
            "c.status AS clip_status, c.start_at, c.retention_class, c.retain_until, "
            "c.legal_hold FROM rm_objects o "
            f"LEFT JOIN rm_clips c ON c.clip_id = o.clip_id{where} "
            "ORDER BY o.store_key, o.version_id, o.clip_id"
        )


def referenced_keys(replica: Replica) -> set[str]:
    """Every object key a clip that is not purged references, by the log."""
    rows = replica.tx.all(
        "SELECT DISTINCT o.store_key FROM rm_objects o JOIN rm_clips c "
        "ON c.clip_id = o.clip_id WHERE c.status <> 'purged'"
    )
    return {str(r["store_key"]) for r in rows}


def live_position(tx: Tx) -> int:
    """How far the live read models have applied the log."""
    row = tx.one("SELECT position FROM rm_tracking WHERE name=?", (projector.TRACKING_NAME,))
    return int(row["position"]) if row else 0


def project(tx: Tx, db: Database, mapper: Mapper[UUID], upto: int | None = None) -> Replica:
    """Apply the log's events (up to `upto`, else all of them) read in `tx` to a replica."""
    replica = Replica(upto)
    nid = "rowid" if db.dialect == "sqlite" else "notification_id"
    marks = ",".join("?" * len(TOPICS))
    bound = f" AND {nid} <= ?" if upto is not None else ""
    sql = (
        f"SELECT {nid}, originator_id, originator_version, topic, state "
        f"FROM {db.events_table} WHERE topic IN ({marks}){bound} ORDER BY {nid}"
    )
    params = (*TOPICS, upto) if upto is not None else TOPICS
    replica.tx.run("BEGIN")
    for page in tx.pages(sql, params, PAGE):
        for position, oid, version, topic, state in page:
            stored = StoredEvent(projector.uuid_of(oid), version, topic, bytes(state))
            replica.tx.run("SAVEPOINT one")
            try:
                projector.apply(replica.tx, int(position), mapper.to_domain_event(stored))
            except Exception as e:  # a stored event altered past reading: verify names it
                replica.tx.run("ROLLBACK TO one")
                replica.unreplayed.append((int(position), type(e).__name__))
            replica.tx.run("RELEASE one")
    replica.tx.run("COMMIT")
    return replica


def differences(live: Tx, replica: Replica) -> Iterator[Difference]:
    """Every row of a compared table where the live read model and the log disagree."""
    for table, (key, compared) in COMPARED.items():
        columns = ", ".join((*key, *compared))
        theirs = _keyed(live.all(f"SELECT {columns} FROM {table}"), key)
        ours = _keyed(replica.tx.all(f"SELECT {columns} FROM {table}"), key)
        for k in sorted(ours.keys() - theirs.keys(), key=str):
            yield Difference(table, k, "log")
        for k in sorted(theirs.keys() - ours.keys(), key=str):
            yield Difference(table, k, "read_model")
        for k in sorted(ours.keys() & theirs.keys(), key=str):
            changed = tuple(c for c in compared if not _same(ours[k][c], theirs[k][c]))
            if changed:
                yield Difference(table, k, "both", changed)


def _keyed(rows: list[Row], key: tuple[str, ...]) -> dict[tuple[Any, ...], Row]:
    return {tuple(str(r[c]) for c in key): r for r in rows}


def _same(a: Any, b: Any) -> bool:
    """Equal as stored values: the two databases give integers, floats and text alike, but
    booleans and numeric types may come back as different Python types."""
    if a is None or b is None:
        return a is b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return float(a) == float(b)
    return str(a) == str(b)

"""Small scenario helpers shared by tests: an archive with a camera, a case and a clip."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from uuid import UUID

from archive.cameras import registry as cameras
from archive.cases import cases
from archive.ingest import ingest
from archive.services import Services
from domain.base import Context


def camera(
    svc: Services, camera_id: str = "SMG-SS-0001", lat: float = -6.9903, lon: float = 110.4229
) -> None:
    cameras.register_camera(
        svc,
        Context("dodi"),
        camera_id=camera_id,
        name="Simpang Lima",
        owner="public",
        district="Semarang Selatan",
        rt="001",
        lat=lat,
        lon=lon,
    )


def case(
    svc: Services,
    case_id: str = "R-2026-0001",
    lead: str = "budi",
    members: tuple[str, ...] = ("dodi",),
) -> None:
    cases.open_case(
        svc, Context(lead), case_id=case_id, kind="report", title="112 call", members=list(members)
    )


def clip_in_case(svc: Services, footage: Path, case_id: str = "R-2026-0001") -> dict[str, Any]:
    camera(svc)
    case(svc, case_id)
    return ingest_into(svc, footage, case_id)


def ingest_into(svc: Services, footage: Path, case_id: str) -> dict[str, Any]:
    """Budi ingests `footage` from the default camera into an existing case."""
    return ingest.ingest_file(
        svc,
        Context("budi"),
        camera_id="SMG-SS-0001",
        source=footage,
        reason="verify 112 report",
        case_id=case_id,
    )


def clip_in_no_case(svc: Services, footage: Path, by: str = "dodi") -> dict[str, Any]:
    """A clip only its class's period keeps (no case holds it)."""
    camera(svc)
    return ingest.ingest_file(
        svc, Context(by), camera_id="SMG-SS-0001", source=footage, reason="verify 112 report"
    )


def stream(svc: Services, originator_id: UUID) -> list[dict[str, Any]]:
    nid = "rowid" if svc.db.dialect == "sqlite" else "notification_id"
    with svc.db.tx(write=False) as tx:
        return tx.all(
            f"SELECT {nid} AS pos, originator_version AS v, topic, state "
            f"FROM {svc.db.events_table} WHERE originator_id=? ORDER BY originator_version",
            (svc.db.oid(originator_id),),
        )


def custody(svc: Services, clip_id: str) -> list[dict[str, Any]]:
    """The clip's stream: event type, actor, channel, client, reason."""
    out = []
    for row in stream(svc, UUID(clip_id)):
        state = json.loads(bytes(row["state"]))
        out.append({"type": row["topic"].rsplit(".", 1)[-1], **state})
    return out


def event_count(svc: Services) -> int:
    with svc.db.tx(write=False) as tx:
        row = tx.one(f"SELECT COUNT(*) AS n FROM {svc.db.events_table}")
    assert row is not None
    return int(row["n"])


def object_files(svc: Services) -> list[Path]:
    root = Path(svc.settings.object_store[len("file://") :])
    return sorted(p for p in root.rglob("*") if p.is_file())

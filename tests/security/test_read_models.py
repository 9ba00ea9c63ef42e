"""Finding 13 of issue 18: read models changed behind the log are named by `audit verify`,
and fixity takes its list of objects from the log, not from `rm_objects`.

The tables are tampered directly, as anyone who can write the database could, on SQLite
and PostgreSQL.
"""

from __future__ import annotations

import json
import os
from datetime import timedelta
from pathlib import Path
from typing import Any

from archive.audit import fixity
from archive.audit import verify as audit
from archive.timefmt import now
from domain.base import Context
from domain.user import User
from retention import holds, orphans
from tests.conftest import Archive
from tests.support import flows
from tests.support.principals import HOST


def tamper(archive: Archive, *statements: tuple[str, tuple[Any, ...]]) -> None:
    with archive.svc.db.tx() as tx:
        for sql, params in statements:
            tx.run(sql, params)


def read_model_problems(archive: Archive) -> list[str]:
    report = audit.verify(archive.svc, HOST)
    found = [p["detail"] for p in report["problems"] if p["kind"] == "read_model"]
    assert report["ok"] is not bool(found)
    return found


def test_audit_verify_names_each_read_model_that_disagrees_with_the_log(
    archive: Archive, footage: Path
) -> None:
    clip = flows.clip_in_case(archive.svc, footage)
    holds.set_hold(archive.svc, Context("ana"), on=True, reason="court", clip_id=clip["clip_id"])
    assert read_model_problems(archive) == []
    cid = clip["clip_id"]
    tamper(
        archive,
        ("UPDATE rm_users SET token_hash=? WHERE name='ana'", ("0" * 64,)),
        ("UPDATE rm_users SET role='admin' WHERE name='eko'", ()),
        ("INSERT INTO rm_case_members (case_id, user_name) VALUES (?,?)", ("R-2026-0001", "eko")),
        ("DELETE FROM rm_objects WHERE clip_id=? AND kind='original'", (cid,)),
        ("DELETE FROM rm_clip_holds WHERE clip_id=?", (cid,)),
        ("UPDATE rm_clips SET legal_hold=0 WHERE clip_id=?", (cid,)),
    )
    found = read_model_problems(archive)
    expected = [
        "rm_users: user ana: token_hash differs from the log",
        "rm_users: user eko: role differs from the log",
        "rm_case_members: case member R-2026-0001/eko is in the read model but not in the log",
        f"rm_objects: object {cid}/original/{clip['sha256']} is in the log but missing",
        f"rm_clips: clip {cid}: legal_hold differs from the log",
        f"rm_clip_holds: hold {cid}/clip is in the log but missing",
    ]
    for text in expected:
        assert any(f.startswith(text) for f in found), (text, found)
    assert len(found) == len(expected), found
    assert "0" * 64 not in str(found)  # a token hash is named, never printed


def test_fixity_finds_a_replaced_original_whose_read_model_row_was_deleted(
    archive: Archive, footage: Path
) -> None:
    clip = flows.clip_in_case(archive.svc, footage)
    path = archive.svc.objects.root / clip["storage"]["key"]  # type: ignore[attr-defined]
    os.chmod(path, 0o644)
    path.write_bytes(path.read_bytes()[:-1] + b"\x00")
    tamper(archive, ("DELETE FROM rm_objects WHERE clip_id=?", (clip["clip_id"],)))
    problems = fixity.check(archive.svc, HOST)
    assert [p["kind"] for p in problems] == ["replaced_content"]
    assert problems[0]["originator_id"] == clip["clip_id"]


def test_the_orphan_sweep_keeps_an_original_whose_read_model_rows_were_deleted(
    archive: Archive, footage: Path
) -> None:
    # An original whose store lock has run out (its open case keeps it in the archive).
    clip = flows.clip_in_case(archive.svc, footage)
    key = clip["storage"]["key"]
    sidecar = archive.svc.objects.root / f"{key}.meta.json"  # type: ignore[attr-defined]
    sidecar.write_text(json.dumps({"retain_until": (now() - timedelta(days=1)).isoformat()}))
    tamper(archive, ("DELETE FROM rm_objects WHERE clip_id=?", (clip["clip_id"],)))
    later = now() + timedelta(days=2)  # past the grace unreferenced uploads get
    found = orphans.reconcile(archive.svc, later)
    assert found["deleted"] == []
    assert archive.svc.objects.versions(key)


def test_an_event_altered_past_reading_is_named_not_a_crash(archive: Archive) -> None:
    db = archive.svc.db
    oid = db.oid(User.create_id("eko"))
    tamper(
        archive,
        (f"UPDATE {db.events_table} SET state=? WHERE originator_id=?", (b"{not json", oid)),
    )
    report = audit.verify(archive.svc, HOST)
    kinds = {p["kind"] for p in report["problems"]}
    assert not report["ok"] and "read_model" in kinds and "modified" in kinds, report["problems"]

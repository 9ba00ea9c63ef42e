"""Safe deletion end to end, through the command line and the HTTP API, on every event store
and object store (PostgreSQL and SeaweedFS S3 among them): a due clip waits out a recovery
window, unreadable but announced and restorable, and only then is its content deleted.

Time is set, not slept through: the window is SAKSI_RECOVERY_WINDOW, seven days while the clip
is restored, then two seconds so that the test can watch a window end."""

from __future__ import annotations

import hashlib
import io
import json
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from archive.bootstrap import bootstrap, scheduled_jobs
from archive.jobs import scheduler
from archive.settings import Settings
from archive.timefmt import now
from retention import policies, recovery
from retention import sweep as sweep_uc
from tests.e2e.conftest import Api, one_error_line
from tests.e2e.test_cli_retention import ingest_an_hour_old_clip
from tests.support import flows
from tests.support.principals import HOST
from tests.support.retention import ANA, policy, stored_versions, wait_until_expired
from tests.support.settings import configure


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def restore(cli, clip_id: str, actor: str = "ana", reason: str = "wanted by the prosecutor"):  # type: ignore[no-untyped-def]
    return cli("retention", "restore", clip_id, "--actor", actor, "--reason", reason, "--json")


def get(cli, clip_id: str, out: Path):  # type: ignore[no-untyped-def]
    return cli("clip", "get", clip_id, "--out", str(out), "--actor", "budi", "--reason", "review")


def sweep(cli) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    result = cli("retention", "sweep", "--actor", "ana", "--json")
    assert result.code == 0, result.err
    return dict(result.json())


def test_a_purge_waits_out_its_recovery_window_restorable_and_announced_until_it_ends(
    api: Api,
    cli,  # type: ignore[no-untyped-def]
    settings: Settings,
    footage: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    log_output: io.StringIO,
    object_kind: str,
) -> None:
    svc = api.archive.svc
    flows.camera(svc)
    assert cli("retention", "policy", "set", "report", "--keep", "PT1S", "--actor", "ana").code == 0
    cid = ingest_an_hour_old_clip(cli, footage)  # budi's, in no case: budi may read it
    sha256 = cli("clip", "show", cid, "--json").json()["sha256"]

    # The sweep finds it due: content kept, unreadable, deleted only after seven days.
    configure(svc, monkeypatch, SAKSI_RECOVERY_WINDOW="P7D")
    first = sweep(cli)
    assert (first["scheduled"], first["purged"]) == ([cid], [])
    shown = cli("clip", "show", cid, "--json").json()
    assert shown["status"] == "active" and shown["pending_deletion"]["scheduled_by"] == "ana"
    delete_after = at(shown["pending_deletion"]["delete_after"])
    assert timedelta(days=7) - timedelta(minutes=1) < delete_after - now() <= timedelta(days=7)
    assert "pending deletion" in one_error_line(get(cli, cid, tmp_path / "refused.mp4"))
    refused = api.get(f"/api/clips/{cid}/content?reason=review", "budi")
    assert refused.status_code == 409, refused.text
    assert at(refused.json()["pending_deletion"]["delete_after"]) == delete_after
    assert "retention restore" in refused.json()["error"]
    assert stored_versions(svc, cid) >= 1

    # Announced: `retention due`, the API (auditors and admins) and the daily notice.
    [due] = [c for c in cli("retention", "due", "--json").json()["clips"] if c["clip_id"] == cid]
    assert (due["pending_deletion"], due["will_purge"]) == (True, True)
    assert at(due["delete_after"]) == delete_after
    for user, status in (("sari", 200), ("ana", 200), ("budi", 403)):
        assert api.get("/api/retention/due", user).status_code == status
    listed = api.get("/api/retention/due?within=PT1M", "sari").json()
    assert [(c["clip_id"], c["pending_deletion"]) for c in listed["clips"]] == [(cid, True)]
    [notice] = [job for job in scheduled_jobs() if job.name == recovery.NOTICE_JOB]
    scheduler.execute(settings, bootstrap, notice, "schedule")
    lines = [json.loads(line) for line in log_output.getvalue().splitlines()]
    said = [line["msg"] for line in lines if "deletion notice" in line.get("msg", "")]
    assert any(cid in m and "unless restored" in m for m in said), said
    [run] = cli("retention", "runs", "--job", recovery.NOTICE_JOB, "--json").json()["runs"]
    assert run["status"] == "finished" and run["result"]["pending"] == 1
    assert [c["clip_id"] for c in run["result"]["clips"]] == [cid]

    # Restored within the window, by an admin with a reason: readable again, the same bytes.
    assert "refused" in one_error_line(restore(cli, cid, actor="budi"))
    forbidden = api.post(f"/api/clips/{cid}/restore", "budi", json={"reason": "mine"})
    assert forbidden.status_code == 403
    configure(svc, monkeypatch, SAKSI_RECOVERY_WINDOW="PT2S")  # from here on, windows of seconds
    done = restore(cli, cid)
    assert done.code == 0, done.err
    assert at(done.json()["retain_until"]) > now()  # not due again at the next sweep
    copy = get(cli, cid, tmp_path / "copy.mp4")
    assert copy.code == 0, copy.err
    assert hashlib.sha256((tmp_path / "copy.mp4").read_bytes()).hexdigest() == sha256
    served = api.get(f"/api/clips/{cid}/content?reason=review", "budi")
    assert served.status_code == 200 and hashlib.sha256(served.content).hexdigest() == sha256
    assert "not pending deletion" in one_error_line(restore(cli, cid))
    assert api.post(f"/api/clips/{cid}/restore", "ana", json={"reason": "r"}).status_code == 409
    assert sweep(cli)["scheduled"] == []

    # The restore's grace runs out; due again, it waits out a (two-second) window once more.
    wait_until_expired(svc, cid)
    assert sweep(cli)["scheduled"] == [cid]
    ends = at(cli("clip", "show", cid, "--json").json()["pending_deletion"]["delete_after"])
    time.sleep(max(0.0, (ends - now()).total_seconds()) + 0.1)
    assert "can no longer be restored" in one_error_line(restore(cli, cid))
    late = api.post(f"/api/clips/{cid}/restore", "ana", json={"reason": "too late"})
    assert late.status_code == 409 and "recovery window" in late.json()["error"]

    # After the window the sweep deletes the content and records ClipPurged.
    assert sweep(cli)["purged"] == [cid]
    assert stored_versions(svc, cid) == 0
    assert "was purged" in one_error_line(get(cli, cid, tmp_path / "gone.mp4"))
    assert api.get(f"/api/clips/{cid}/content?reason=review", "budi").status_code == 410
    assert cli("audit", "verify", "--json").json()["ok"] is True
    trail = cli("audit", "trail", cid, "--json").json()["events"]
    steps = [
        (e["type"], e["actor"])
        for e in trail
        if e["type"] in ("DeletionScheduled", "Restored", "PurgeStarted", "ClipPurged")
    ]
    assert steps == [
        ("DeletionScheduled", "ana"),
        ("Restored", "ana"),
        ("DeletionScheduled", "ana"),
        ("PurgeStarted", "ana"),
        ("ClipPurged", "ana"),
    ]
    assert [e["reason"] for e in trail if e["type"] == "Restored"] == ["wanted by the prosecutor"]


def test_an_admin_restores_over_http_and_mistakes_get_clear_answers(
    api: Api, footage: Path, monkeypatch: pytest.MonkeyPatch, object_kind: str
) -> None:
    svc = api.archive.svc
    configure(svc, monkeypatch, SAKSI_RECOVERY_WINDOW="P7D")
    policy(svc, "report", 1)
    clip = flows.clip_in_no_case(svc, footage, by="budi")
    cid = clip["clip_id"]
    assert api.post(f"/api/clips/{cid}/restore", "ana", json={"reason": "r"}).status_code == 409
    assert policies.due(svc, HOST, timedelta(days=1))["window"] == "P7D"
    assert sweep_uc.sweep(svc, ANA)["scheduled"] == [cid]

    for body in ({}, {"reason": " "}, {"reason": "r", "extra": 1}):
        assert api.post(f"/api/clips/{cid}/restore", "ana", json=body).status_code == 422
    unknown = "00000000-0000-0000-0000-000000000007"
    assert api.post(f"/api/clips/{unknown}/restore", "ana", json={"reason": "r"}).status_code == 404
    done = api.post(f"/api/clips/{cid}/restore", "ana", json={"reason": "court asked for it"})

    assert done.status_code == 200, done.text
    body = done.json()
    assert (body["clip_id"], body["restored_by"], body["reason"]) == (
        cid,
        "ana",
        "court asked for it",
    )
    assert body["sha256"] == clip["sha256"] and at(body["was"]["delete_after"]) > now()
    assert api.get(f"/api/clips/{cid}", "sari").json()["pending_deletion"] is None
    served = api.get(f"/api/clips/{cid}/content?reason=review", "budi")
    assert served.status_code == 200
    restored = [e for e in flows.custody(svc, cid) if e["type"] == "Restored"]
    assert [(e["actor"], e["channel"]) for e in restored] == [("ana", "http")]

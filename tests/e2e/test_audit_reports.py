"""Audit reports end to end: per clip, per case and per user, as CSV and printable HTML, their
rows checked against the ledger read independently (the stored events and their chain hashes);
generating one is recorded; only auditors and admins may ask over HTTP."""

from __future__ import annotations

import csv
import hashlib
import html
import io
from pathlib import Path
from typing import Any
from urllib.parse import urlparse
from uuid import UUID

import pytest
from eventsourcing.persistence import StoredEvent

from domain.base import named_id
from tests.e2e.conftest import Api
from tests.support.principals import HOST

CASE = "R-2026-0001"
SNEAKY = '=HYPERLINK("http://evil.example")'  # a reason a spreadsheet would run as a formula


def ok(result: Any) -> Any:
    assert result.code == 0, (result.code, result.out, result.err)
    return result.json() if result.out.lstrip().startswith(("{", "[")) else result.out


def ledger(api: Api) -> list[dict[str, Any]]:
    """Every stored event with its chain hash, decoded, in global order - read straight from
    the event tables, not through the read models the reports use."""
    svc = api.archive.svc
    db = svc.db
    nid = "e.rowid" if db.dialect == "sqlite" else "e.notification_id"
    with db.tx(write=False) as tx:
        rows = tx.all(
            f"SELECT {nid} AS pos, e.originator_id AS oid, e.originator_version AS v, e.topic, "
            f"e.state, c.hash AS h FROM {db.events_table} e JOIN event_chain c "
            "ON c.originator_id = e.originator_id AND c.originator_version = e.originator_version "
            f"ORDER BY {nid}"
        )
    found = []
    for r in rows:
        oid = r["oid"] if isinstance(r["oid"], UUID) else UUID(str(r["oid"]))
        stored = StoredEvent(oid, r["v"], r["topic"], bytes(r["state"]))
        e = svc.store.mapper.to_domain_event(stored)
        found.append(
            {
                "position": int(r["pos"]),
                "oid": oid,
                "event": type(e).__name__,
                "actor": getattr(e, "actor", None),
                "hash": bytes(r["h"]).hex(),
            }
        )
    return found


def csv_rows(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8"))))


def keyed(rows: list[dict[str, Any]]) -> list[tuple[int, str, str, str]]:
    return [(int(r["position"]), r["event"], r["actor"], r["hash"]) for r in rows]


def report(cli: Any, tmp_path: Path, fmt: str, *subject: str) -> tuple[bytes, dict[str, Any]]:
    out = tmp_path / f"report-{subject[1].replace('/', '_')}.{fmt}"
    made = ok(cli("audit", "report", *subject, "--format", fmt, "--out", str(out), "--json"))
    return out.read_bytes(), made


@pytest.mark.parametrize(("store_kind", "object_kind"), [("sqlite", "file"), ("postgres", "s3")])
def test_report_rows_are_the_ledger_events_of_a_clip_a_case_and_a_user(  # type: ignore[no-untyped-def]
    cli, api: Api, case_clip: dict[str, Any], tmp_path: Path, store_kind: str, object_kind: str
) -> None:
    clip_id = case_clip["clip_id"]
    # A history: a download (with a reason a spreadsheet would run), a refusal, a share
    # watched by its recipient, then revoked.
    ok(cli("clip", "get", clip_id, "--out", str(tmp_path / "c.mp4"), "--actor", "budi",
           "--reason", SNEAKY))  # fmt: skip
    assert cli("clip", "get", clip_id, "--out", str(tmp_path / "x.mp4"), "--actor", "eko",
               "--reason", "curious").code == 2  # fmt: skip
    share = ok(cli("share", "create", "--case", CASE, "--recipient", "Kejaksaan", "--expires",
                   "P1D", "--actor", "budi", "--json"))  # fmt: skip
    link = urlparse(share["url"]).path
    watched = api.get(f"{link}/clips/{clip_id}/content", headers={"Range": "bytes=0-9"})
    assert watched.status_code == 206
    ok(cli("share", "revoke", share["share_id"], "--actor", "dodi", "--reason", "done"))
    everything = ledger(api)

    # A clip: exactly its custody trail, row for row.
    data, made = report(cli, tmp_path, "csv", "--clip", clip_id)
    rows = csv_rows(data)
    assert list(rows[0]) == [
        "time", "event", "actor", "role", "channel", "client", "reason", "position", "hash",
        "subject", "version", "leaf", "details",
    ]  # fmt: skip
    trail = ok(cli("audit", "trail", clip_id, "--json"))["events"]
    assert [
        (
            r["time"],
            r["event"],
            r["actor"],
            r["channel"],
            r["client"],
            int(r["position"]),
            r["hash"],
        )
        for r in rows
    ] == [
        (e["at"], e["type"], e["actor"], e["channel"], e["client"] or "", e["position"], e["hash"])
        for e in trail
    ]
    assert made["rows"] == len(trail) and made["sha256"] == hashlib.sha256(data).hexdigest()
    stream = [x for x in everything if x["oid"] == UUID(clip_id)]
    assert keyed(rows) == [(x["position"], x["event"], x["actor"], x["hash"]) for x in stream]
    download = next(r for r in rows if r["event"] == "ClipDownloaded")
    assert download["reason"] == "'" + SNEAKY and download["role"] == "investigator"
    refused = next(r for r in rows if r["event"] == "AccessDenied" and r["actor"] == "eko")
    assert refused["role"] == "investigator" and "clip.get" in refused["details"]
    viewed = next(r for r in rows if r["event"] == "ViewedThroughShare")
    assert viewed["role"] == "share recipient" and viewed["client"] == "testclient"

    # A case: its stream, its clips' and its shares', in log order.
    data, _ = report(cli, tmp_path, "csv", "--case", CASE)
    streams = {named_id("case", CASE), UUID(clip_id), UUID(share["share_id"])}
    expected = [x for x in everything if x["oid"] in streams]
    assert keyed(csv_rows(data)) == [
        (x["position"], x["event"], x["actor"], x["hash"]) for x in expected
    ]
    assert {"ShareCreated", "ShareViewed", "ShareRevoked", "CaseOpened"} <= {
        r["event"] for r in csv_rows(data)
    }

    # A user: everything budi did, anywhere, and budi's account (registered by ana).
    data, _ = report(cli, tmp_path, "csv", "--user", "budi")
    mine = [x for x in everything if x["actor"] == "budi" or x["oid"] == named_id("user", "budi")]
    budi_rows = csv_rows(data)
    assert keyed(budi_rows) == [(x["position"], x["event"], x["actor"], x["hash"]) for x in mine]
    assert budi_rows[0]["event"] == "UserRegistered" and budi_rows[0]["role"] == "admin"
    assert {r["role"] for r in budi_rows[1:]} == {"investigator"}

    # The HTML report holds the same rows, says what it covers, and how to verify.
    page, made = report(cli, tmp_path, "html", "--case", CASE)
    text = page.decode("utf-8")
    assert all(x["hash"] in text for x in expected)
    assert f"Audit report: case {CASE}" in text and "its 1 share(s)" in text
    assert "Latest signed checkpoint" in text and "saksi audit verify" in text
    assert "@media print" in text and "Generated at" in text
    assert SNEAKY not in text and html.escape(SNEAKY) in text  # escaped, never markup
    assert made["checkpoint_size"] >= len(everything)  # sealed first: every row is provable
    assert f"{made['checkpoint_size']} events, root" in text

    # Each report made was recorded, with the SHA-256 of what was handed out.
    data, _ = report(cli, tmp_path, "csv", "--user", HOST.actor)  # made on the host, as HOST
    generated = [r for r in csv_rows(data) if r["event"] == "ReportGenerated"]
    assert len(generated) == 4 and f"sha256: {made['sha256']}" in generated[-1]["details"]


def test_reports_over_http_are_for_auditors_and_admins_and_recorded(
    api: Api, case_clip: dict[str, Any]
) -> None:
    clip_id = case_clip["clip_id"]
    got = api.get(f"/api/audit/report?clip={clip_id}&format=csv", "sari")
    assert got.status_code == 200, got.text
    assert got.headers["content-type"].startswith("text/csv")
    assert got.headers["x-report-sha256"] == hashlib.sha256(got.content).hexdigest()
    assert csv_rows(got.content)[0]["event"] == "ClipIngested"
    page = api.get(f"/api/audit/report?case={CASE}&format=html", "ana")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "Audit report: case" in page.text
    # Investigators and operators get 403, recorded.
    for who in ("budi", "dodi"):
        refused = api.get("/api/audit/report?user=budi&format=csv", who)
        assert refused.status_code == 403
    with api.archive.svc.db.tx(write=False) as tx:
        rows = tx.all("SELECT actor, target FROM rm_refusals WHERE action = 'audit'")
    assert [(r["actor"], r["target"]) for r in rows] == [
        ("budi", "user:budi"),
        ("dodi", "user:budi"),
    ]
    # Exactly one subject; known ones only.
    assert api.get("/api/audit/report?format=csv", "sari").status_code == 422
    both = api.get(f"/api/audit/report?clip={clip_id}&case={CASE}&format=csv", "sari")
    assert both.status_code == 422
    assert api.get(f"/api/audit/report?case={CASE}&format=pdf", "sari").status_code == 422
    assert api.get("/api/audit/report?case=R-NONE&format=csv", "sari").status_code == 404
    assert api.get("/api/audit/report?user=nobody&format=csv", "sari").status_code == 404
    # sari's own report lists what sari generated.
    mine = csv_rows(api.get("/api/audit/report?user=sari&format=csv", "sari").content)
    made = [r for r in mine if r["event"] == "ReportGenerated"]
    assert len(made) == 1 and f"sha256: {got.headers['x-report-sha256']}" in made[0]["details"]
    assert made[0]["channel"] == "http" and made[0]["role"] == "auditor"

"""Concurrency: writers on the same case or clip resolve by optimistic concurrency (the version
check of the event store) and a retry; no update is ever lost, none is recorded twice."""

from __future__ import annotations

import hashlib
import json
import threading
from collections import Counter
from typing import Any
from uuid import UUID

import httpx
import pytest

from archive.accounts import users
from archive.bootstrap import bootstrap
from archive.services import Services
from domain.base import Context
from domain.case import Case
from tests.support import report
from tests.support.cluster import CASE, Cluster, upload, variant
from tests.support.retention import events_of

pytestmark = pytest.mark.reliability

TOKEN = "metrics-concurrency"
WRITERS = 4  # two per server process
MEMBERS_EACH = 6
DOWNLOADS_EACH = 5


def test_a_conflicting_save_is_retried_on_the_newer_version_and_keeps_both_changes(
    cluster: Cluster,
) -> None:
    svc = bootstrap(cluster.settings)
    try:
        for name in ("inv.a", "inv.b"):
            users.add_user(svc, Context("ana"), name, "investigator")
        case_id = Case.create_id(CASE)
        calls: Counter[str] = Counter()
        before = svc.events.conflicts

        def second(case: Case) -> None:
            calls["second"] += 1
            if calls["second"] == 1:  # the first writer saves between our load and our save
                svc.events.update(Case, case_id, lambda c: c.add_member("inv.a", Context("budi")))
            case.add_member("inv.b", Context("budi"))

        saved = svc.events.update(Case, case_id, second)
        members = sorted(saved.members)
        conflicts = svc.events.conflicts - before
        stored = [e["user"] for e in case_events(svc, case_id, "MemberAdded")]
    finally:
        svc.close()
    assert calls["second"] == 2 and conflicts == 1
    assert {"inv.a", "inv.b"} <= set(members)
    assert Counter(stored)["inv.a"] == Counter(stored)["inv.b"] == 1


def case_events(svc: Services, case_id: UUID, name: str) -> list[dict[str, Any]]:
    return events_of(svc, str(case_id), name)


def test_two_servers_writing_to_one_case_and_one_clip_at_once_lose_no_update(
    cluster: Cluster, footage_bases: list[bytes]
) -> None:
    names = [f"inv.{i:02d}" for i in range(WRITERS * MEMBERS_EACH)]
    svc = bootstrap(cluster.settings)
    try:
        for name in names:
            users.add_user(svc, Context("ana"), name, "investigator")
    finally:
        svc.close()
    api = [cluster.serve(n, SAKSI_METRICS_TOKEN=TOKEN) for n in ("api-a", "api-b")]
    with cluster.client(api[0], "budi") as client:
        data = variant(footage_bases[0], "shared")
        made = upload(client, data, "shared", hashlib.sha256(data).hexdigest())
        assert made.status_code == 201, made.text
        clip_id = made.json()["clip_id"]

    statuses: Counter[str] = Counter()
    start = threading.Barrier(2 * WRITERS)

    def add_members(i: int) -> None:
        with cluster.client(api[i % 2], "budi") as c:
            start.wait()
            for name in names[i * MEMBERS_EACH : (i + 1) * MEMBERS_EACH]:
                r = c.post(f"/api/cases/{CASE}/members", json={"user": name})
                statuses[f"member {r.status_code}"] += 1

    def download(i: int) -> None:
        with cluster.client(api[i % 2], ("budi", "dodi")[i % 2]) as c:
            start.wait()
            for _ in range(DOWNLOADS_EACH):
                r = c.get(f"/api/clips/{clip_id}/content", params={"reason": f"review {i}"})
                statuses[f"download {r.status_code}"] += 1

    threads = [threading.Thread(target=add_members, args=(i,)) for i in range(WRITERS)]
    threads += [threading.Thread(target=download, args=(i,)) for i in range(WRITERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(300)

    conflicts = 0
    for node in api:
        scraped = httpx.get(f"{node.url}/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
        [line] = [x for x in scraped.text.splitlines() if x.startswith("saksi_write_conflicts")]
        conflicts += int(float(line.split()[-1]))
    svc = bootstrap(cluster.settings)
    try:
        added = Counter(e["user"] for e in case_events(svc, Case.create_id(CASE), "MemberAdded"))
        downloads = len(events_of(svc, clip_id, "ClipDownloaded"))
    finally:
        svc.close()
    acknowledged = statuses["member 200"] + statuses["download 200"]
    figures = {
        "writers": 2 * WRITERS,
        "servers": 2,
        "acknowledged": acknowledged,
        "lost": sum(1 for n in names if added[n] == 0)
        + max(0, statuses["download 200"] - downloads),
        "duplicated": sum(n - 1 for n in added.values() if n > 1)
        + max(0, downloads - statuses["download 200"]),
        "conflicts_retried": conflicts,
        "statuses": dict(statuses),
        "recovery_s": 0.0,
    }
    report.record("concurrent_writers", figures)
    print(json.dumps(figures))
    assert statuses == {
        "member 200": WRITERS * MEMBERS_EACH,
        "download 200": WRITERS * DOWNLOADS_EACH,
    }
    assert all(added[n] == 1 for n in names), added
    assert downloads == WRITERS * DOWNLOADS_EACH

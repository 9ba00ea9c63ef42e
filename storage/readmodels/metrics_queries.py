"""Archive-wide figures for /metrics, read from the read models and the ledger tables.

Every query is an index lookup or a small aggregate, so a scrape every 15 s stays cheap;
clip counts group the clips table, which /metrics caches for a few seconds per process.
"""

from __future__ import annotations

import json
from typing import Any

from storage.db import Database

SWEEP_JOB = "retention-sweep"


def figures(db: Database) -> dict[str, Any]:
    nid = "rowid" if db.dialect == "sqlite" else "notification_id"
    with db.tx(write=False) as tx:
        clips = tx.all(
            "SELECT status, count(*) AS n, coalesce(sum(size_bytes), 0) AS bytes "
            "FROM rm_clips GROUP BY status"
        )
        last = tx.one(f"SELECT max({nid}) AS n FROM {db.events_table}")
        tracked = tx.one("SELECT max(position) AS n FROM rm_tracking")
        leaves = tx.one(
            "SELECT leaf_index + 1 AS n FROM ledger_leaves ORDER BY leaf_index DESC LIMIT 1"
        )
        checkpoint = tx.one(
            "SELECT tree_size, sealed_at FROM ledger_checkpoints ORDER BY id DESC LIMIT 1"
        )
        refusals = tx.one("SELECT count(*) AS n FROM rm_refusals")
        by_action = tx.all("SELECT action, count(*) AS n FROM rm_refusals GROUP BY action")
        runs = tx.all("SELECT job, status, count(*) AS n FROM rm_job_runs GROUP BY job, status")
        finished = tx.all(
            "SELECT job, max(finished_at) AS t FROM rm_job_runs WHERE status='finished' "
            "GROUP BY job"
        )
        last_runs = tx.all(
            "SELECT r.job, r.started_at, r.finished_at FROM rm_job_runs r JOIN (SELECT job, "
            "max(finished_at) AS t FROM rm_job_runs WHERE status='finished' GROUP BY job) m "
            "ON r.job = m.job AND r.finished_at = m.t"
        )
        feed = tx.all("SELECT sink, position FROM feed_positions")
        sweep = tx.one(
            "SELECT result_json FROM rm_job_runs WHERE job=? AND status='finished' "
            "ORDER BY finished_at DESC LIMIT 1",
            (SWEEP_JOB,),
        )
    return {
        "clips": {r["status"]: (int(r["n"]), int(r["bytes"])) for r in clips},
        "last_position": _int(last),
        "projected_position": _int(tracked),
        "sealed_leaves": _int(leaves),
        "checkpoint": (
            (int(checkpoint["tree_size"]), str(checkpoint["sealed_at"])) if checkpoint else None
        ),
        "access_denied": _int(refusals),
        "access_denied_by_action": {r["action"]: int(r["n"]) for r in by_action},
        "job_runs": {(r["job"], r["status"]): int(r["n"]) for r in runs},
        "job_last_finished": {r["job"]: str(r["t"]) for r in finished if r["t"]},
        "job_last_run": {
            r["job"]: (str(r["started_at"]), str(r["finished_at"])) for r in last_runs
        },
        "feed_positions": {r["sink"]: int(r["position"]) for r in feed},
        "last_sweep": json.loads(sweep["result_json"]) if sweep and sweep["result_json"] else None,
    }


def _int(row: dict[str, Any] | None) -> int:
    return int(row["n"]) if row and row["n"] is not None else 0

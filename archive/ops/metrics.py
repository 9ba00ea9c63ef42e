"""What the archive as a whole looks like, as metric families (Prometheus' data model).

These come from the shared database, so every replica reports the same values: clips and
bytes by status, the ledger's size (events, sealed leaves, newest checkpoint and its age),
how far the read models lag, refusals recorded, the scheduler's runs and the last sweep's
results. Counters of one process (requests, uploads, conflicts) are added by the interface.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from archive.audit import ledger_check
from archive.jobs.runs import CASE_PULL_PREFIX as PULL_PREFIX
from archive.services import Services
from archive.timefmt import now
from storage.readmodels import metrics_queries

Labels = dict[str, str]


@dataclass
class Family:
    name: str
    kind: str  # "counter" | "gauge"
    help: str
    samples: list[tuple[Labels, float]] = field(default_factory=list)

    def add(self, value: float, **labels: str) -> Family:
        self.samples.append((labels, float(value)))
        return self


def collect(svc: Services) -> list[Family]:
    f = metrics_queries.figures(svc.db)
    clips = Family("saksi_clips", "gauge", "Clips by status.")
    size = Family("saksi_clip_bytes", "gauge", "Bytes of original content by clip status.")
    for status in ("active", "purging", "purged"):
        n, b = f["clips"].get(status, (0, 0))
        clips.add(n, status=status)
        size.add(b, status=status)
    families = [
        clips,
        size,
        Family("saksi_ledger_position", "gauge", "Newest notification id in the event log.").add(
            f["last_position"]
        ),
        Family("saksi_ledger_leaves", "gauge", "Events sealed into the Merkle log.").add(
            f["sealed_leaves"]
        ),
        Family("saksi_readmodel_lag_events", "gauge", "Notification ids not yet projected.").add(
            max(0, f["last_position"] - f["projected_position"])
        ),
        Family(
            "saksi_access_denied_events", "gauge", "Refused attempts recorded (AccessDenied)."
        ).add(f["access_denied"]),
    ]
    by_action = Family(
        "saksi_access_denied_by_action", "gauge", "Refused attempts recorded, by action."
    )
    for action, n in sorted(f["access_denied_by_action"].items()):
        by_action.add(n, action=action)
    families.append(by_action)
    checkpoint = Family(
        "saksi_checkpoint_tree_size", "gauge", "Leaves under the newest checkpoint."
    )
    age = Family("saksi_checkpoint_age_seconds", "gauge", "Seconds since the newest checkpoint.")
    if f["checkpoint"] is not None:
        tree_size, sealed_at = f["checkpoint"]
        checkpoint.add(tree_size)
        age.add(_age(sealed_at))
    runs = Family("saksi_job_runs", "gauge", "Scheduled job runs recorded, by job and status.")
    # Case pulls (`case-pull:<CASE>`) are recorded as runs too, one name per case: not
    # scheduled jobs, and a label per case would grow without bound.
    scheduled = {k: v for k, v in f["job_runs"].items() if not k[0].startswith(PULL_PREFIX)}
    for (job, status), n in sorted(scheduled.items()):
        runs.add(n, job=job, status=status)
    last = Family(
        "saksi_job_last_success_age_seconds", "gauge", "Seconds since a job last finished."
    )
    for job, finished_at in sorted(f["job_last_finished"].items()):
        if not job.startswith(PULL_PREFIX):
            last.add(_age(finished_at), job=job)
    took = Family(
        "saksi_job_last_duration_seconds",
        "gauge",
        "How long each job's last finished run took (the seal is `checkpoint`).",
    )
    for job, (started_at, finished_at) in sorted(f["job_last_run"].items()):
        if not job.startswith(PULL_PREFIX):
            took.add(_between(started_at, finished_at), job=job)
    feed = Family(
        "saksi_feed_position", "gauge", "Log position each custody-feed sink acknowledged."
    )
    for sink, position in sorted(f["feed_positions"].items()):
        feed.add(position, sink=sink)
    families += [checkpoint, age, runs, last, took, feed, _sweep(f["last_sweep"])]
    families.append(Family(*ledger_check.ALARM_METRIC).add(ledger_check.alarm(svc).value))
    return families


def _sweep(result: dict[str, object] | None) -> Family:
    """The last finished sweep's summary (retention.sweep.summary): counts per outcome."""
    family = Family("saksi_sweep_last", "gauge", "Results of the last finished retention sweep.")
    if result is None:
        return family
    for key in ("purged", "kept_on_hold", "deferred", "resumed", "scheduled", "cancelled"):
        value = result.get(key, 0)
        family.add(float(value) if isinstance(value, int | float) else 0.0, result=key)
    for key in ("errors", "orphans_deleted"):
        value = result.get(key, [])
        family.add(len(value) if isinstance(value, list) else 0, result=key)
    return family


def _between(start: str, end: str) -> float:
    return max(0.0, (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds())


def _age(iso: str) -> float:
    return max(0.0, (now() - datetime.fromisoformat(iso)).total_seconds())

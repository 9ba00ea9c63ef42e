"""Read-model handlers for legal holds, purges and job runs (registered with registry.on)."""

from __future__ import annotations

import json
from typing import Any

from domain.clip import Clip
from domain.jobs import JobRun
from storage.db import Tx
from storage.readmodels.registry import on, stored_time


def _set_effective_hold(tx: Tx, clip_id: str) -> None:
    tx.run(
        "UPDATE rm_clips SET legal_hold = CASE WHEN EXISTS "
        "(SELECT 1 FROM rm_clip_holds h WHERE h.clip_id = ?) THEN 1 ELSE 0 END WHERE clip_id = ?",
        (clip_id, clip_id),
    )


def _hold(tx: Tx, clip_id: str, source: str, on_hold: bool) -> None:
    if on_hold:
        tx.run(
            "INSERT INTO rm_clip_holds (clip_id, source) VALUES (?,?) ON CONFLICT DO NOTHING",
            (clip_id, source),
        )
    else:
        tx.run("DELETE FROM rm_clip_holds WHERE clip_id=? AND source=?", (clip_id, source))
    _set_effective_hold(tx, clip_id)


@on(Clip.LegalHoldPlaced, Clip.LegalHoldReleased)
def _clip_hold(tx: Tx, _pos: int, e: Any) -> None:
    _hold(tx, str(e.originator_id), "clip", isinstance(e, Clip.LegalHoldPlaced))


@on(Clip.CaseHoldApplied, Clip.CaseHoldLifted)
def _case_hold_on_clip(tx: Tx, _pos: int, e: Any) -> None:
    _hold(tx, str(e.originator_id), f"case:{e.case_id}", isinstance(e, Clip.CaseHoldApplied))


@on(Clip.SourceHoldApplied, Clip.SourceHoldLifted)
def _source_hold_on_copy(tx: Tx, _pos: int, e: Any) -> None:
    held = isinstance(e, Clip.SourceHoldApplied)
    _hold(tx, str(e.originator_id), f"source:{e.source_clip_id}", held)


@on(Clip.PurgeStarted)
def _purge_started(tx: Tx, _pos: int, e: Clip.PurgeStarted) -> None:
    tx.run("UPDATE rm_clips SET status='purging' WHERE clip_id=?", (str(e.originator_id),))


@on(JobRun.RunStarted)
def _run_started(tx: Tx, _pos: int, e: JobRun.RunStarted) -> None:
    tx.run(
        "INSERT INTO rm_job_runs (run_id, job, trigger, host, actor, status, started_at) "
        "VALUES (?,?,?,?,?,'started',?) ON CONFLICT (run_id) DO NOTHING",
        (str(e.originator_id), e.job, e.trigger, e.host, e.actor, stored_time(e.timestamp)),
    )


@on(JobRun.RunFinished, JobRun.RunFailed)
def _run_ended(tx: Tx, _pos: int, e: Any) -> None:
    finished = isinstance(e, JobRun.RunFinished)
    tx.run(
        "UPDATE rm_job_runs SET status=?, finished_at=?, result_json=?, error=? WHERE run_id=?",
        (
            "finished" if finished else "failed",
            stored_time(e.timestamp),
            json.dumps(e.result, sort_keys=True) if finished else None,
            None if finished else e.error,
            str(e.originator_id),
        ),
    )
